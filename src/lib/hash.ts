import { createHash } from 'node:crypto';

/**
 * SHA-256 of a high-entropy random token (API key secrets, connect tokens, OAuth states,
 * sessions): stored instead of the token, looked up by equality. Unsalted on purpose: the
 * tokens carry 256 random bits, so there is nothing to guess.
 */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
