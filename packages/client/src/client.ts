import { CredentialCache, type PersistentCache } from './credential-cache.ts';
import { AccountDeadError } from './errors.ts';
import { RefreshGate } from './refresh-gate.ts';
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
  /** Default of `withCredentials`' `forceRefreshOn`: 'unauthorized'. */
  forceRefreshOn?: ForceRefreshOn;
  /** At most one forced refresh per account in this many seconds (per client); default 60. */
  forceRefreshIntervalSeconds?: number;
}

/**
 * Which rejections let `withCredentials` ask the server to refresh a token (which needs a key
 * with `accounts:write`) when refetching handed back the very token the upstream API rejected:
 * - 'unauthorized': only a rejection carrying status 401, the usual "this token is no good";
 * - 'rejected': any rejection, including 403 (often a missing scope, which a refresh does not
 *   grant) and outcomes only your `isRejected` recognises;
 * - 'never': no forced refresh; the retry uses whatever the server holds.
 */
export type ForceRefreshOn = 'unauthorized' | 'rejected' | 'never';

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
  /** Overrides the client's `forceRefreshOn` for this call. */
  forceRefreshOn?: ForceRefreshOn;
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
  private readonly forceRefreshOn: ForceRefreshOn;
  private readonly refreshGate: RefreshGate;

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
    this.forceRefreshOn = opts.forceRefreshOn ?? 'unauthorized';
    this.refreshGate = new RefreshGate({
      intervalMs: (opts.forceRefreshIntervalSeconds ?? 60) * 1000,
      now: this.now,
    });
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
   *
   * When the server hands back the very token just rejected (revoked upstream before its
   * expiry), it is first asked to refresh it, as `forceRefreshOn` allows and at most once per
   * account per `forceRefreshIntervalSeconds`. A refused refresh (no `accounts:write`, no
   * refresh token, a server without the route) only means `fn` gets the token the server has;
   * a dead account throws AccountDeadError.
   */
  async withCredentials<T>(
    accountId: string,
    fn: (credentials: Credentials) => Promise<T>,
    opts: WithCredentialsOptions = {},
  ): Promise<T> {
    const isRejected = opts.isRejected ?? rejectedByStatus;
    const first = await this.getCredentials(accountId, opts);

    let rejection: unknown;
    try {
      const result = await fn(first);
      if (!isRejected(result)) return result;
      rejection = result;
    } catch (error) {
      if (!isRejected(error)) throw error;
      rejection = error;
    }

    await this.cache.discard(accountId, first);
    const again = await this.getCredentials(accountId, opts);

    const sameToken = first.accessToken !== null && again.accessToken === first.accessToken;
    const mode = opts.forceRefreshOn ?? this.forceRefreshOn;
    if (!sameToken || !forcesRefresh(mode, rejection)) return fn(again);

    return fn((await this.refreshed(accountId, opts)) ?? again);
  }

  /** Forgets the cached credentials of one account (memory and persistent cache). */
  invalidate(accountId: string): Promise<void> {
    return this.cache.invalidate(accountId);
  }

  /** Any other call of the API, with the client's key, retries and typed errors. */
  request<T>(method: string, path: string, options?: Parameters<Transport['request']>[2]) {
    return this.http.request<T>(method, path, options);
  }

  /**
   * The credentials after a forced refresh of the account (this caller's, or one another
   * caller started), or undefined when they cannot be had. Throws only AccountDeadError.
   */
  private async refreshed(
    accountId: string,
    opts: GetCredentialsOptions,
  ): Promise<Credentials | undefined> {
    try {
      await this.refreshGate.run(accountId, () => this.forceRefresh(accountId));
      // Read even when the ration was spent: a refresh that ended since this caller refetched
      // left its token in the cache.
      return await this.getCredentials(accountId, opts);
    } catch (error) {
      if (error instanceof AccountDeadError) throw error;
      return undefined;
    }
  }

  /**
   * Asks the server to refresh the token now, and drops the cached copy if it did. A refusal
   * (403, 404, 409, 503, no answer) is not an error here; a dead account is.
   */
  private async forceRefresh(accountId: string): Promise<void> {
    const path = `/v1/accounts/${encodeURIComponent(accountId)}/refresh`;
    try {
      // No retries: a 503 refresh_unavailable with a long Retry-After is not worth the wait
      // when the caller can go on with the token it has.
      await this.http.request('POST', path, { retry: false });
    } catch (error) {
      if (!(error instanceof AccountDeadError)) return;
      await this.invalidate(accountId);
      throw error;
    }
    await this.invalidate(accountId);
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

function forcesRefresh(mode: ForceRefreshOn, rejection: unknown): boolean {
  if (mode === 'never') return false;
  return mode === 'rejected' || statusOf(rejection) === 401;
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
