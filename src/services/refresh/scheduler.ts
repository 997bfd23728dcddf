import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.ts';
import type { AccountRepository } from '../../store/repos/accounts.ts';
import type { ProviderResolver } from '../providers.ts';
import type { RefreshEngine } from './engine.ts';

export interface SchedulerOptions {
  intervalMs: number;
  batchSize: number;
  concurrency: number;
  perHostConcurrency: number;
}

/**
 * The background refresher: every `intervalMs` it takes the accounts whose `next_refresh_at`
 * has come (an index range scan, so its cost follows the batch, not the table) and refreshes
 * them with bounded concurrency overall and per provider host, so one slow provider cannot
 * hold up the rest. Several processes may run it: the engine's lease keeps it to one refresh.
 */
export class RefreshScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly accounts: AccountRepository,
    private readonly providers: ProviderResolver,
    private readonly engine: RefreshEngine,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: SchedulerOptions,
  ) {}

  start(): void {
    if (this.opts.intervalMs <= 0) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err) => this.log.error({ err }, 'background refresh pass failed'))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  /** One pass over the due accounts; returns how many it looked at. */
  async tick(): Promise<number> {
    const due = await this.accounts.due(this.clock.now(), this.opts.batchSize);
    if (due.length === 0) return 0;

    const perHost = new Map<string, number>();
    const queue = [...due];
    const inFlight = new Set<Promise<void>>();
    const deferred: typeof due = [];

    while (queue.length > 0 || inFlight.size > 0) {
      const next = queue.shift();
      if (next && !this.stopped) {
        const host = await this.hostOf(next);
        if ((perHost.get(host) ?? 0) >= this.opts.perHostConcurrency) {
          deferred.push(next);
        } else {
          perHost.set(host, (perHost.get(host) ?? 0) + 1);
          const task: Promise<void> = this.refreshOne(next.id).finally(() => {
            perHost.set(host, (perHost.get(host) ?? 1) - 1);
            inFlight.delete(task);
          });
          inFlight.add(task);
        }
      }
      const full = inFlight.size >= this.opts.concurrency;
      const drained = queue.length === 0 || this.stopped;
      if ((full || drained || deferred.length > 0) && inFlight.size > 0) {
        await Promise.race(inFlight);
        queue.unshift(...deferred.splice(0));
      } else if (drained) {
        break;
      }
    }
    return due.length;
  }

  private async refreshOne(id: string): Promise<void> {
    try {
      await this.engine.ensureFresh(id, { kind: 'background' });
    } catch (err) {
      this.log.error({ err, account_id: id }, 'background refresh failed');
    }
  }

  private async hostOf(row: { id: string }): Promise<string> {
    const account = await this.accounts.get(row.id);
    if (!account) return '';
    const resolved = await this.providers.forAccount(account);
    if (!resolved) return '';
    try {
      return new URL(resolved.provider.tokenUrl).host;
    } catch {
      return '';
    }
  }
}
