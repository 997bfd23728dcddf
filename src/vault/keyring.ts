import { createHash } from 'node:crypto';

/** A 256-bit master key and the id stored beside every ciphertext it made. */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

const keyIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The master keys in force. The first one seals; every one opens, so that keys can be rotated
 * while ciphertexts made with an older key are still in the database.
 */
export class Keyring {
  readonly current: MasterKey;
  private readonly byId: Map<string, MasterKey>;

  constructor(keys: readonly MasterKey[]) {
    const first = keys[0];
    if (!first) throw new Error('A keyring needs at least one master key.');
    this.byId = new Map();
    for (const k of keys) {
      if (k.key.length !== 32) throw new Error(`Master key "${k.id}" is not 32 bytes.`);
      if (!keyIdPattern.test(k.id)) throw new Error(`Master key id "${k.id}" is not valid.`);
      if (this.byId.has(k.id)) throw new Error(`Master key id "${k.id}" appears twice.`);
      this.byId.set(k.id, k);
    }
    this.current = first;
  }

  find(id: string): MasterKey | undefined {
    return this.byId.get(id);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }
}

/** The id of a key given without one: a short fingerprint, stable for the same key. */
export function fingerprintKeyId(key: Buffer): string {
  return 'k' + createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** Reads base64 (or base64url) of exactly 32 bytes; throws a sentence naming `what`. */
export function decodeMasterKey(value: string, what: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32) {
    throw new Error(`${what} must be base64 of 32 bytes (it decodes to ${key.length}).`);
  }
  return key;
}

/**
 * Parses `LATCHKEY_MASTER_KEYS`: `id:base64,id:base64`, the first one sealing. An entry without
 * an id (just the base64, as in `data/master.key`) gets the id that key has when it is given
 * alone, so a generated key can be rotated away from: `new:<base64>,<old base64>`.
 */
export function parseMasterKeys(value: string): MasterKey[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(':');
      if (at < 0) {
        const key = decodeMasterKey(part, 'LATCHKEY_MASTER_KEYS entry');
        return { id: fingerprintKeyId(key), key };
      }
      if (at === 0) throw new Error('LATCHKEY_MASTER_KEYS entries look like "id:base64key".');
      const id = part.slice(0, at);
      return { id, key: decodeMasterKey(part.slice(at + 1), `LATCHKEY_MASTER_KEYS "${id}"`) };
    });
}
