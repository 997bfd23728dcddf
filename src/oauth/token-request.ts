import { applyClientAuth } from './client-auth.ts';
import { endpointProblem } from './endpoint.ts';
import { send } from './http.ts';
import { requestSecrets } from './redact.ts';
import { readTokenAnswer } from './token-response.ts';
import type {
  ClientCredentials,
  GrantType,
  ProviderConfig,
  TokenOutcome,
  WireOptions,
} from './types.ts';

/**
 * POSTs a token request (RFC 6749 §4.1.3, §6) and reads the answer. Never throws: a network
 * failure or a timeout is a transient outcome like a 503.
 */
export async function requestTokens(
  p: ProviderConfig,
  client: ClientCredentials,
  grant: GrantType,
  params: Record<string, string>,
  opts: WireOptions,
): Promise<TokenOutcome> {
  const problem = endpointProblem(p.tokenUrl, p.allowInsecureRequests);
  if (problem !== null) {
    const error = { code: 'insecure_endpoint', description: problem, status: null };
    return { kind: 'misconfigured', error };
  }

  // The app's extra parameters go first, so they cannot replace grant_type or the code.
  const body = new URLSearchParams({ ...p.tokenParams, ...params, grant_type: grant });
  const headers = new Headers({
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
  });
  applyClientAuth(p.tokenAuthMethod, client, headers, body);

  const result = await send(p.tokenUrl, { method: 'POST', headers, body }, opts);
  if (!result.ok) {
    const error = { code: result.reason, description: result.description, status: null };
    return { kind: 'transient', error, retryAfterMs: null };
  }

  // Everything secret in the request as sent (code, verifier, refresh token, client secret in
  // the body or the Basic header), so none of it comes back out in a ProviderError.
  const sentSecrets = requestSecrets(headers, body, [client.clientSecret]);
  return readTokenAnswer(result, {
    grant,
    receivedAt: result.receivedAt,
    quirks: p.quirks ?? [],
    sentSecrets,
  });
}
