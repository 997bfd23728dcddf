import type { ClientCredentials, TokenAuthMethod } from './types.ts';

/**
 * Puts the client's credentials where its token endpoint wants them (RFC 6749 §2.3.1).
 * Mutates `headers` and `body`, which belong to one request being built.
 */
export function applyClientAuth(
  method: TokenAuthMethod,
  client: ClientCredentials,
  headers: Headers,
  body: URLSearchParams,
): void {
  if (method === 'client_secret_basic' && client.clientSecret !== null) {
    headers.set('authorization', basicAuthorization(client.clientId, client.clientSecret));
    return;
  }

  body.set('client_id', client.clientId);

  if (method === 'client_secret_post' && client.clientSecret !== null) {
    body.set('client_secret', client.clientSecret);
  }
}

/**
 * RFC 6749 §2.3.1: id and secret are each form-urlencoded (Appendix B) before they are joined
 * and base64-encoded, so a secret holding ':' or '%' survives. Skipping the encoding works
 * until a provider issues a secret with such a character.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

// application/x-www-form-urlencoded: URLSearchParams encodes a space as '+', as Appendix B asks.
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
