import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Clock } from '../../lib/clock.ts';
import {
  rateLimitBatchSize,
  type RateLimitIncrement,
  type RateLimitRepository,
} from '../../store/repos/rate-limits.ts';

/** What the counts need of the database (RateLimitRepository; a fake in tests). */
export type RateLimitCountStore = Pick<RateLimitRepository, 'add' | 'totals' | 'deleteEndedBefore'>;

export interface SyncLog {
  warn(obj: object, msg: string): void;
  info(msg: string): void;
}

export interface SharedRateLimitOptions {
  counts: RateLimitCountStore;
  clock: Clock;
  log: SyncLog;
  /** How often the counts are exchanged with the database; default 1 s. */
  syncIntervalMs?: number;
  /** Keys remembered at once (the oldest is forgotten first); default 10 000. */
  maxKeys?: number;
}

/** One key in one fixed window, as this process knows it. */
interface Bucket {
  readonly key: string;
  readonly windowStart: number;
  readonly windowMs: number;
  /** The shared total at the last read-back (everyone's requests, ours included). */
  known: number;
  /** Our requests since that read-back (written or not). */
  local: number;
  /** Our requests not yet added to the shared total. */
  pending: number;
}

export interface RateLimitState {
  current: number;
  ttl: number;
}

/** Rows of windows that ended this long ago are deleted, leaving room for clock skew. */
const keepEndedMs = 60_000;
const pruneEveryMs = 60_000;

/**
 * Request counts of fixed windows, shared by every process on one database without touching it
 * per request. Each process counts in memory; every sync interval it adds its unsynced counts to
 * the `rate_limit_counts` table (one upsert per 500 keys) and reads back the totals of the keys
 * it has seen this window (one select per 500 keys). A request's count is the last known shared
 * total plus this process's requests since, so processes together let through at most about one
 * sync interval of traffic over the limit.
 *
 * When the database does not answer, requests are still counted, locally, and the unsynced
 * counts are added once it answers again; the outage is logged once at warn.
 */
export class SharedRateLimitCounts {
  private readonly buckets = new Map<string, Bucket>();
  private readonly syncIntervalMs: number;
  private readonly maxKeys: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failing = false;
  private lastPrune = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(private readonly opts: SharedRateLimitOptions) {
    this.syncIntervalMs = opts.syncIntervalMs ?? 1000;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Counts a request of `key`: its count in the current window, and the ms the window has left. */
  hit(key: string, windowMs: number): RateLimitState {
    const now = this.opts.clock.now();
    const windowStart = now - (now % windowMs);
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.windowStart !== windowStart || bucket.windowMs !== windowMs) {
      // A new window starts from nothing; the last one's unsynced counts no longer matter.
      if (!bucket && this.buckets.size >= this.maxKeys) this.forgetOldest();
      bucket = { key, windowStart, windowMs, known: 0, local: 0, pending: 0 };
      this.buckets.set(key, bucket);
    }
    bucket.local += 1;
    bucket.pending += 1;
    return { current: bucket.known + bucket.local, ttl: windowStart + windowMs - now };
  }

  /** The count `hit` would start from, without counting. */
  peek(key: string, windowMs: number): RateLimitState {
    const now = this.opts.clock.now();
    const windowStart = now - (now % windowMs);
    const bucket = this.buckets.get(key);
    if (!bucket || bucket.windowStart !== windowStart || bucket.windowMs !== windowMs) {
      return { current: 0, ttl: 0 };
    }
    return { current: bucket.known + bucket.local, ttl: windowStart + windowMs - now };
  }

  /** Syncs every interval until `close`. */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.sync(), this.syncIntervalMs);
    this.timer.unref();
  }

  /** One exchange with the database; a call while one runs waits for that one. Never throws. */
  sync(): Promise<void> {
    this.running ??= this.exchange(true).finally(() => (this.running = null));
    return this.running;
  }

  /** Stops the timer and adds the last unsynced counts. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.exchange(false);
  }

  private async exchange(readBack: boolean): Promise<void> {
    const now = this.opts.clock.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.windowStart + bucket.windowMs <= now) this.buckets.delete(key);
    }
    const live = [...this.buckets.values()];
    try {
      // In key order, so that two processes' upserts take row locks in one order (no deadlock).
      const unsynced = live.filter((b) => b.pending > 0);
      await this.write(unsynced.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)));
      if (readBack) await this.readBack(live);
      if (now - this.lastPrune >= pruneEveryMs) {
        this.lastPrune = now;
        await this.opts.counts.deleteEndedBefore(now - keepEndedMs);
      }
      if (this.failing) {
        this.failing = false;
        this.opts.log.info('rate limit counts are shared through the database again');
      }
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        this.opts.log.warn(
          { err },
          'rate limit counts could not be shared through the database; ' +
            'this process counts on its own until it answers',
        );
      }
    }
  }

  private async write(buckets: Bucket[]): Promise<void> {
    for (const batch of batches(buckets)) {
      const taken = batch.map((b) => b.pending);
      const increments: RateLimitIncrement[] = batch.map((b, i) => ({
        key: b.key,
        windowStart: b.windowStart,
        expiresAt: b.windowStart + b.windowMs,
        count: taken[i]!,
      }));
      for (const b of batch) b.pending = 0;
      try {
        await this.opts.counts.add(increments);
      } catch (err) {
        // Not added: send them again next time (counted locally meanwhile).
        batch.forEach((b, i) => (b.pending += taken[i]!));
        throw err;
      }
    }
  }

  private async readBack(buckets: Bucket[]): Promise<void> {
    const byWindow = new Map<number, Bucket[]>();
    for (const b of buckets) {
      const group = byWindow.get(b.windowStart);
      if (group) group.push(b);
      else byWindow.set(b.windowStart, [b]);
    }
    for (const [windowStart, group] of byWindow) {
      for (const batch of batches(group)) {
        const totals = await this.opts.counts.totals(
          windowStart,
          batch.map((b) => b.key),
        );
        // Everything written so far is in the totals; what is still pending is ours on top.
        for (const b of batch) {
          b.known = totals.get(b.key) ?? 0;
          b.local = b.pending;
        }
      }
    }
  }

  private forgetOldest(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}

/**
 * A store class for @fastify/rate-limit over shared counts. The plugin gives each route with its
 * own limit a child store; a child counts under its route, as the plugin's memory store does, so
 * such routes do not share a budget.
 */
export function sharedStoreClass(counts: SharedRateLimitCounts): FastifyRateLimitStoreCtor {
  class SharedStore implements FastifyRateLimitStore {
    constructor(
      _options: unknown,
      private readonly prefix = '',
    ) {}

    incr(
      key: string,
      callback: (error: Error | null, result?: RateLimitState) => void,
      timeWindow: number,
    ): void {
      callback(null, counts.hit(this.prefix + key, timeWindow));
    }

    read(
      key: string,
      callback: (error: Error | null, result?: RateLimitState) => void,
      timeWindow: number,
    ): void {
      callback(null, counts.peek(this.prefix + key, timeWindow));
    }

    child(routeOptions: object): FastifyRateLimitStore {
      const route = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      const prefix = route?.url ? `${String(route.method)} ${String(route.url)} ` : this.prefix;
      return new SharedStore(routeOptions, prefix);
    }
  }
  return SharedStore;
}

function* batches<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += rateLimitBatchSize) {
    yield items.slice(i, i + rateLimitBatchSize);
  }
}
