import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfigOrExit, type ConfigFlags } from '../config/config.ts';
import {
  rotateSealedValues,
  sealedKeyCensus,
  type RotationProgress,
} from '../services/rotation.ts';
import { isPostgresUrl, openStore, sqlitePath, type Store } from '../store/db.ts';
import { loadKeyring } from '../vault/master-key-file.ts';

export interface RotateFlags extends ConfigFlags {
  /** Parsed and checked by commander (main.ts), before anything else runs. */
  batchSize?: number;
  pauseMs?: number;
}

/**
 * `latchkey keys rotate`: re-seals every stored secret with the first key of
 * LATCHKEY_MASTER_KEYS while the server keeps running (give the server the same keys, new one
 * first, before starting). Ctrl-C stops after the current batch; running it again resumes.
 * Exit codes: 0 done, 1 failed, 2 bad configuration, 130 interrupted.
 */
export async function keysRotate(flags: RotateFlags): Promise<void> {
  const config = loadConfigOrExit(flags);
  const batchSize = flags.batchSize ?? 100;
  const pauseMs = flags.pauseMs ?? 0;

  // Opening a SQLite file that is not there would create an empty one, and fail on it.
  const file = isPostgresUrl(config.databaseUrl) ? null : sqlitePath(config.databaseUrl);
  if (file !== null && file !== ':memory:' && !existsSync(file)) {
    console.error(
      `No database at ${file}: run this where the server keeps its data (--data-dir, ` +
        'LATCHKEY_DATA_DIR or LATCHKEY_DATABASE_URL), or start it with `latchkey serve` first.',
    );
    process.exit(2);
  }

  if (!config.masterKeys && !config.masterKey && !existsSync(join(config.dataDir, 'master.key'))) {
    console.error('No master key: set LATCHKEY_MASTER_KEYS (or run from the data folder).');
    process.exit(2);
  }
  const { keyring } = loadKeyring(config);
  if (keyring.ids.length < 2) {
    console.log(`Only one master key (${keyring.current.id}) is configured; every value is`);
    console.log('checked and re-sealed with it if needed. To rotate, set LATCHKEY_MASTER_KEYS');
    console.log('to "new:<base64>,old:<base64>".');
  }
  console.log(`Re-sealing with key "${keyring.current.id}" (batches of ${batchSize}).`);

  const stop = new AbortController();
  const interrupt = () => {
    if (stop.signal.aborted) process.exit(130);
    console.log('Stopping after this batch (Ctrl-C again to quit now; nothing is lost)…');
    stop.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  const store = openStore(config.databaseUrl);
  try {
    await requireSchema(store);
    const result = await rotateSealedValues(store.db, keyring, {
      batchSize,
      pauseMs,
      signal: stop.signal,
      onProgress: report,
    });
    if (result.interrupted) {
      console.log('Interrupted. Run `latchkey keys rotate` again to resume.');
      process.exitCode = 130;
      return;
    }

    const census = await sealedKeyCensus(store.db);
    const others = Object.entries(census).filter(([id, n]) => id !== keyring.current.id && n > 0);
    if (others.length > 0) {
      // Written meanwhile by a server that still seals with an older key.
      const list = others.map(([id, n]) => `${id}: ${n}`).join(', ');
      console.log(`Values still under other keys (${list}): check the server's key order.`);
      process.exitCode = 1;
      return;
    }
    const kept = census[keyring.current.id] ?? 0;
    console.log(`Done: all ${kept} sealed values use "${keyring.current.id}".`);
    console.log('Older keys can now be removed from LATCHKEY_MASTER_KEYS.');
  } finally {
    await store.close();
  }
}

/** A database the server never set up has no tables to rotate: say so, not a driver stack. */
async function requireSchema(store: Store): Promise<void> {
  try {
    await sql`select 1 from accounts where 1 = 0`.execute(store.db);
  } catch (error) {
    if (!/no such table|does not exist/i.test(String((error as Error).message))) throw error;
    console.error(
      'The database has no Latchkey tables: run `latchkey migrate` (or start the server once) ' +
        'with the same LATCHKEY_DATABASE_URL / --data-dir first.',
    );
    await store.close();
    process.exit(2);
  }
}

function report(p: RotationProgress): void {
  console.log(
    `${p.table}: ${p.scanned}/${p.total} scanned, ${p.rotated} re-sealed, ` +
      `${p.raced} changed by others`,
  );
}
