import { hostname } from 'node:os';
import type { Logger } from 'pino';
import {
  DEFAULT_TIMEOUT_MS,
  refreshGrant,
  type ProviderError,
  type TokenOutcome,
  type WireOptions,
} from '../../oauth/index.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomSecret } from '../../lib/ids.ts';
import type { Account, AccountPatch, AccountRepository } from '../../store/repos/accounts.ts';
import type { Keyring } from '../../vault/keyring.ts';
import type { AuditLog } from '../audit.ts';
import { mergeTokens, openCredentials, sealCredentials } from '../credentials.ts';
import type { ProviderResolver } from '../providers.ts';
import { backoffMs, needsRefresh, nextRefreshAt, type FreshnessPolicy } from './policy.ts';

/** How a refresh attempt ended. Outcomes, not exceptions: only bugs throw. */
export type RefreshResult =
  | { kind: 'fresh'; account: Account }
  | { kind: 'refreshed'; account: Account }
  | { kind: 'dead'; account: Account }
  | { kind: 'no_refresh_token'; account: Account }
  | { kind: 'transient'; account: Account; retryAfterMs: number; reason: string }
  | { kind: 'misconfigured'; account: Account; retryAfterMs: number; reason: string }
  | { kind: 'gone' };

/**
 * Why a refresh is asked for, which decides when the account counts as already fresh:
 * a read needs `minTtlMs` left; the background refresher acts once `next_refresh_at` is due;
 * a forced refresh acts whatever the expiry.
 */
export type RefreshReason =
  { kind: 'read'; minTtlMs: number } | { kind: 'background' } | { kind: 'force' };

export interface RefreshEngineDeps {
  accounts: AccountRepository;
  providers: ProviderResolver;
  keyring: Keyring;
  fingerprint: (secret: string) => string;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  policy: FreshnessPolicy;
  leaseMs: number;
  /** How often a reader waiting on another process's lease looks again. */
  pollMs?: number;
  wire?: WireOptions;
  /** Counts each provider answer by outcome, for /metrics. */
  onOutcome?: (kind: TokenOutcome['kind']) => void;
}

const misconfiguredCooldownMs = 10 * 60_000;

/**
 * Keeps one refresh per account at a time: in a process, callers share one promise; across
 * processes, a lease on the account row (owner + expiry) decides who calls the provider, and
 * the others wait for its result. New tokens are written with a compare-and-swap on the
 * refresh token that was sent, so a rotated refresh token is never lost or overwritten.
 */
export class RefreshEngine {
  readonly owner = `${hostname()}:${process.pid}:${randomSecret(6)}`;
  private readonly inflight = new Map<
    string,
    { reason: RefreshReason; work: Promise<RefreshResult> }
  >();

  constructor(private readonly deps: RefreshEngineDeps) {}

  /**
   * Makes the account fresh for `reason`; concurrent callers for one account share the work.
   * `known` is the row the caller has just read: when it is already fresh enough, that is the
   * answer, without a second read (the hot path of every credentials read).
   */
  async ensureFresh(
    accountId: string,
    reason: RefreshReason,
    known?: Account,
  ): Promise<RefreshResult> {
    const running = this.inflight.get(accountId);
    if (!running && known && !known.dead && !this.isStale(known, reason, this.deps.clock.now())) {
      return { kind: 'fresh', account: known };
    }
    if (running) {
      const result = await running.work;
      // A forced refresh that joined a read or background pass which did not call the
      // provider still gets its own call; everything else is satisfied by the shared result.
      if (reason.kind !== 'force' || running.reason.kind === 'force') return result;
      if (result.kind === 'refreshed') return result;
      return this.ensureFresh(accountId, reason);
    }

    const work = this.run(accountId, reason).finally(() => this.inflight.delete(accountId));
    this.inflight.set(accountId, { reason, work });
    return work;
  }

