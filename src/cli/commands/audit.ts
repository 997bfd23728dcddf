import type { Command } from 'commander';
import type { Json } from '../../../packages/client/src/index.ts';
import { action } from '../context.ts';
import { visible, type Output } from '../output.ts';
import { positiveInt } from './accounts.ts';
import { str } from './apps.ts';

interface TailOptions {
  limit: string;
  follow?: boolean;
  account?: string;
  action?: string;
  interval: string;
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit log');

  audit
    .command('tail')
    .description('show the latest audit events, oldest first; --follow to keep watching')
    .option('-n, --limit <n>', 'how many recent events to show', '20')
    .option('-f, --follow', 'keep printing new events as they happen')
    .option('--account <id>', 'only events about this account')
    .option('--action <action>', 'only this action, e.g. credentials.read')
    .option('--interval <ms>', 'with --follow: how often to look', '2000')
    .action(
      action(async ({ client, out }, opts: TailOptions) => {
        const limit = Math.min(100, Math.max(1, positiveInt(opts.limit, '--limit')));
        const interval = Math.max(100, positiveInt(opts.interval, '--interval'));
        const query = { limit, account_id: opts.account, action: opts.action };
        const seen = new Set<string>();

        // The API lists newest first; print the page reversed, so the newest ends up last.
        const print = (events: Json[]) => {
          for (const event of events.reverse()) {
            if (seen.has(String(event.id))) continue;
            seen.add(String(event.id));
            emit(out, event);
          }
        };

        print((await client.admin.auditPage(query)).data);
        while (opts.follow) {
          await new Promise((resolve) => setTimeout(resolve, interval));
          print((await client.admin.auditPage(query)).data);
        }
      }),
    );
}

function emit(out: Output, e: Json): void {
  // --json: one event per line (JSON Lines), so --follow can stream.
  if (out.json) return out.jsonLine(e);
  const actor = (e.actor ?? {}) as Json;
  const who = `${str(actor.type ?? e.actor_type)}:${str(actor.id ?? e.actor_id)}`;
  const account = e.account_id ?? (e.account as Json | undefined)?.id;
  const where = e.ip ? ` from ${str(e.ip)}` : '';
  out.line([
    { text: str(e.created_at), colour: 'dim' },
    `  ${visible(str(e.action)).padEnd(24)}  ${who}${account ? `  ${str(account)}` : ''}${where}`,
  ]);
}
