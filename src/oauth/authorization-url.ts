import type { ClientCredentials, ProviderConfig } from './types.ts';

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  /** The S256 challenge (RFC 7636 §4.2); required when the app uses PKCE. */
  codeChallenge?: string | null;
  /** Asked for on top of the app's default scopes. */
  scopes: string[];
  /** OIDC Core §3.1.2.1, binds an id_token to this request. */
  nonce?: string | null;
}

/**
 * The URL that sends the user to the provider (RFC 6749 §4.1.1). Query parameters already in
 * the app's authorization URL are kept; the app's extra parameters cannot replace the
 * protocol ones. Throws on a missing PKCE challenge: that is a bug in the caller, not an
 * outcome.
 */
export function buildAuthorizationUrl(
  p: ProviderConfig,
  client: ClientCredentials,
  req: AuthorizationRequest,
): string {
  if (p.pkce && !req.codeChallenge) {
    throw new Error('this app uses PKCE: a code challenge is required');
  }

  const url = new URL(p.authorizationUrl);
  const set = (key: string, value: string) => url.searchParams.set(key, value);

  for (const [key, value] of Object.entries(p.authorizeParams)) {
    set(key, value);
  }

  set('response_type', 'code');
  set('client_id', client.clientId);
  set('redirect_uri', req.redirectUri);
  set('state', req.state);

  const scopes = [...new Set([...p.defaultScopes, ...req.scopes])];
  if (scopes.length > 0) {
    set('scope', scopes.join(p.scopeSeparator));
  }

  if (p.pkce && req.codeChallenge) {
    set('code_challenge', req.codeChallenge);
    set('code_challenge_method', 'S256');
  }

  if (req.nonce) {
    set('nonce', req.nonce);
  }

  return url.toString();
}
