import type { Command } from 'commander';
import type { Account, Latchkey } from '../../../packages/client/src/index.ts';
import { action } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { Progress, type Output } from '../output.ts';
import { positiveInt } from './accounts.ts';

interface ConnectOptions {
  externalUserId?: string;
  oauthAppId?: string;
  reconnect?: string;
  wait: boolean;
  timeout?: string;
  pollInterval: string;
}

export function registerConnect(program: Command): void {
  program
    .command('connect <app>')
    .description('print a connect link for an app, then wait until the account it creates appears')
    .option('--external-user-id <id>', 'your product’s id for the end user')
    .option('--oauth-app-id <id>', 'connect through this OAuth client of yours')
    .option('--reconnect <account_id>', 'replace this account’s credentials, keeping its id')
    .option('--no-wait', 'print the link and exit')
    .option('--timeout <seconds>', 'stop waiting after this long (default: until the link expires)')
    .option('--poll-interval <ms>', 'how often to look for the account', '2000')
    .action(
      action(async ({ client, out }, app: string, opts: ConnectOptions) => {
        const interval = Math.max(100, positiveInt(opts.pollInterval, '--poll-interval'));
        const query = { app, externalUserId: opts.externalUserId };

        // Accounts that exist before the link is used are not the one we wait for.
        const known = opts.reconnect ? new Set<string>() : await accountIds(client, query);
        const target = opts.reconnect ? await client.accounts.get(opts.reconnect) : undefined;
        const before = target?.updated_at ?? '';

        // A link reconnects only an account of its own end user: take the account's.
        const token = await client.admin.createConnectToken({
          app,
          external_user_id: opts.externalUserId ?? target?.external_user_id ?? undefined,
          oauth_app_id: opts.oauthAppId,
        });
        const link = new URL(token.connect_link_url);
        if (opts.reconnect) link.searchParams.set('account_id', opts.reconnect);

        if (out.json) {
          out.jsonLine({ connect_link_url: link.href, expires_at: token.expires_at });
        } else {
          out.note(`Open this link to connect ${app} (it works once, until ${token.expires_at}):`);
          out.line(link.href);
        }
        if (!opts.wait) return;

        const linkExpiry = Date.parse(token.expires_at);
        const deadline =
          opts.timeout === undefined
            ? linkExpiry
            : Date.now() + positiveInt(opts.timeout, '--timeout') * 1000;
        const account = await waitForAccount(client, out, {
          find: async () => {
            if (opts.reconnect) {
              const current = await client.accounts.get(opts.reconnect);
              return current.updated_at !== before ? current : undefined;
            }
            for await (const a of client.accounts.iterate({ ...query, limit: 100 })) {
              if (!known.has(a.id)) return a;
            }
            return undefined;
          },
          deadline,
          interval,
        });

        if (out.json) {
          return out.jsonLine({ data: account });
        }
        const verb = opts.reconnect ? 'Reconnected' : 'Connected';
        out.line(`${verb} ${account.id}${account.name ? ` (${account.name})` : ''}.`);
      }),
    );
}

async function accountIds(
  client: Latchkey,
  query: { app: string; externalUserId?: string },
): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const account of client.accounts.iterate({ ...query, limit: 100 })) {
    ids.add(account.id);
  }
  return ids;
}

async function waitForAccount(
  client: Latchkey,
  out: Output,
  opts: { find: () => Promise<Account | undefined>; deadline: number; interval: number },
): Promise<Account> {
  const progress = new Progress();
  const started = Date.now();
  if (!out.json && !process.stderr.isTTY) out.note('Waiting for the account…');
  try {
    for (;;) {
      const seconds = Math.round((Date.now() - started) / 1000);
      progress.update(`Waiting for the account… ${seconds}s (Ctrl-C to stop)`);
      const account = await opts.find();
      if (account) return account;
      if (Date.now() + opts.interval > opts.deadline) {
        throw new CliError('Gave up waiting: no account was connected in time.', EXIT.timeout);
      }
      await new Promise((resolve) => setTimeout(resolve, opts.interval));
    }
  } finally {
    progress.done();
  }
}
