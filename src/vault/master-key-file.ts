import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMasterKey, fingerprintKeyId, Keyring, parseMasterKeys } from './keyring.ts';

export interface KeyringSource {
  readonly keyring: Keyring;
  /** Where the keys came from, for the start-up log (never the keys themselves). */
  readonly source: 'LATCHKEY_MASTER_KEYS' | 'LATCHKEY_MASTER_KEY' | 'generated file' | 'file';
  readonly path?: string;
}

/**
 * The keyring from `LATCHKEY_MASTER_KEYS`, else `LATCHKEY_MASTER_KEY`, else the key file in the
 * data folder, made on first start (mode 0600) so that `npm start` needs no setup.
 */
export function loadKeyring(opts: {
  masterKeys: string | null;
  masterKey: string | null;
  dataDir: string;
}): KeyringSource {
  if (opts.masterKeys) {
    return {
      keyring: new Keyring(parseMasterKeys(opts.masterKeys)),
      source: 'LATCHKEY_MASTER_KEYS',
    };
  }
  if (opts.masterKey) {
    const key = decodeMasterKey(opts.masterKey, 'LATCHKEY_MASTER_KEY');
    return { keyring: single(key), source: 'LATCHKEY_MASTER_KEY' };
  }

  const path = join(opts.dataDir, 'master.key');
  try {
    const key = decodeMasterKey(readFileSync(path, 'utf8'), path);
    return { keyring: single(key), source: 'file', path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }

  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx': never overwrite a key that another process wrote a moment ago.
  writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { keyring: single(key), source: 'generated file', path };
}

const single = (key: Buffer) => new Keyring([{ id: fingerprintKeyId(key), key }]);
