/**
 * When a token counts as fresh, and when the background refresher acts. Both use the same
 * rule: act `margin` before expiry, but never more than a share of the token's lifetime
 * before, so a 60-second token is not refreshed on every read.
 */
export interface FreshnessPolicy {
  readonly marginMs: number;
  readonly maxLifetimeShare: number;
}

export interface TokenTimes {
  expires_at: number | null;
  token_issued_at: number | null;
}

function lifetime(t: TokenTimes): number | null {
  if (t.expires_at === null || t.token_issued_at === null) return null;
  return Math.max(0, t.expires_at - t.token_issued_at);
}

/** The least time-to-live a served token has, so it does not expire on its way out. */
export const servedAtLeastMs = 1_000;

/** The time-to-live a read may ask for, capped at a share of the token's lifetime. */
export function effectiveMinTtl(policy: FreshnessPolicy, t: TokenTimes, requestedMs: number) {
  const life = lifetime(t);
  if (life === null) return requestedMs;
  return Math.min(requestedMs, life * policy.maxLifetimeShare);
}

/** Whether the token must be refreshed before it is served with at least `minTtlMs` left. */
export function needsRefresh(
  policy: FreshnessPolicy,
  t: TokenTimes,
  now: number,
  minTtlMs: number,
): boolean {
  if (t.expires_at === null) return false; // unknown expiry is never "expired" (cases C01, C16)
  // Whatever was asked, a token is never served with less than a second left.
  return t.expires_at - now < Math.max(servedAtLeastMs, effectiveMinTtl(policy, t, minTtlMs));
}

/**
 * When the background refresher should act: `expires_at − margin`, the margin capped by the
 * lifetime share, moved earlier by up to a tenth of the margin at random so that accounts
 * connected together spread out. A token without expiry is refreshed only when its app sets a
 * maximum age (`maxAgeMs` after it was issued); otherwise null.
 */
export function nextRefreshAt(
  policy: FreshnessPolicy,
  t: TokenTimes,
  random: () => number = Math.random,
  maxAgeMs: number | null = null,
): number | null {
  if (t.expires_at === null) {
    if (maxAgeMs === null || t.token_issued_at === null) return null;
    return t.token_issued_at + maxAgeMs;
  }
  const life = lifetime(t) ?? policy.marginMs;
  const margin = Math.min(policy.marginMs, life * policy.maxLifetimeShare);
  return Math.round(t.expires_at - margin - random() * margin * 0.1);
}

/**
 * The wait after the n-th passing failure in a row: exponential from 5 s, capped at 15 min,
 * with full jitter over its upper half, and never sooner than the provider's Retry-After.
 * While the current token is still valid (`validForMs`), the wait is also kept to half of what
 * is left of it (at least a second), so a short token gets a second try before it runs out;
 * once it has run out the full exponential applies, which bounds the attempts an account that
 * keeps failing can cause (about a hundred a day at the 15-minute cap). Whole milliseconds.
 */
export function backoffMs(
  failures: number,
  retryAfterMs: number | null,
  opts: { validForMs?: number | null; random?: () => number } = {},
): number {
  const random = opts.random ?? Math.random;
  const base = Math.min(maxBackoffMs, 5_000 * 2 ** Math.max(0, failures - 1));
  let wait = base / 2 + random() * (base / 2);
  const valid = opts.validForMs;
  if (valid !== undefined && valid !== null && valid > 0) {
    wait = Math.min(wait, Math.max(1_000, valid / 2));
  }
  // Whole milliseconds: next_refresh_at is a BIGINT column on PostgreSQL.
  return Math.ceil(Math.max(wait, retryAfterMs ?? 0));
}

export const maxBackoffMs = 15 * 60_000;
