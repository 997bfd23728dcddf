import { randomBytes } from 'node:crypto';

/** Prefixes of every id on the wire (API.md, "Conventions"). */
export type IdPrefix = 'apn' | 'app' | 'oa' | 'ctok' | 'ws' | 'usr' | 'key' | 'evt' | 'inv' | 'ses';

/**
 * A random, URL-safe, prefixed id. 16 bytes (128 bits) so that ids cannot be guessed or
 * enumerated; API.md asks for at least 96.
 */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** A random secret of the given byte length, base64url-encoded. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`) && id.length > prefix.length + 1;
}
