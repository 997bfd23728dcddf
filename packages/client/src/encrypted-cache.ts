import type { PersistentCache } from './credential-cache.ts';
import type { Credentials } from './types.ts';

/** Somewhere to keep strings by name: a folder, Redis, KV, localStorage… */
export interface KeyValueStorage {
  get(key: string): Promise<string | null | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface EncryptedCacheOptions {
  /** 32 random bytes, raw or base64; keep it apart from the storage (env, a secret manager). */
  key: Uint8Array | string;
  storage: KeyValueStorage;
  /** Prefix of the storage keys; default `latchkey-credentials:`. */
  prefix?: string;
}

const FORMAT = 'v1';

interface Stored {
  accountId: string;
  accessToken: string | null;
  fields: Record<string, string | null>;
  expiresAt: string | null;
  fetchedAt: string;
}

/**
 * A persistent cache that seals each entry with AES-256-GCM (WebCrypto, so it runs wherever
 * `crypto.subtle` does). Each entry has its own random 96-bit IV, and the account id is the
 * additional authenticated data: an entry copied under another account's name fails to open
 * rather than serving the wrong account's token. An entry that fails to open is a miss.
 */
export function encryptedCache(opts: EncryptedCacheOptions): PersistentCache {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('encryptedCache needs WebCrypto (globalThis.crypto.subtle).');

  const raw = typeof opts.key === 'string' ? fromBase64(opts.key) : new Uint8Array(opts.key);
  if (raw.byteLength !== 32) throw new Error('encryptedCache needs a 32-byte key (AES-256).');
  const key = subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const prefix = opts.prefix ?? 'latchkey-credentials:';
  const aad = (accountId: string) => new TextEncoder().encode(`latchkey:${FORMAT}:${accountId}`);

  return {
    async get(accountId) {
      const value = await opts.storage.get(prefix + accountId);
      if (!value) return undefined;

      const [format, iv, sealed] = value.split('.');
      if (format !== FORMAT || !iv || !sealed) return undefined;
      try {
        const plain = await subtle.decrypt(
          { name: 'AES-GCM', iv: fromBase64(iv), additionalData: aad(accountId) },
          await key,
          fromBase64(sealed),
        );
        return revive(JSON.parse(new TextDecoder().decode(plain)) as Stored, accountId);
      } catch {
        return undefined; // another key, tampered, or not ours: the server will be asked
      }
    },

    async set(accountId, credentials) {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
      const plain = new TextEncoder().encode(JSON.stringify(flatten(credentials)));
      const sealed = await subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: aad(accountId) },
        await key,
        plain,
      );
      const value = `${FORMAT}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
      await opts.storage.set(prefix + accountId, value);
    },

    async delete(accountId) {
      await opts.storage.delete(prefix + accountId);
    },
  };
}

/** Storage in a Map: for tests, and for sharing one cache between clients in a process. */
export function memoryStorage(): KeyValueStorage & { readonly map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (key) => map.get(key),
    set: async (key, value) => void map.set(key, value),
    delete: async (key) => void map.delete(key),
  };
}

function flatten(c: Credentials): Stored {
  return {
    accountId: c.accountId,
    accessToken: c.accessToken,
    fields: { ...c.fields },
    expiresAt: c.expiresAt?.toISOString() ?? null,
    fetchedAt: c.fetchedAt.toISOString(),
  };
}

function revive(s: Stored, accountId: string): Credentials | undefined {
  if (s.accountId !== accountId) return undefined;
  return {
    accountId: s.accountId,
    accessToken: s.accessToken,
    fields: s.fields,
    expiresAt: s.expiresAt === null ? null : new Date(s.expiresAt),
    fetchedAt: new Date(s.fetchedAt),
  };
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
