import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, openStore, type Dialect, type Store } from '../../src/store/db.ts';

export interface TestDatabase {
  readonly dialect: Dialect;
  readonly url: string;
  /** Removes the database (PostgreSQL) or its folder (SQLite). */
  drop(): Promise<void>;
}

const postgresUrl = process.env.LATCHKEY_TEST_DATABASE_URL;
let skipNoted = false;

/**
 * The dialects every storage test runs on: SQLite always, PostgreSQL when
 * LATCHKEY_TEST_DATABASE_URL names a server (otherwise one line says it was skipped).
 */
export function testDialects(): Dialect[] {
  if (postgresUrl) return ['sqlite', 'postgres'];
  if (!skipNoted) {
    skipNoted = true;
    console.log('# PostgreSQL tests skipped: LATCHKEY_TEST_DATABASE_URL is not set');
  }
  return ['sqlite'];
}

/** A fresh, empty database of the dialect: its own file, or its own PostgreSQL database. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
    return {
      dialect,
      url: join(dir, 'latchkey.db'),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }

  if (!postgresUrl) throw new Error('LATCHKEY_TEST_DATABASE_URL is not set');
  const name = `lk_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A migrated store on a fresh database; closing it also drops the database. */
export async function createTestStore(dialect: Dialect): Promise<Store & { url: string }> {
  const database = await createTestDatabase(dialect);
  const store = openStore(database.url);
  await migrate(store);
  return {
    ...store,
    url: database.url,
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
