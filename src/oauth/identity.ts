import { endpointProblem } from './endpoint.ts';
import { send } from './http.ts';
import { isRedacted, redactDeep } from './redact.ts';
import { isRecord, parseResponseBody } from './response-body.ts';
import type { ProviderConfig, TokenSet, WireOptions } from './types.ts';

export interface Identity {
  /** The provider's id for the user (`sub`, or `id` for plain OAuth 2.0 APIs). */
  externalId: string | null;
  /** A human label for the account: email, username or name. */
  name: string | null;
  claims: Record<string, unknown>;
}

/**
 * Who the tokens belong to, from the id_token's claims and the userinfo endpoint. Never throws:
 * an account whose identity cannot be read is still an account, so failures give nulls.
 */
export async function fetchIdentity(
  p: ProviderConfig,
  tokens: TokenSet,
  opts: WireOptions = {},
): Promise<Identity> {
  const fromIdToken = tokens.idToken === null ? {} : (decodeJwtPayload(tokens.idToken) ?? {});
  const fromUserinfo = await fetchUserinfo(p, tokens, opts);

  // OIDC Core §5.3.4: a userinfo answer for another subject than the id_token's is discarded.
  const mismatch =
    fromIdToken.sub !== undefined &&
    fromUserinfo.sub !== undefined &&
    fromIdToken.sub !== fromUserinfo.sub;
  const claims = mismatch ? fromIdToken : { ...fromIdToken, ...fromUserinfo };

  return {
    externalId: idString(claims.sub) ?? idString(claims.id),
    name: firstText(claims.email, claims.preferred_username, claims.login, claims.name),
    claims,
  };
}

/**
 * The payload of a JWT, without checking its signature. That is sound only for an id_token
 * received straight from the token endpoint over TLS, which is where ours come from: OIDC Core
 * §3.1.3.7 lets the TLS server validation stand in for the signature check in that case.
 * Do not use this on an id_token that arrived any other way.
 */
export function decodeJwtPayload(jwt: string): Record<string, unknown> | null {
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts[1]) {
    return null;
  }

  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return isRecord(payload) ? payload : null;
  } catch {
    return null;
  }
}

async function fetchUserinfo(
  p: ProviderConfig,
  tokens: TokenSet,
  opts: WireOptions,
): Promise<Record<string, unknown>> {
  const { accessToken, refreshToken } = tokens;
  const url = p.userinfoUrl;
  if (!url || endpointProblem(url, p.allowInsecureRequests) !== null) {
    return {};
  }

  // GitHub refuses API calls without a User-Agent.
  const headers = { accept: 'application/json', authorization: `Bearer ${accessToken}` };
  const result = await send(url, { headers: { ...headers, 'user-agent': 'latchkey' } }, opts);
  if (!result.ok || result.status !== 200) {
    return {};
  }

  // A userinfo endpoint that echoes the request must not put our access token into a name,
  // in any spelling (see redact.ts); nor the refresh token, which it has seen too.
  const claims = parseResponseBody(result.headers.get('content-type'), result.body) ?? {};
  return redactDeep(claims, [accessToken, refreshToken ?? '']) as Record<string, unknown>;
}

// GitHub's user id is a JSON number; ids are compared as strings everywhere else.
function idString(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }

  return typeof value === 'string' && value.length > 0 ? value : null;
}

// A claim redaction changed quoted a token; a piece of it must not become the account's name,
// so the account goes without one rather than under `[redacted]`.
function firstText(...values: unknown[]): string | null {
  const found = values.find((v) => typeof v === 'string' && v.trim().length > 0);
  return typeof found === 'string' && !isRedacted(found) ? found : null;
}
