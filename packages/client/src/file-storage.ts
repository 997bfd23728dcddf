import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyValueStorage } from './encrypted-cache.ts';

/**
 * Node only (hence its own entry point, `@latchkey/client/file-storage`): one file per key in
 * `dir`, readable by the owner alone, replaced atomically so a crash never leaves half an entry.
 * Pair it with `encryptedCache`; on its own it stores whatever it is given.
 */
export function fileStorage(dir: string): KeyValueStorage {
  const ready = mkdir(dir, { recursive: true, mode: 0o700 });
  const pathOf = (key: string) => join(dir, `${encodeURIComponent(key)}.entry`);

  return {
    async get(key) {
      await ready;
      try {
        return await readFile(pathOf(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },

    async set(key, value) {
      await ready;
      const path = pathOf(key);
      const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temporary, value, { mode: 0o600 });
      await rename(temporary, path);
    },

    async delete(key) {
      await ready;
      await rm(pathOf(key), { force: true });
    },
  };
}
