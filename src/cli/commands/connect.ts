import type { Command } from 'commander';
import {
  ForbiddenError,
  NotFoundError,
  type Account,
  type Latchkey,
} from '../../../packages/client/src/index.ts';
import { action } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { wholeNumber } from '../options.ts';
import { Progress, type Output } from '../output.ts';

interface ConnectOptions {
  externalUserId?: string;
  oauthAppId?: string;
  reconnect?: string;
  wait: boolean;
  timeout?: number;
  pollInterval: number;
}

export function registerConnect(program: Command): void {
  program
    .command('connect <app>')
    .description('print a connect link for an app, then wait until its link connects an account')
    .option('--external-user-id <id>', 'your product’s id for the end user')
    .option('--oauth-app-id <id>', 'connect through this OAuth client of yours')
    .option('--reconnect <account_id>', 'replace this account’s credentials, keeping its id')
    .option('--no-wait', 'print the link and exit')
    // Numbers are checked while the command line is parsed: a bad one stops the command
    // before it makes a connect token or prints a link.
    .option(
      '--timeout <seconds>',
      'stop waiting after this long (default: until the link expires)',
      wholeNumber(1),
    )
    .option('--poll-interval <ms>', 'how often to look for the account', wholeNumber(100), 2000)
    .action(
      action(async ({ client, out }, app: string, opts: ConnectOptions) => {
        const interval = opts.pollInterval;
        const target = opts.reconnect ? await client.accounts.get(opts.reconnect) : undefined;

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
        const deadline = opts.timeout === undefined ? linkExpiry : Date.now() + opts.timeout * 1000;
        // The token records the account its link connected: a new one, an identity that was
        // connected already (same id, new credentials), or the reconnected one. Nothing else
        // (a background refresh, say) ends the wait.
        const account = await waitForAccount(client, out, {
          find: async () => {
            const status = await client.admin.connectTokenStatus(token.token);
            return status.account_id ? accountOrId(client, status.account_id) : undefined;
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

/**
 * The connected account as the caller may see it; just its id for a caller who may connect
 * accounts but not read them (a key with `accounts:write` only).
 */
async function accountOrId(
  client: Latchkey,
  id: string,
): Promise<Account | { id: string; name?: undefined }> {
  try {
    return await client.accounts.get(id);
  } catch (err) {
    if (err instanceof ForbiddenError || err instanceof NotFoundError) return { id };
    throw err;
  }
}

async function waitForAccount<T>(
  client: Latchkey,
  out: Output,
  opts: { find: () => Promise<T | undefined>; deadline: number; interval: number },
): Promise<T> {
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
