import type { GrantType, ProviderError, TokenOutcome } from './types.ts';

/**
 * Provider error codes, by what they mean for the broker. The standard names come from
 * RFC 6749 §5.2 and OIDC Core §3.1.2.6; the rest are providers' own spellings of the same.
 */

/** The grant behind the request is gone: the user has to authorize again. */
const GRANT_GONE = new Set([
  'invalid_grant',
  'invalid_refresh_token', // Slack
  'token_revoked', // Slack
  'token_expired', // Slack
  'interaction_required', // OIDC Core §3.1.2.6, e.g. Entra ID conditional access
  'consent_required',
  'login_required',
  'account_selection_required',
]);

/**
 * Codes that name the presented credential. On a refresh the credential is the refresh token,
 * so they mean the grant is gone (Zoho answers a revoked refresh token with invalid_code); on
 * a code exchange they mean only that this code is bad.
 */
const CREDENTIAL_INVALID = new Set([
  'invalid_code',
  'bad_verification_code', // GitHub
  'code_already_used', // Slack
  'code_expired',
]);

/** The operator's app registration or configuration is wrong; no user can fix it. */
const MISCONFIGURED = new Set([
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'incorrect_client_credentials', // GitHub
  'redirect_uri_mismatch', // GitHub
  'bad_client_secret', // Slack
  'invalid_client_id', // Slack
  'bad_redirect_uri', // Slack
  'invalid_client_secret',
]);

/** The provider asks us to come back later. */
const TRANSIENT = new Set([
  'temporarily_unavailable',
  'server_error',
  'slow_down',
  'rate_limited',
  'ratelimited', // Slack
  'too_many_requests',
]);

// Zoho throttles with error "Access Denied" and HTTP 200; only the description says why.
const THROTTLE_TEXT = /too many requests|rate.?limit|throttl|try again (later|after)/i;

/**
 * What a parsed provider error means, for the grant it answers. The code in the body decides
 * before the status does: Atlassian sends invalid_grant with 403, Slack and Zoho with 200.
 */
export function classifyError(
  error: ProviderError,
  grant: GrantType,
  retryAfterMs: number | null,
): TokenOutcome {
  const code = error.code.toLowerCase();

  if (TRANSIENT.has(code) || isThrottle(error)) {
    return { kind: 'transient', error, retryAfterMs };
  }

  if (MISCONFIGURED.has(code)) {
    return { kind: 'misconfigured', error };
  }

  if (GRANT_GONE.has(code) || CREDENTIAL_INVALID.has(code)) {
    // A code exchange has no stored grant to lose: the connect attempt failed, nothing more.
    return grant === 'refresh_token' ? { kind: 'reauth', error } : { kind: 'rejected', error };
  }

  if (error.status !== null && (error.status === 429 || error.status >= 500)) {
    return { kind: 'transient', error, retryAfterMs };
  }

  return { kind: 'rejected', error };
}

function isThrottle(error: ProviderError): boolean {
  if (error.status === 429) {
    return true;
  }

  return THROTTLE_TEXT.test(error.code) || THROTTLE_TEXT.test(error.description ?? '');
}
