import type { Command } from 'commander';
import type { Json, Latchkey } from '../../../packages/client/src/index.ts';
import { action } from '../context.ts';
import { wholeNumber } from '../options.ts';
import { visible, type Output } from '../output.ts';
import { everyPage, PAGE_SIZE } from '../pages.ts';
import { str } from './apps.ts';

interface TailOptions {
  limit: number;
  follow?: boolean;
  account?: string;
  action?: string;
  interval: number;
}

type Filter = { account_id?: string; action?: string };

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit log');

  audit
    .command('tail')
    .description('show the latest audit events, oldest first; --follow to keep watching')
    .option('-n, --limit <n>', 'how many recent events to show', wholeNumber(1), 20)
    .option('-f, --follow', 'keep printing new events as they happen')
    .option('--account <id>', 'only events about this account')
    .option('--action <action>', 'only this action, e.g. credentials.read')
    .option('--interval <ms>', 'with --follow: how often to look', wholeNumber(100), 2000)
    .action(
      action(async ({ client, out }, opts: TailOptions) => {
        const filter: Filter = { account_id: opts.account, action: opts.action };
        const seen = new Set<string>();
        const print = (newestFirst: Json[]) => {
          // The API lists newest first; print oldest first, so the newest ends up last.
          for (const event of newestFirst.reverse()) {
            seen.add(String(event.id));
            emit(out, event);
          }
        };

        print(await latest(client, filter, opts.limit));
        while (opts.follow) {
          await new Promise((resolve) => setTimeout(resolve, opts.interval));
          print(await unseen(client, filter, seen));
        }
      }),
    );
}

/** The newest `count` events, newest first, across as many pages as that takes. */
async function latest(client: Latchkey, filter: Filter, count: number): Promise<Json[]> {
  const events: Json[] = [];
  const limit = Math.min(PAGE_SIZE, count);
  for await (const page of everyPage(client, '/v1/audit_events', { ...filter, limit })) {
    events.push(...page.data.slice(0, count - events.length));
    if (events.length >= count) break;
  }
  return events;
}

/**
 * The events not printed yet, newest first: pages back to the oldest event already printed
 * that a page holds. The log is written in batches, so an event can land between events
 * printed already: those are printed too; events older than all of them are not (they were
 * before the window `-n` asked for).
 */
async function unseen(client: Latchkey, filter: Filter, seen: Set<string>): Promise<Json[]> {
  const events: Json[] = [];
  for await (const page of everyPage(client, '/v1/audit_events', filter)) {
    const isSeen = (event: Json) => seen.has(String(event.id));
    const lastSeen = page.data.findLastIndex(isSeen);
    const fresh = lastSeen === -1 ? page.data : page.data.slice(0, lastSeen);
    events.push(...fresh.filter((event) => !isSeen(event)));
    if (lastSeen !== -1) break;
  }
  return events;
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
