import { requestTokens } from './token-request.ts';
import type { ClientCredentials, ProviderConfig, TokenOutcome, WireOptions } from './types.ts';

export interface RefreshRequest {
  refreshToken: string;
  /** A narrower scope (RFC 6749 §6); omitted, the provider keeps the original grant's. */
  scopes?: string[];
}

/**
 * grant_type=refresh_token (RFC 6749 §6). The outcome says only what the provider answered:
 * whether a `reauth` is real or lost a race with another worker's rotation is for the caller
 * to decide, by comparing the token it sent with the one stored now.
 */
export function refreshGrant(
  p: ProviderConfig,
  client: ClientCredentials,
  req: RefreshRequest,
  opts: WireOptions = {},
): Promise<TokenOutcome> {
  const params: Record<string, string> = { refresh_token: req.refreshToken };
  if (req.scopes !== undefined && req.scopes.length > 0) {
    params.scope = req.scopes.join(p.scopeSeparator);
  }

  return requestTokens(p, client, 'refresh_token', params, opts);
}
