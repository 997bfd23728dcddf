import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.ts';

/**
 * Ciphertext as stored: a distinct type, so plaintext cannot be written where a sealed value
 * belongs. Layout: version (1) · key id length (1) · key id · nonce (12) · tag (16) · data.
 */
export type Sealed = Buffer & { readonly __sealed: unique symbol };

const version = 1;
const nonceBytes = 12; // 96-bit nonces, random each time (NIST SP 800-38D §8.2.2)
const tagBytes = 16;

export class VaultError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unknown_key' | 'auth_failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a ciphertext is bound to: the row it lives on and the column, used as AES-GCM's
 * associated data, so a ciphertext copied onto another row or column fails to open.
 */
export interface SealContext {
  readonly rowId: string;
  readonly field: string;
}

const aad = (ctx: SealContext) => Buffer.from(`latchkey/v${version}/${ctx.rowId}/${ctx.field}`);

/** Encrypts with the keyring's current key (AES-256-GCM). */
export function seal(keyring: Keyring, plaintext: string, ctx: SealContext): Sealed {
  const { id, key } = keyring.current;
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad(ctx));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const idBytes = Buffer.from(id, 'utf8');
  const header = Buffer.from([version, idBytes.length]);
  return Buffer.concat([header, idBytes, nonce, cipher.getAuthTag(), data]) as Sealed;
}

/** The id of the key that sealed a value; for rotation. */
export function sealedKeyId(sealed: Uint8Array): string {
  return parse(sealed).keyId;
}

/** Decrypts; throws VaultError when the value was changed, moved, or its key is unknown. */
export function open(keyring: Keyring, sealed: Uint8Array, ctx: SealContext): string {
  const parts = parse(sealed);
  const master = keyring.find(parts.keyId);
  if (!master) throw new VaultError('unknown_key', `No master key with id "${parts.keyId}".`);

  const decipher = createDecipheriv('aes-256-gcm', master.key, parts.nonce);
  decipher.setAAD(aad(ctx));
  decipher.setAuthTag(parts.tag);
  try {
    return Buffer.concat([decipher.update(parts.data), decipher.final()]).toString('utf8');
  } catch {
    throw new VaultError('auth_failed', 'A sealed value failed authentication.');
  }
}

function parse(raw: Uint8Array) {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf.length < 2 || buf[0] !== version) {
    throw new VaultError('malformed', 'A sealed value has an unknown format.');
  }
  const idLength = buf[1] ?? 0;
  const nonceAt = 2 + idLength;
  const tagAt = nonceAt + nonceBytes;
  const dataAt = tagAt + tagBytes;
  if (idLength === 0 || buf.length < dataAt) {
    throw new VaultError('malformed', 'A sealed value is truncated.');
  }
  return {
    keyId: buf.subarray(2, nonceAt).toString('utf8'),
    nonce: buf.subarray(nonceAt, tagAt),
    tag: buf.subarray(tagAt, dataAt),
    data: buf.subarray(dataAt),
  };
}
