import { requestTokens } from './token-request.ts';
import type { ClientCredentials, ProviderConfig, TokenOutcome, WireOptions } from './types.ts';

export interface CodeExchange {
  code: string;
  /** Must equal the redirect_uri of the authorization request (RFC 6749 §4.1.3). */
  redirectUri: string;
  /** The PKCE verifier (RFC 7636 §4.5), when the authorization request carried a challenge. */
  codeVerifier?: string | null;
}

/**
 * grant_type=authorization_code (RFC 6749 §4.1.3). A bad, used or expired code is `rejected`,
 * not `reauth`: there is no stored grant yet, only a connect attempt that failed.
 */
export function exchangeCode(
  p: ProviderConfig,
  client: ClientCredentials,
  req: CodeExchange,
  opts: WireOptions = {},
): Promise<TokenOutcome> {
  const params: Record<string, string> = { code: req.code, redirect_uri: req.redirectUri };
  if (req.codeVerifier) {
    params.code_verifier = req.codeVerifier;
  }

  return requestTokens(p, client, 'authorization_code', params, opts);
}
