import * as oauth from 'oauth4webapi';

/** A PKCE pair (RFC 7636 §4.1, §4.2), always S256: `plain` protects nothing on a leak. */
export async function createPkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);

  return { verifier, challenge };
}

/** An unguessable `state` (RFC 6749 §10.12): 32 random bytes, base64url. */
export function randomState(): string {
  return oauth.generateRandomState();
}
