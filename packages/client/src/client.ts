import { CredentialCache, type PersistentCache } from './credential-cache.ts';
import { Accounts, Admin } from './resources.ts';
import { Transport, type RetryOptions } from './transport.ts';
import type { Account, Credentials } from './types.ts';

export interface LatchkeyOptions {
  /** A Latchkey API key (`lk_…`), or a Pipedream access token when `baseUrl` is Pipedream's. */
  apiKey: string;
  /** Default `http://127.0.0.1:8080`. */
  baseUrl?: string;
  /** Stop serving a cached token this many seconds before it expires; default 30. */
  skewSeconds?: number;
  /** Keep credentials across restarts (see `encryptedCache`); memory only by default. */
  cache?: PersistentCache;
  /** Retries of 429 and 503 answers; `false` turns them off. */
  retry?: RetryOptions | false;
  /** Sent with every request (e.g. Pipedream's `x-pd-environment`). */
  headers?: Record<string, string>;
  /** A fetch to use instead of the global one (instrumentation, proxies, tests). */
  fetch?: typeof fetch;
  /** The clock that decides expiry, epoch ms; default Date.now. */
  now?: () => number;
}

export interface GetCredentialsOptions {
  /** The token must stay valid at least this many seconds from now; default 0. */
  minTtl?: number;
}

export interface WithCredentialsOptions extends GetCredentialsOptions {
  /**
   * Whether what `fn` returned or threw means the upstream API refused the credentials.
   * Default: a 401 or 403 status on a returned Response, or on a thrown error's `status`,
   * `statusCode` or `response.status` (fetch, Octokit, axios, got).
   */
  isRejected?: (outcome: unknown) => boolean;
}

/**
 * A client for Latchkey's API. Credentials are cached in memory until shortly before they
 * expire, and concurrent callers for one account share one request.
 */
export class Latchkey {
  readonly accounts: Accounts;
  readonly admin: Admin;
  private readonly http: Transport;
  private readonly cache: CredentialCache;
  private readonly now: () => number;
  private readonly skewMs: number;

  constructor(opts: LatchkeyOptions) {
    if (!opts.apiKey) throw new Error('Latchkey needs an apiKey.');
    const fetchImpl = opts.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new Error('Latchkey needs a fetch implementation.');

    this.now = opts.now ?? Date.now;
    this.skewMs = (opts.skewSeconds ?? 30) * 1000;
    this.http = new Transport({
      baseUrl: opts.baseUrl ?? 'http://127.0.0.1:8080',
      apiKey: opts.apiKey,
      fetch: fetchImpl,
      headers: opts.headers ?? {},
      retry:
        opts.retry === false
          ? false
          : { maxElapsedMs: 10_000, baseDelayMs: 250, maxDelayMs: 5_000, ...opts.retry },
    });
    this.cache = new CredentialCache({
      load: (accountId, minTtlMs) => this.fetchCredentials(accountId, minTtlMs),
      persistent: opts.cache,
      now: this.now,
      skewMs: this.skewMs,
    });
    this.accounts = new Accounts(this.http, (accountId) => this.invalidate(accountId));
    this.admin = new Admin(this.http);
  }

  /**
   * The account's credentials, from the cache while they have more than the skew (and
   * `minTtl`) left, else from the server, which refreshes them first if it must.
   * Throws AccountDeadError, RefreshUnavailableError, NotFoundError, ForbiddenError, …
   */
  getCredentials(accountId: string, opts: GetCredentialsOptions = {}): Promise<Credentials> {
    return this.cache.get(accountId, Math.max(0, (opts.minTtl ?? 0) * 1000));
  }

  /**
   * Calls `fn` with the account's credentials. When the upstream API rejects them, drops the
   * cached copy and calls `fn` once more with credentials fetched anew; a second rejection is
   * returned (or thrown) to the caller as it is.
   */
  async withCredentials<T>(
    accountId: string,
    fn: (credentials: Credentials) => Promise<T>,
    opts: WithCredentialsOptions = {},
  ): Promise<T> {
    const isRejected = opts.isRejected ?? rejectedByStatus;
    const first = await this.getCredentials(accountId, opts);

    try {
      const result = await fn(first);
      if (!isRejected(result)) return result;
    } catch (error) {
      if (!isRejected(error)) throw error;
    }

    // TODO(upstream revokes tokens early): also force a refresh when the server hands back the
    // very token just rejected, because today the retry only helps if the server's copy moved on.
    await this.cache.discard(accountId, first);
    return fn(await this.getCredentials(accountId, opts));
  }

  /** Forgets the cached credentials of one account (memory and persistent cache). */
  invalidate(accountId: string): Promise<void> {
    return this.cache.invalidate(accountId);
  }

  /** Any other call of the API, with the client's key, retries and typed errors. */
  request<T>(method: string, path: string, options?: Parameters<Transport['request']>[2]) {
    return this.http.request<T>(method, path, options);
  }

  private async fetchCredentials(accountId: string, minTtlMs: number): Promise<Credentials> {
    const account = await this.accounts.get(accountId, {
      includeCredentials: true,
      // Unasked, the server's own default (a minute or two) applies.
      minTtl: minTtlMs > 0 ? (minTtlMs + this.skewMs) / 1000 : undefined,
    });
    return toCredentials(account, this.now());
  }
}

function toCredentials(account: Account, now: number): Credentials {
  const fields = account.credentials ?? {};
  const accessToken = fields.oauth_access_token ?? null;
  return Object.freeze({
    accountId: account.id,
    accessToken,
    fields: Object.freeze({ ...fields }),
    expiresAt: account.expires_at ? new Date(account.expires_at) : null,
    fetchedAt: new Date(now),
  });
}

function rejectedByStatus(outcome: unknown): boolean {
  const status = statusOf(outcome);
  return status === 401 || status === 403;
}

function statusOf(outcome: unknown): number | undefined {
  if (typeof outcome !== 'object' || outcome === null) return undefined;
  const o = outcome as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  for (const value of [o.status, o.statusCode, o.response?.status]) {
    if (typeof value === 'number') return value;
  }
  return undefined;
}
