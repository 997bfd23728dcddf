import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ForbiddenError, type Account, type Latchkey } from '../../../packages/client/src/index.ts';
import { action } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { wholeNumber } from '../options.ts';
import { PAGE_SIZE } from '../pages.ts';
import { Progress, relative, type Cell, type Output } from '../output.ts';

interface ListOptions {
  app?: string;
  externalUserId?: string;
  oauthAppId?: string;
  limit?: number;
}

export function registerAccounts(program: Command): void {
  const accounts = program.command('accounts').description('connected accounts');

  accounts
    .command('list')
    .description('list accounts (every page, unless --limit)')
    .option('--app <slug>', 'only this app (slug or id)')
    .option('--external-user-id <id>', 'only this end user of your product')
    .option('--oauth-app-id <id>', 'only accounts connected through this OAuth app')
    .option('--limit <n>', 'show at most n accounts', wholeNumber(1))
    .action(
      action(async ({ client, out }, opts: ListOptions) => {
        const max = opts.limit ?? Infinity;
        const progress = new Progress();
        const rows: Account[] = [];
        const query = {
          app: opts.app,
          externalUserId: opts.externalUserId,
          oauthAppId: opts.oauthAppId,
          limit: Math.min(PAGE_SIZE, max),
        };
        pages: for await (const page of client.accounts.pages(query)) {
          for (const account of page.data) {
            if (rows.length >= max) break pages;
            rows.push(account);
          }
          progress.update(`fetched ${rows.length} of ${page.page_info.total_count} accounts…`);
        }
        progress.done();

        if (out.json) return out.printJson(rows);
        out.table(
          ['ID', 'APP', 'NAME', 'STATUS', 'EXPIRES', 'EXTERNAL USER'],
          rows.map((a) => [
            a.id,
            a.app.name_slug,
            a.name ?? '-',
            status(a),
            a.expires_at ? relative(a.expires_at) : 'never',
            a.external_user_id ?? '-',
          ]),
        );
      }),
    );

  accounts
    .command('get <id>')
    .description('show one account')
    .option('--credentials', 'include its credentials (secrets: tokens, keys) in the output')
    .option(
      '--min-ttl <seconds>',
      'with --credentials: a token valid at least this long',
      wholeNumber(0),
    )
    .action(
      action(
        async ({ client, out }, id: string, opts: { credentials?: boolean; minTtl?: number }) => {
          const account = await client.accounts.get(id, {
            includeCredentials: opts.credentials === true,
            minTtl: opts.minTtl,
          });
          if (out.json) return out.printJson(account);
          show(out, account);
          if (!opts.credentials)
            return out.note('credentials hidden; add --credentials to show them');
          out.line();
          out.fields(Object.entries(account.credentials ?? {}).map(([k, v]) => [k, v ?? '-']));
        },
      ),
    );

  accounts
    .command('refresh <id>')
    .description('refresh the access token now, whatever its expiry')
    .action(
      action(async ({ client, out }, id: string) => {
        const before = await readIfAllowed(client, id);
        const account = await client.accounts.refresh(id);
        if (out.json) return out.printJson(account);
        const idle = nothingRefreshed(before, account);
        if (idle) return out.line(idle);
        const expires = account.expires_at ? `expires ${expiry(account)}` : 'does not expire';
        out.line(`Refreshed ${account.id}; the token ${expires}.`);
      }),
    );

  accounts
    .command('delete <id>')
    .description('delete an account: its credentials are destroyed and revoked where possible')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      action(async ({ client, out }, id: string, opts: { yes?: boolean }) => {
        if (!opts.yes) await confirm(`Delete ${id} and revoke its credentials?`);
        await client.accounts.delete(id);
        if (out.json) return out.printJson({ id, deleted: true });
        out.line(`Deleted ${id}.`);
      }),
    );
}

function show(out: Output, a: Account): void {
  out.fields([
    ['id', a.id],
    ['app', `${a.app.name} (${a.app.name_slug}, ${a.app.auth_type})`],
    ['name', a.name ?? '-'],
    ['status', status(a)],
    ['error', a.error ?? '-'],
    ['external user', a.external_user_id ?? '-'],
    ['external id', a.external_id ?? '-'],
    ['oauth app', a.oauth_app_id ?? '-'],
    ['scopes', a.authorized_scopes?.join(' ') || '-'],
    ['expires', expiry(a)],
    ['last refreshed', a.last_refreshed_at ?? '-'],
    ['next refresh', a.next_refresh_at ?? '-'],
    ['created', a.created_at],
  ]);
}

function status(a: Account): Cell {
  if (a.dead) return { text: 'dead', colour: 'red' };
  if (!a.healthy) return { text: 'unhealthy', colour: 'yellow' };
  return { text: 'ok', colour: 'green' };
}

function expiry(a: Account): string {
  return a.expires_at ? `${a.expires_at} (${relative(a.expires_at)})` : 'never';
}

/** The account before a refresh; undefined for a key that may refresh but not read it. */
async function readIfAllowed(client: Latchkey, id: string): Promise<Account | undefined> {
  try {
    return await client.accounts.get(id);
  } catch (error) {
    if (error instanceof ForbiddenError) return undefined;
    throw error;
  }
}

/**
 * The sentence for a refresh that had nothing to do, or null. The server answers such a request
 * 200 with the account unchanged: a keys (or no-auth) account's credentials do not expire, and
 * an OAuth token without an expiry or a refresh token stays as it is (last_refreshed_at too).
 */
function nothingRefreshed(before: Account | undefined, after: Account): string | null {
  if (after.app.auth_type !== 'oauth') {
    return (
      `Nothing to refresh: ${after.id} is a ${after.app.auth_type} account ` +
      `(${after.app.name}); its credentials do not expire.`
    );
  }
  const unchanged =
    !after.last_refreshed_at ||
    (before !== undefined && before.last_refreshed_at === after.last_refreshed_at);
  if (after.expires_at === null && unchanged) {
    return (
      `Nothing to refresh: ${after.id}'s token does not expire and the account has no ` +
      'refresh token.'
    );
  }
  return null;
}

/** Asks on a terminal; elsewhere there is nobody to ask, so --yes is required. */
async function confirm(question: string): Promise<void> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new CliError('Refusing to delete without --yes when not on a terminal.', EXIT.usage);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('Not deleted.', EXIT.failure);
}
