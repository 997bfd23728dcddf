import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.ts';
import type { AccountRepository, DueAccount } from '../../store/repos/accounts.ts';
import type { ProviderResolver } from '../providers.ts';
import type { RefreshEngine } from './engine.ts';

export interface SchedulerOptions {
  intervalMs: number;
  batchSize: number;
  concurrency: number;
  perHostConcurrency: number;
  /** How long a resolved provider host is reused for accounts of the same OAuth app. */
  hostCacheMs?: number;
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
  /** `workspace:app:oauth_app` → token endpoint host, so a batch costs no read per account. */
  private readonly hosts = new Map<string, { host: Promise<string>; until: number }>();

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
    this.schedule(this.opts.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      let full = false;
      this.running = this.tick()
        .then((n) => {
          full = n >= this.opts.batchSize;
        })
        .catch((err) => this.log.error({ err }, 'background refresh pass failed'))
        .finally(() => {
          this.running = null;
          // A full batch means more are due: go again at once instead of waiting.
          this.schedule(full ? 0 : this.opts.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One pass over the due accounts; returns how many it looked at. */
  async tick(): Promise<number> {
    const due = await this.accounts.due(this.clock.now(), this.opts.batchSize);
    if (due.length === 0) return 0;

    const pending = await Promise.all(
      due.map(async (row) => ({ id: row.id, host: await this.hostOf(row) })),
    );
    const perHost = new Map<string, number>();
    let active = 0;

    await new Promise<void>((resolve) => {
      const pump = () => {
        for (let i = 0; i < pending.length && active < this.opts.concurrency;) {
          const next = pending[i]!;
          const busy = perHost.get(next.host) ?? 0;
          if (this.stopped || busy >= this.opts.perHostConcurrency) {
            i += 1;
            continue;
          }
          pending.splice(i, 1);
          active += 1;
          perHost.set(next.host, busy + 1);
          void this.refreshOne(next.id).finally(() => {
            active -= 1;
            perHost.set(next.host, (perHost.get(next.host) ?? 1) - 1);
            pump();
          });
        }
        if (active === 0 && (pending.length === 0 || this.stopped)) resolve();
      };
      pump();
    });
    return due.length;
  }

  private async refreshOne(id: string): Promise<void> {
    try {
      await this.engine.ensureFresh(id, { kind: 'background' });
    } catch (err) {
      this.log.error({ err, account_id: id }, 'background refresh failed');
    }
  }

  /** The token endpoint's host of the account's OAuth app, cached per app for a minute. */
  private async hostOf(row: DueAccount): Promise<string> {
    const key = `${row.workspace_id}:${row.app_id}:${row.oauth_app_id ?? ''}`;
    const now = this.clock.now();
    const cached = this.hosts.get(key);
    if (cached && cached.until > now) return cached.host;

    const host = this.providers
      .forAccount(row)
      .then(
        (resolved) => (resolved ? new URL(resolved.provider.tokenUrl).host : ''),
        // An app that cannot be resolved shares the '' bucket; the engine reports why.
        () => '',
      )
      .catch(() => '');
    if (this.hosts.size > 10_000) this.hosts.clear();
    this.hosts.set(key, { host, until: now + (this.opts.hostCacheMs ?? 60_000) });
    return host;
  }
}
