import { applyClientAuth } from './client-auth.ts';
import { endpointProblem } from './endpoint.ts';
import { send } from './http.ts';
import type { ClientCredentials, ProviderConfig, WireOptions } from './types.ts';

/**
 * Token revocation (RFC 7009 §2.1), best effort: true when the provider confirmed with 200,
 * false on anything else, including no revocation endpoint. Never throws, because it runs
 * while an account is being deleted and must not stop the deletion.
 */
export async function revokeToken(
  p: ProviderConfig,
  client: ClientCredentials,
  token: string,
  hint: 'access_token' | 'refresh_token',
  opts: WireOptions = {},
): Promise<boolean> {
  const url = p.revocationUrl;
  if (!url || endpointProblem(url, p.allowInsecureRequests) !== null) {
    return false;
  }

  const body = new URLSearchParams({ token, token_type_hint: hint });
  const headers = new Headers({
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
  });
  applyClientAuth(p.tokenAuthMethod, client, headers, body);

  // §2.2: the server answers 200 for an unknown or already revoked token too.
  const result = await send(url, { method: 'POST', headers, body }, opts);
  return result.ok && result.status === 200;
}
