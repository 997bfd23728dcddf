import { createHmac, hkdfSync } from 'node:crypto';
import type { Keyring } from './keyring.ts';

/**
 * A keyed fingerprint of a secret (HMAC-SHA-256 under a key derived from the current master
 * key), stored in the clear so a refresh can compare-and-swap on "the refresh token I sent"
 * without decrypting. Keyed, so a short or guessable token cannot be found by hashing guesses.
 * Only ever compared with a fingerprint read from the same row, so rotating the master key
 * does not invalidate stored ones.
 */
export function fingerprinter(keyring: Keyring): (secret: string) => string {
  const key = Buffer.from(
    hkdfSync('sha256', keyring.current.key, Buffer.alloc(0), 'latchkey fingerprint v1', 32),
  );
  return (secret) => createHmac('sha256', key).update(secret).digest('base64url');
}
