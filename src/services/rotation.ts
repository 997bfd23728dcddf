import type { Kysely } from 'kysely';
import { sleep } from '../lib/clock.ts';
import type { Database } from '../store/schema.ts';
import type { Keyring } from '../vault/keyring.ts';
import { open, seal, sealedKeyId } from '../vault/seal.ts';

/** A column of sealed values, the key of its rows, and the seal context's field name. */
interface SealedColumn {
  table: 'accounts' | 'oauth_apps' | 'oauth_states';
  key: 'id' | 'state_hash';
  column: 'credentials' | 'client_secret' | 'code_verifier';
}

/** Every sealed column; the seal context is (row key, column name) for each. */
export const sealedColumns: readonly SealedColumn[] = [
  { table: 'accounts', key: 'id', column: 'credentials' },
  { table: 'oauth_apps', key: 'id', column: 'client_secret' },
  { table: 'oauth_states', key: 'state_hash', column: 'code_verifier' },
];

export interface RotationProgress {
  table: string;
  /** Rows with a sealed value in the table when it was counted. */
  total: number;
  scanned: number;
  /** Re-sealed with the current key by this run. */
  rotated: number;
  /** Another writer changed the value first; it was left alone (already under a good key). */
  raced: number;
}

export interface RotationOptions {
  batchSize: number;
  /** Pause between batches, to spare a busy database. */
  pauseMs?: number;
  /** Stops after the batch in progress; a later run resumes where this one stopped. */
  signal?: AbortSignal;
  onProgress?: (progress: RotationProgress) => void;
}

export interface RotationResult {
  tables: RotationProgress[];
  interrupted: boolean;
}

type Row = { key: string; value: Uint8Array };

/**
 * Re-seals every sealed value with the keyring's current key, while the server keeps serving.
 *
 * - Each row is swapped only if it still holds the ciphertext that was read (compare-and-swap
 *   on the bytes), so a refresh that stored new credentials meanwhile is never overwritten.
 * - Each batch commits on its own: killed at any point, every row holds either its old or its
 *   new ciphertext, both of which open while both keys are configured.
 * - It keeps no state of its own: a row already under the current key is skipped, so running
 *   it again resumes, and running it to the end proves no old ciphertext is left.
 */
export async function rotateSealedValues(
  db: Kysely<Database>,
  keyring: Keyring,
  opts: RotationOptions,
): Promise<RotationResult> {
  const tables: RotationProgress[] = [];
  for (const column of sealedColumns) {
    const progress = await rotateColumn(db, keyring, column, opts);
    tables.push(progress);
    if (opts.signal?.aborted) return { tables, interrupted: true };
  }
  return { tables, interrupted: false };
}

async function rotateColumn(
  db: Kysely<Database>,
  keyring: Keyring,
  target: SealedColumn,
  opts: RotationOptions,
): Promise<RotationProgress> {
  const progress: RotationProgress = {
    table: target.table,
    total: await countSealed(db, target),
    scanned: 0,
    rotated: 0,
    raced: 0,
  };
  opts.onProgress?.({ ...progress });

  let last = '';
  for (;;) {
    if (opts.signal?.aborted) break;
    const rows = await readBatch(db, target, last, opts.batchSize);
    if (rows.length === 0) break;
    last = rows[rows.length - 1]!.key;

    const stale = rows.filter((r) => sealedKeyId(r.value) !== keyring.current.id);
    await db.transaction().execute(async (trx) => {
      for (const row of stale) {
        const ctx = { rowId: row.key, field: target.column };
        const resealed = seal(keyring, open(keyring, row.value, ctx), ctx);
        if (await swap(trx, target, row, resealed)) progress.rotated++;
        else progress.raced++;
      }
    });
    progress.scanned += rows.length;
    opts.onProgress?.({ ...progress });
    if (opts.pauseMs) await sleep(opts.pauseMs);
  }
  return progress;
}

/**
 * Values left under keys other than the current one, by key id: zero everywhere means the
 * other keys can be removed from LATCHKEY_MASTER_KEYS.
 */
export async function sealedKeyCensus(
  db: Kysely<Database>,
  batchSize = 500,
): Promise<Record<string, number>> {
  const census: Record<string, number> = {};
  for (const target of sealedColumns) {
    let last = '';
    for (;;) {
      const rows = await readBatch(db, target, last, batchSize);
      if (rows.length === 0) break;
      last = rows[rows.length - 1]!.key;
      for (const row of rows) {
        const id = sealedKeyId(row.value);
        census[id] = (census[id] ?? 0) + 1;
      }
    }
  }
  return census;
}

/**
 * A quick check at start-up that the keyring opens what is stored: over the first `perColumn`
 * sealed values of each column, the key ids it lacks, and those it has but whose key does not
 * open a value sealed under that id (a wrong secret under the right id). A full census would
 * read every row; a sample catches the usual mistakes at once.
 */
export async function checkSealedSample(
  db: Kysely<Database>,
  keyring: Keyring,
  perColumn = 1000,
): Promise<{ missing: string[]; wrong: string[] }> {
  const missing = new Set<string>();
  const checked = new Map<string, boolean>();
  for (const target of sealedColumns) {
    for (const row of await readBatch(db, target, '', perColumn)) {
      const id = sealedKeyId(row.value);
      if (!keyring.find(id)) missing.add(id);
      else if (!checked.has(id)) checked.set(id, opens(keyring, row, target));
    }
  }
  const wrong = [...checked].filter(([, ok]) => !ok).map(([id]) => id);
  return { missing: [...missing], wrong };
}

function opens(keyring: Keyring, row: Row, target: SealedColumn): boolean {
  try {
    open(keyring, row.value, { rowId: row.key, field: target.column });
    return true;
  } catch {
    return false;
  }
}

// The three tables differ in names only; Kysely cannot type a query over a table chosen at
// run time, so these few queries go through an untyped view of the same database.
const untyped = (db: Kysely<Database>) =>
  db as unknown as Kysely<Record<string, Record<string, unknown>>>;

async function countSealed(db: Kysely<Database>, t: SealedColumn): Promise<number> {
  const row = await untyped(db)
    .selectFrom(t.table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(t.column, 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function readBatch(
  db: Kysely<Database>,
  t: SealedColumn,
  after: string,
  limit: number,
): Promise<Row[]> {
  const rows = await untyped(db)
    .selectFrom(t.table)
    .select([`${t.key} as key`, `${t.column} as value`])
    .where(t.key, '>', after)
    .where(t.column, 'is not', null)
    .orderBy(t.key)
    .limit(limit)
    .execute();
  return rows as unknown as Row[];
}

async function swap(
  db: Kysely<Database>,
  t: SealedColumn,
  row: Row,
  resealed: Uint8Array,
): Promise<boolean> {
  const result = await untyped(db)
    .updateTable(t.table)
    .set({ [t.column]: resealed })
    .where(t.key, '=', row.key)
    .where(t.column, '=', Buffer.from(row.value))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
