import type { Credentials } from './types.ts';

/**
 * Where credentials may outlive the process, for programs that restart often (CLIs, serverless
 * functions). Implementations should encrypt: see `encryptedCache`.
 */
export interface PersistentCache {
  get(accountId: string): Promise<Credentials | undefined>;
  set(accountId: string, credentials: Credentials): Promise<void>;
  delete(accountId: string): Promise<void>;
}

export interface CredentialCacheOptions {
  /** Fetches from the server a token valid for at least `minTtlMs`. */
  load: (accountId: string, minTtlMs: number) => Promise<Credentials>;
  persistent?: PersistentCache;
  now: () => number;
  /** Stop serving a token this long before it expires (bounded by half its lifetime). */
  skewMs: number;
}

interface Entry {
  credentials: Credentials;
  /** After this instant (client clock) the entry is not served. */
  staleAt: number;
}

interface Flight {
  minTtlMs: number;
  promise: Promise<Credentials>;
}

/**
 * In-memory credentials per account, served until shortly before they expire, with one request
 * in flight per account however many callers ask at once.
 *
 * Hazard: an entry may be served after the server replaced the token (a forced refresh,
 * a reconnect); that is what `discard` after an upstream rejection is for.
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Map<string, Flight>();
  /** Bumped by every invalidation, so a load that started before it does not store its result. */
  private readonly generations = new Map<string, number>();

  constructor(private readonly opts: CredentialCacheOptions) {}

  get(accountId: string, minTtlMs: number): Promise<Credentials> {
    const hit = this.usable(this.entries.get(accountId), minTtlMs);
    if (hit) return Promise.resolve(hit);

    // Join a request already on its way if it asked for at least as long a life as we need.
    const flight = this.flights.get(accountId);
    if (flight && flight.minTtlMs >= minTtlMs) return flight.promise;

    const promise = this.fill(accountId, minTtlMs).finally(() => {
      if (this.flights.get(accountId)?.promise === promise) this.flights.delete(accountId);
    });
    this.flights.set(accountId, { minTtlMs, promise });
    return promise;
  }

  /** Forgets the account's credentials here and in the persistent cache. */
  async invalidate(accountId: string): Promise<void> {
    this.forget(accountId);
    await this.opts.persistent?.delete(accountId);
  }

  /**
   * Forgets `rejected` if it is still what the cache holds. When another caller already
   * replaced it, the newer entry stays, so fifty callers rejected together cause one refetch.
   */
  async discard(accountId: string, rejected: Credentials): Promise<void> {
    const entry = this.entries.get(accountId);
    if (entry && entry.credentials !== rejected) return;
    if (!entry && this.flights.has(accountId)) return;
    await this.invalidate(accountId);
  }

  private forget(accountId: string): void {
    this.entries.delete(accountId);
    this.flights.delete(accountId);
    this.generations.set(accountId, this.generationOf(accountId) + 1);
  }

  private generationOf(accountId: string): number {
    return this.generations.get(accountId) ?? 0;
  }

  private async fill(accountId: string, minTtlMs: number): Promise<Credentials> {
    const generation = this.generationOf(accountId);
    const { persistent } = this.opts;

    if (persistent) {
      // A persistent cache that cannot be read is only a miss: the server has the truth.
      const stored = await persistent.get(accountId).catch(() => undefined);
      const entry = stored && this.entryFor(stored);
      const usable = this.usable(entry, minTtlMs);
      if (entry && usable) {
        if (this.generationOf(accountId) === generation) this.entries.set(accountId, entry);
        return usable;
      }
    }

    const credentials = await this.opts.load(accountId, minTtlMs);
    if (this.generationOf(accountId) !== generation) return credentials;

    this.entries.set(accountId, this.entryFor(credentials));
    await persistent?.set(accountId, credentials).catch(() => undefined);
    return credentials;
  }

  private entryFor(credentials: Credentials): Entry {
    if (credentials.expiresAt === null) return { credentials, staleAt: Infinity };
    const expiresAt = credentials.expiresAt.getTime();
    const lifetime = Math.max(0, expiresAt - credentials.fetchedAt.getTime());
    // A short-lived token (minutes) would otherwise be stale on arrival: cap the skew at half
    // of the life the token had when it came.
    const skew = Math.min(this.opts.skewMs, lifetime / 2);
    return { credentials, staleAt: expiresAt - skew };
  }

  private usable(entry: Entry | undefined, minTtlMs: number): Credentials | undefined {
    if (!entry) return undefined;
    return this.opts.now() + minTtlMs < entry.staleAt ? entry.credentials : undefined;
  }
}
