import { classifyError } from './error-catalogue.ts';
import { accessTokenExpiresAt, refreshTokenExpiresAt } from './expiry.ts';
import {
  MAX_PROVIDER_CODE,
  MAX_PROVIDER_TEXT,
  providerText,
  QUOTED_SECRET,
  redactor,
  sanitize,
  type Redactor,
} from './redact.ts';
import { isRecord, parseResponseBody } from './response-body.ts';
import { parseRetryAfter } from './retry-after.ts';
import type { GrantType, ProviderError, TokenOutcome, TokenSet } from './types.ts';

/** A token-endpoint answer as received, before any interpretation. */
export interface TokenAnswer {
  status: number;
  headers: Headers;
  body: string;
}

export interface ReadContext {
  grant: GrantType;
  /** Epoch ms by our clock when the answer arrived; expiries are computed from it. */
  receivedAt: number;
  quirks: readonly string[];
  /**
   * Values we sent that must never come back out in a ProviderError, as sent before encoding
   * (see requestSecrets): each is redacted in all its wire forms.
   */
  sentSecrets: readonly string[];
}

/**
 * Turns a token-endpoint answer (RFC 6749 §5.1 success, §5.2 error) into an outcome.
 * The error check comes first and ignores the status: GitHub, Slack and Zoho report errors
 * with HTTP 200, and a 200 without a usable access_token is never a success.
 */
export function readTokenAnswer(answer: TokenAnswer, ctx: ReadContext): TokenOutcome {
  const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), ctx.receivedAt);
  const body = parseResponseBody(answer.headers.get('content-type'), answer.body);

  // Error text that quotes a secret becomes one sentence saying so; metadata strings and
  // claims become `[redacted]` (toTokenSet).
  const redactSent = redactor(ctx.sentSecrets, { quoted: QUOTED_SECRET });
  if (body === null) {
    return notATokenResponse(answer, retryAfterMs, redactSent);
  }

  const error = readProviderError(body, answer.status, redactSent);
  if (error !== null) {
    return classifyError(error, ctx.grant, retryAfterMs);
  }

  if (answer.status < 200 || answer.status > 299) {
    return notATokenResponse(answer, retryAfterMs, redactSent);
  }

  // TODO(first Slack app with user scopes only): read authed_user.access_token, because
  // oauth.v2.access nests the user token there and sends no top-level access_token.
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    return notATokenResponse(answer, retryAfterMs, redactSent);
  }

  return { kind: 'tokens', tokens: toTokenSet(body, accessToken, ctx) };
}

// Non-JSON pages, bodies without a token and statuses without an OAuth error are passing
// failures: only a parsed OAuth error may end a grant (API.md, Refresh semantics). The body is
// never quoted; the content type is the provider's text, so it is redacted and bounded too.
function notATokenResponse(
  answer: TokenAnswer,
  retryAfterMs: number | null,
  redactSent: Redactor,
): TokenOutcome {
  const header = answer.headers.get('content-type');
  const contentType = header === null ? 'no content type' : providerText(header, redactSent, 100);
  const error: ProviderError = {
    code: 'invalid_response',
    description: `HTTP ${answer.status} (${contentType}) is not a token response`,
    status: answer.status,
  };

  return { kind: 'transient', error, retryAfterMs };
}

/** The error in a body: an `error` member (RFC 6749 §5.2), or Slack's `ok: false`. */
function readProviderError(
  body: Record<string, unknown>,
  status: number,
  redactSent: Redactor,
): ProviderError | null {
  const raw = body.error;
  const hasError = (typeof raw === 'string' && raw.length > 0) || isRecord(raw);
  if (!hasError && body.ok !== false) {
    return null;
  }

  const nested = isRecord(raw) ? raw : {};
  const code = firstString(raw, nested.code, nested.type) ?? 'unknown_error';
  const description = firstString(body.error_description, nested.message);
  const error: ProviderError = {
    code: providerText(code, redactSent, MAX_PROVIDER_CODE),
    description: description === null ? null : providerText(description, redactSent),
    status,
  };

  const details = pickDetails(body, redactSent);
  return details === null ? error : { ...error, details };
}

// Diagnostics worth recording on an account (AADSTS codes say inactivity vs MFA vs password
// reset). An allow-list, so nothing a provider adds later can carry a secret through.
const DETAIL_KEYS = [
  'error_uri',
  'error_codes',
  'suberror',
  'trace_id',
  'correlation_id',
  'timestamp',
  'status',
];

function pickDetails(
  body: Record<string, unknown>,
  redactSent: Redactor,
): Record<string, unknown> | null {
  const text = (s: string) => providerText(s, redactSent);
  const entries = DETAIL_KEYS.filter((key) => body[key] !== undefined).map(
    (key) => [key, boundDetail(sanitize(body[key], text), text)] as const,
  );

  return entries.length === 0 ? null : Object.fromEntries(entries);
}

// A detail too large to keep (a huge array or object) is kept as its bounded JSON text.
function boundDetail(value: unknown, text: Redactor): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const json = JSON.stringify(value);
  return json.length <= MAX_PROVIDER_TEXT ? value : text(json);
}

function firstString(...values: unknown[]): string | null {
  const found = values.find((v) => typeof v === 'string' && v.length > 0);
  return typeof found === 'string' ? found : null;
}

// Members read into TokenSet fields, or noise; everything else is kept as metadata.
const CONSUMED = new Set([
  'access_token',
  'refresh_token',
  'token_type',
  'id_token',
  'scope',
  'expires_in',
  'expires_in_sec',
  'expires_at',
  'expires_on',
  'ext_expires_in',
  'refresh_token_expires_in',
  'x_refresh_token_expires_in',
  'refresh_expires_in',
  'ok',
]);

function toTokenSet(
  body: Record<string, unknown>,
  accessToken: string,
  ctx: ReadContext,
): TokenSet {
  const refreshToken = nonEmptyString(body.refresh_token);
  const idToken = nonEmptyString(body.id_token);
  const tokens = [accessToken, refreshToken, idToken].filter((t): t is string => t !== null);

  const extras = Object.entries(body).filter(([key]) => !CONSUMED.has(key));
  const metadata = sanitize(Object.fromEntries(extras), redactor([...tokens, ...ctx.sentSecrets]));

  return {
    accessToken,
    refreshToken,
    tokenType: nonEmptyString(body.token_type),
    expiresAt: accessTokenExpiresAt(body, ctx.receivedAt, ctx.quirks),
    refreshTokenExpiresAt: refreshTokenExpiresAt(body, ctx.receivedAt),
    scopes: parseScopes(body.scope),
    idToken,
    metadata: metadata as Record<string, unknown>,
  };
}

// An empty refresh_token is no refresh token: the caller keeps the one it holds.
function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** `scope` as a space-delimited string (RFC 6749 §3.3), a comma-delimited one, or an array. */
export function parseScopes(value: unknown): string[] | null {
  if (Array.isArray(value)) {
    return value.filter((s): s is string => typeof s === 'string' && s.length > 0);
  }

  if (typeof value !== 'string') {
    return null;
  }

  return value.split(/[\s,]+/).filter((s) => s.length > 0);
}
