/**
 * Token lifetimes as providers really send them: numbers, numeric strings, seconds or
 * milliseconds, relative or absolute. Every result is epoch ms by our own clock, or null when
 * the lifetime is unknown; never 0, which would read as "expired in 1970".
 */

/** A non-negative finite number from a JSON number or a string of digits, else null. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value : null;
  }

  if (typeof value !== 'string' || !/^\s*\d+(\.\d+)?\s*$/.test(value)) {
    return null;
  }

  return Number(value);
}

/**
 * Access-token expiry, in order of trust:
 * 1. an explicit seconds field (`expires_in_sec`, Zoho, which sends milliseconds in
 *    `expires_in` next to it);
 * 2. `expires_in` (RFC 6749 §5.1), in seconds unless the provider has the `expires_in_ms`
 *    quirk;
 * 3. an absolute `expires_at` / `expires_on` (Entra ID v1), which depends on the provider's
 *    clock agreeing with ours, hence last.
 * `ext_expires_in` (Entra ID's outage extension) is deliberately ignored.
 */
export function accessTokenExpiresAt(
  body: Record<string, unknown>,
  receivedAt: number,
  quirks: readonly string[],
): number | null {
  const seconds = positive(toNumber(body.expires_in_sec));
  if (seconds !== null) {
    return receivedAt + seconds * 1000;
  }

  const relative = positive(toNumber(body.expires_in));
  if (relative !== null) {
    const ms = quirks.includes('expires_in_ms') ? relative : relative * 1000;
    return receivedAt + Math.round(ms);
  }

  return absolute(body.expires_at) ?? absolute(body.expires_on);
}

/**
 * Refresh-token expiry from the fields providers use for it: `refresh_token_expires_in`
 * (GitHub Apps), `x_refresh_token_expires_in` (Intuit), `refresh_expires_in` (Keycloak, where
 * 0 means an offline token that does not expire).
 */
export function refreshTokenExpiresAt(
  body: Record<string, unknown>,
  receivedAt: number,
): number | null {
  const fields = ['refresh_token_expires_in', 'x_refresh_token_expires_in', 'refresh_expires_in'];
  for (const field of fields) {
    const seconds = positive(toNumber(body[field]));
    if (seconds !== null) {
      return receivedAt + seconds * 1000;
    }
  }

  return null;
}

// A lifetime of 0 is sent by some providers for "does not expire"; unknown is the safe reading.
function positive(value: number | null): number | null {
  return value !== null && value > 0 ? value : null;
}

// Epoch seconds normally; a value past 1e12 can only be milliseconds (year 33658 otherwise).
function absolute(value: unknown): number | null {
  const n = positive(toNumber(value));
  if (n === null) {
    return null;
  }

  return n > 1e12 ? Math.round(n) : Math.round(n * 1000);
}
