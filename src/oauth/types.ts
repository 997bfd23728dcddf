/**
 * The shapes the OAuth wire layer speaks in. Wire names (`access_token`, `expires_in`) never
 * leave this folder: everything here is camelCase and mapped once, in token-response.ts.
 */

export type TokenAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/**
 * Named behaviours of one provider that no general rule can infer from the wire.
 * - `expires_in_ms`: `expires_in` counts milliseconds (and no seconds field is sent).
 * - `slack_ok_envelope`: Slack's `{ ok, error }` envelope. Every response is checked for
 *   `ok: false` anyway, so the name documents the provider rather than switching a branch.
 */
export type ProviderQuirk = 'expires_in_ms' | 'slack_ok_envelope';

/** The facts of an app: its endpoints, and how its token endpoint wants to be spoken to. */
export interface ProviderConfig {
  authorizationUrl: string;
  tokenUrl: string;
  userinfoUrl?: string | null;
  revocationUrl?: string | null;
  issuer?: string | null;
  /** `' '` per RFC 6749 §3.3, or `','` for providers that join scopes with commas. */
  scopeSeparator: string;
  tokenAuthMethod: TokenAuthMethod;
  pkce: boolean;
  defaultScopes: string[];
  /** Extra query parameters on the authorization request (e.g. `access_type=offline`). */
  authorizeParams: Record<string, string>;
  /** Extra body parameters on every token request (e.g. `resource`). */
  tokenParams: Record<string, string>;
  /** Unknown names are ignored, so an app record written by a newer version still loads. */
  quirks?: string[];
  /** Allows plain-http endpoints: tests and explicitly configured local providers only. */
  allowInsecureRequests?: boolean;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string | null;
}

export interface TokenSet {
  accessToken: string;
  /** null when the provider sent none: the caller keeps the one it already holds. */
  refreshToken: string | null;
  tokenType: string | null;
  /** Epoch ms by our clock at receipt; null = unknown or never expires. */
  expiresAt: number | null;
  refreshTokenExpiresAt: number | null;
  scopes: string[] | null;
  idToken: string | null;
  /** Non-secret provider extras (api_domain, workspace_id, instance_url, …), never tokens. */
  metadata: Record<string, unknown>;
}

export interface ProviderError {
  /** The provider's `error`, or one of ours: network_error, timeout, invalid_response. */
  code: string;
  description: string | null;
  /** HTTP status of the answer; null when there was no answer. */
  status: number | null;
  /** Allow-listed diagnostics such as AADSTS `error_codes` and `suberror`. */
  details?: Record<string, unknown>;
}

export type TokenOutcome =
  | { kind: 'tokens'; tokens: TokenSet }
  /**
   * The grant is gone (invalid_grant and provider equivalents): only the user can fix it.
   * Refresh only: on a code exchange the same codes mean a bad code, which is `rejected`.
   */
  | { kind: 'reauth'; error: ProviderError }
  /** Passing failure: retry later, keep the tokens. */
  | { kind: 'transient'; error: ProviderError; retryAfterMs: number | null }
  /** The operator's app configuration (client id, secret, redirect URI) is wrong. */
  | { kind: 'misconfigured'; error: ProviderError }
  /** Any other refusal, such as a used or expired authorization code. */
  | { kind: 'rejected'; error: ProviderError };

export interface WireOptions {
  fetch?: typeof fetch;
  /** Epoch ms; the clock expiries are computed from. */
  now?: () => number;
  timeoutMs?: number;
}

/** Which grant a token response answers; the same error code can mean different things. */
export type GrantType = 'authorization_code' | 'refresh_token';