  private isStale(account: Account, reason: RefreshReason, now: number): boolean {
    if (reason.kind === 'force') return true;
    if (reason.kind === 'background') {
      return account.next_refresh_at !== null && account.next_refresh_at <= now;
    }
    return needsRefresh(this.deps.policy, account, now, reason.minTtlMs);
  }

  private async run(accountId: string, reason: RefreshReason): Promise<RefreshResult> {
    const { accounts, clock, leaseMs } = this.deps;
    const pollMs = this.deps.pollMs ?? 50;
    const giveUpAt = clock.now() + leaseMs + 5_000;
    let current = reason;

    for (;;) {
      const account = await accounts.get(accountId);
      if (!account) return { kind: 'gone' };
      const now = clock.now();
      if (account.dead) return { kind: 'dead', account };
      if (!this.isStale(account, current, now)) return { kind: 'fresh', account };
      if (!account.refresh_fingerprint) return { kind: 'no_refresh_token', account };

      // A recent passing failure: wait out the backoff instead of asking the provider again.
      const coolingDown =
        account.refresh_failures > 0 &&
        account.next_refresh_at !== null &&
        account.next_refresh_at > now;
      if (coolingDown && current.kind !== 'force') {
        return cooling(account, account.next_refresh_at! - now);
      }

      if (await accounts.tryLease(accountId, this.owner, now, now + leaseMs)) {
        return this.refreshUnderLease(accountId, current);
      }

      // Another process holds the lease. The background refresher has nobody waiting, so it
      // moves on; a reader waits for the holder's result rather than refresh itself.
      if (current.kind === 'background') return { kind: 'fresh', account };
      // A forced refresh that waited is satisfied by the other one's fresh tokens.
      if (current.kind === 'force') current = { kind: 'read', minTtlMs: 0 };
      if (clock.now() > giveUpAt) {
        return {
          kind: 'transient',
          account,
          retryAfterMs: 1_000,
          reason: 'another process is refreshing this account',
        };
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  private async refreshUnderLease(id: string, reason: RefreshReason): Promise<RefreshResult> {
    const { accounts } = this.deps;
    try {
      // Re-check after taking the lease: the previous holder may have just refreshed.
      const account = await accounts.get(id);
      if (!account) return { kind: 'gone' };
      if (account.dead) return { kind: 'dead', account };
      if (!this.isStale(account, reason, this.deps.clock.now())) {
        return { kind: 'fresh', account };
      }
      return await this.callProvider(account);
    } finally {
      await accounts.releaseLease(id, this.owner);
    }
  }

  private async callProvider(account: Account): Promise<RefreshResult> {
    const { keyring, providers, log } = this.deps;
    const credentials = openCredentials(keyring, account.id, account.credentials);
    if (!credentials.refreshToken) return { kind: 'no_refresh_token', account };

    const resolved = await providers.forAccount(account);
    if (!resolved) {
      return this.misconfigured(account, 'the OAuth app of this account no longer exists');
    }

    const sentFingerprint = account.refresh_fingerprint;
    // The call must end well before the lease does: a holder whose lease ran out mid-call
    // could otherwise race a new holder with the same refresh token.
    const wire = this.deps.wire ?? {};
    const timeoutMs = Math.min(wire.timeoutMs ?? DEFAULT_TIMEOUT_MS, this.deps.leaseMs * 0.75);
    let outcome: TokenOutcome;
    try {
      outcome = await refreshGrant(
        resolved.provider,
        resolved.client,
        { refreshToken: credentials.refreshToken },
        { ...wire, timeoutMs },
      );
    } catch (err) {
      // The wire layer returns outcomes; a throw is a bug there, but a passing one for us.
      log.error({ err, account_id: account.id }, 'refresh call threw');
      outcome = {
        kind: 'transient',
        error: { code: 'internal', description: null, status: null },
        retryAfterMs: null,
      };
    }

    this.deps.onOutcome?.(outcome.kind);
    switch (outcome.kind) {
      case 'tokens': {
        const merged = mergeTokens(credentials, outcome.tokens);
        return this.store(
          account,
          sentFingerprint,
          merged,
          outcome.tokens,
          resolved.app.maxTokenAgeMs,
        );
      }
      case 'reauth':
        return this.reauth(account, sentFingerprint, describe(outcome.error));
      case 'misconfigured':
        return this.misconfigured(account, describe(outcome.error));
      case 'transient':
        return this.transient(account, describe(outcome.error), outcome.retryAfterMs);
      case 'rejected':
        // An error the spec gives no meaning for on refresh (invalid_request, invalid_scope…):
        // back off like a passing failure, but say what the provider said.
        return this.transient(account, describe(outcome.error), null);
    }
  }

  private async store(
    account: Account,
    sentFingerprint: string | null,
    merged: ReturnType<typeof mergeTokens>,
    tokens: Extract<TokenOutcome, { kind: 'tokens' }>['tokens'],
    maxAgeMs: number | null,
  ): Promise<RefreshResult> {
    const { accounts, keyring, fingerprint, clock, policy, log, audit } = this.deps;
    const now = clock.now();
    const times = { expires_at: tokens.expiresAt, token_issued_at: now };
    const patch: AccountPatch = {
      credentials: sealCredentials(keyring, account.id, merged),
      refresh_fingerprint: merged.refreshToken ? fingerprint(merged.refreshToken) : null,
      ...times,
      refresh_token_expires_at: tokens.refreshTokenExpiresAt ?? account.refresh_token_expires_at,
      last_refreshed_at: now,
      next_refresh_at: merged.refreshToken
        ? nextRefreshAt(policy, times, Math.random, maxAgeMs)
        : null,
      scopes: tokens.scopes ? JSON.stringify(tokens.scopes) : account.scopes,
      metadata: JSON.stringify({ ...JSON.parse(account.metadata), ...tokens.metadata }),
      healthy: 1,
      dead: 0,
      error: null,
      refresh_failures: 0,
      updated_at: now,
    };

    // The rotated refresh token and its access token are written in one statement, before
    // anyone is handed the new access token.
    if (!(await accounts.swapCredentials(account.id, sentFingerprint, patch))) {
      // TODO(issue 3 follow-up): keep the provider's answer when the swap loses, because some
      // providers rotate and the tokens we got are then lost; it cannot happen while the lease
      // is held, only after a lease expired mid-call.
      log.warn({ account_id: account.id }, 'refresh result discarded: credentials changed');
      const latest = await accounts.get(account.id);
      return latest ? { kind: 'fresh', account: latest } : { kind: 'gone' };
    }

    audit.record({
      workspaceId: account.workspace_id,
      action: 'account.refreshed',
      actor: { type: 'system', id: null },
      accountId: account.id,
    });
    const updated = await accounts.get(account.id);
    return updated ? { kind: 'refreshed', account: updated } : { kind: 'gone' };
  }

  private async reauth(
    account: Account,
    sentFingerprint: string | null,
    reason: string,
  ): Promise<RefreshResult> {
    const { accounts, clock, log, audit } = this.deps;
    // The grant is gone only if the token it rejected is still ours: otherwise another worker
    // rotated it first (case C07) and the account is alive.
    const latest = await accounts.get(account.id);
    if (!latest) return { kind: 'gone' };
    if (latest.refresh_fingerprint !== sentFingerprint) return { kind: 'fresh', account: latest };

    // Compare-and-swap again: a write between the read above and this one wins.
    const marked = await accounts.swapCredentials(account.id, sentFingerprint, {
      dead: 1,
      healthy: 0,
      error: reason,
      next_refresh_at: null,
      updated_at: clock.now(),
    });
    if (!marked) {
      const now = await accounts.get(account.id);
      return now ? { kind: 'fresh', account: now } : { kind: 'gone' };
    }
    log.warn({ account_id: account.id, reason }, 'account needs reconnecting');
    audit.record({
      workspaceId: account.workspace_id,
      action: 'account.refresh_failed',
      actor: { type: 'system', id: null },
      accountId: account.id,
      details: { outcome: 'dead', reason },
    });
    const dead = await accounts.get(account.id);
    return dead ? { kind: 'dead', account: dead } : { kind: 'gone' };
  }

  private async transient(
    account: Account,
    reason: string,
    retryAfterMs: number | null,
  ): Promise<RefreshResult> {
    const waitMs = await this.backOff(account, `refresh failing: ${reason}`, retryAfterMs, 0);
    this.deps.log.warn({ account_id: account.id, reason, retry_in_ms: waitMs }, 'refresh failed');
    const latest = (await this.deps.accounts.get(account.id)) ?? account;
    return { kind: 'transient', account: latest, retryAfterMs: waitMs, reason };
  }

  private async misconfigured(account: Account, reason: string): Promise<RefreshResult> {
    const message = `OAuth app rejected by the provider: ${reason}`;
    const waitMs = await this.backOff(account, message, null, misconfiguredCooldownMs);
    this.deps.log.error({ account_id: account.id, reason }, 'refresh failed: app misconfigured');
    const latest = (await this.deps.accounts.get(account.id)) ?? account;
    return { kind: 'misconfigured', account: latest, retryAfterMs: waitMs, reason: message };
  }

  /** Records a passing failure: keeps the tokens, schedules the next try, counts the streak. */
  private async backOff(
    account: Account,
    error: string,
    retryAfterMs: number | null,
    atLeastMs: number,
  ): Promise<number> {
    const now = this.deps.clock.now();
    const failures = account.refresh_failures + 1;
    const waitMs = Math.max(
      atLeastMs,
      backoffMs(failures, retryAfterMs, { validForMs: validFor(account, now) }),
    );
    const stillValid = account.expires_at === null || account.expires_at > now;
    // Only if the refresh token is still the one that failed: a newer one is another's success.
    await this.deps.accounts.swapCredentials(account.id, account.refresh_fingerprint, {
      refresh_failures: failures,
      next_refresh_at: now + waitMs,
      healthy: stillValid ? 1 : 0,
      error,
      updated_at: now,
    });
    this.deps.audit.record({
      workspaceId: account.workspace_id,
      action: 'account.refresh_failed',
      actor: { type: 'system', id: null },
      accountId: account.id,
      details: { outcome: 'retrying', reason: error, retry_in_ms: Math.round(waitMs) },
    });
    return waitMs;
  }
}

function cooling(account: Account, retryAfterMs: number): RefreshResult {
  const reason = account.error ?? 'refresh failing';
  return account.error?.startsWith('OAuth app rejected')
    ? { kind: 'misconfigured', account, retryAfterMs, reason }
    : { kind: 'transient', account, retryAfterMs, reason };
}

/** How long the current token stays valid; null when it has no known expiry. */
function validFor(account: Account, now: number): number | null {
  return account.expires_at === null ? null : account.expires_at - now;
}

/**
 * The provider's error in words, for `account.error`: code, description and the allow-listed
 * diagnostics (AADSTS error codes, suberror) so the dashboard can say why. Never a token.
 */
function describe(error: ProviderError): string {
  let text = error.description ? `${error.code}: ${error.description}` : error.code;
  const details = error.details ?? {};
  const extra: string[] = [];
  if (details.suberror !== undefined) extra.push(`suberror ${String(details.suberror)}`);
  const codes = details.error_codes;
  if (Array.isArray(codes) && codes.length > 0 && !text.includes(String(codes[0]))) {
    extra.push(`error_codes ${codes.join(',')}`);
  }
  if (error.status !== null && error.status !== 200 && error.status !== 400) {
    extra.push(`HTTP ${error.status}`);
  }
  if (extra.length > 0) text += ` (${extra.join('; ')})`;
  return text.slice(0, 500);
}
