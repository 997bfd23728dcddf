/**
 * Refresh benchmark (prints figures; not a test):
 *  1. refreshes per second one process achieves against a local fake provider, through the
 *     real background refresher (scheduler → engine → lease → token call → CAS write);
 *  2. the due-batch query time at 10,000 and at 1,000,000 stored accounts, on SQLite and (when
 *     LATCHKEY_TEST_DATABASE_URL is set) PostgreSQL, with the query plan to show the index.
 * Run: npm run bench:refresh
 */
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { sealCredentials } from '../../src/services/credentials.ts';
import { openStore, migrate, sqlitePath, type Dialect, type Store } from '../../src/store/db.ts';
import { AccountRepository } from '../../src/store/repos/accounts.ts';
import { loadKeyring } from '../../src/vault/master-key-file.ts';
import { fingerprinter } from '../../src/vault/fingerprint.ts';
import { startFakeTokenEndpoint } from '../../test/support/fake-token-endpoint.ts';
import { accountRow } from '../../test/support/account-row.ts';
import { startTestLatchkey } from '../../test/support/latchkey.ts';
import { createTestDatabase } from '../../test/support/stores.ts';
import { json, registerFakeApp } from '../../test/refresh/support.ts';

const dialects: Dialect[] = process.env.LATCHKEY_TEST_DATABASE_URL
  ? ['sqlite', 'postgres']
  : ['sqlite'];
if (dialects.length === 1) console.log('(PostgreSQL skipped: LATCHKEY_TEST_DATABASE_URL unset)');

const REFRESH_ACCOUNTS = Number(process.env.BENCH_REFRESH_ACCOUNTS ?? 2000);

async function refreshThroughput(dialect: Dialect): Promise<void> {
  const fake = await startFakeTokenEndpoint(() =>
    json(200, {
      access_token: `at-${randomBytes(8).toString('hex')}`,
      refresh_token: `rt-${randomBytes(8).toString('hex')}`,
      expires_in: 3600,
    }),
  );
  const masterKey = randomBytes(32).toString('base64');
  const lk = await startTestLatchkey({
    dialect,
    env: {
      LATCHKEY_MASTER_KEY: masterKey,
      LATCHKEY_REFRESH_INTERVAL_MS: '0',
      LATCHKEY_REFRESH_BATCH_SIZE: '500',
      LATCHKEY_REFRESH_CONCURRENCY: '32',
      LATCHKEY_REFRESH_PER_HOST_CONCURRENCY: '32',
      LATCHKEY_LOG_LEVEL: 'warn',
    },
  });
  try {
    await registerFakeApp(lk, 'bench', fake.origin);
    const app = (await lk.api('GET', '/v1/apps/bench')).body.data;
    const oauthApp = (await lk.api('GET', '/v1/oauth_apps')).body.data[0];
    const keyring = loadKeyring({ masterKey, masterKeys: null, dataDir: lk.dataDir }).keyring;
    const fp = fingerprinter(keyring);
    const repo = lk.server.services.repos.accounts;
    const workspace = await lk.server.store.db
      .selectFrom('workspaces')
      .select('id')
      .executeTakeFirstOrThrow();
    const now = Date.now();
    for (let i = 0; i < REFRESH_ACCOUNTS; i += 1) {
      const id = `apn_bench${String(i).padStart(8, '0')}`;
      const rt = `rt-${i}`;
      await repo.insert({
        ...accountRow(id, {
          workspace_id: workspace.id,
          app_id: app.id,
          oauth_app_id: oauthApp.id,
          token_issued_at: now,
          created_at: now,
          updated_at: now,
        }),
        credentials: sealCredentials(keyring, id, { accessToken: `at-${i}`, refreshToken: rt }),
        refresh_fingerprint: fp(rt),
        expires_at: now + 60_000,
        next_refresh_at: now - 1000,
      });
    }
    const started = performance.now();
    let done = 0;
    for (;;) {
      const n = await lk.server.services.scheduler.tick();
      if (n === 0) break;
      done += n;
    }
    const seconds = (performance.now() - started) / 1000;
    const calls = fake.requests.length;
    console.log(
      `refresh throughput (${dialect}): ${done} accounts, ${calls} provider calls in ` +
        `${seconds.toFixed(2)} s = ${(calls / seconds).toFixed(0)} refreshes/s ` +
        `(concurrency 32, one process)`,
    );
  } finally {
    await lk.close();
    await fake.close();
  }
}

const HOUR = 3600_000;

/** Adds rows [from, to): next_refresh_at spread over the next hour, one in ten never expiring. */
async function bulkInsert(store: Store, url: string, from: number, to: number, base: number) {
  if (store.dialect === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      `insert into accounts (id, workspace_id, app_id, oauth_app_id, visibility, scopes, metadata,
         credentials, healthy, dead, expires_at, token_issued_at, next_refresh_at,
         refresh_failures, created_at, updated_at)
       select 'apn_b' || g, 'ws_bench', 'app_bench', 'oa_bench', 'private', '[]', '{}',
         '\\x00'::bytea, 1, 0,
         case when g % 10 = 0 then null else $3::bigint + (g * 7919 % $4::bigint) + 300000 end,
         $3::bigint,
         case when g % 10 = 0 then null else $3::bigint + (g * 7919 % $4::bigint) end,
         0, $3::bigint, $3::bigint
       from generate_series($1::bigint, $2::bigint - 1) g`,
      [from, to, base, HOUR],
    );
    await client.query('analyze accounts');
    await client.end();
    return;
  }
  const db = new SQLite(sqlitePath(url));
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(
    `insert into accounts (id, workspace_id, app_id, oauth_app_id, visibility, scopes, metadata,
       credentials, healthy, dead, expires_at, token_issued_at, next_refresh_at,
       refresh_failures, created_at, updated_at)
     values (?, 'ws_bench', 'app_bench', 'oa_bench', 'private', '[]', '{}', ?, 1, 0, ?, ?, ?, 0,
       ?, ?)`,
  );
  const blob = Buffer.alloc(1);
  db.transaction(() => {
    for (let g = from; g < to; g += 1) {
      const next = g % 10 === 0 ? null : base + ((g * 7919) % HOUR);
      insert.run(`apn_b${g}`, blob, next === null ? null : next + 300_000, base, next, base, base);
    }
  })();
  db.exec('analyze');
  db.close();
}

async function dueQueryTimes(dialect: Dialect): Promise<void> {
  const database = await createTestDatabase(dialect);
  const store = openStore(database.url);
  try {
    await migrate(store);
    await store.db
      .insertInto('workspaces')
      .values({ id: 'ws_bench', name: 'bench', created_at: 0 })
      .execute();
    const repo = new AccountRepository(store.db);
    const base = Date.now();
    let have = 0;
    for (const size of [10_000, 1_000_000]) {
      const t0 = performance.now();
      await bulkInsert(store, database.url, have, size, base);
      const loadS = (performance.now() - t0) / 1000;
      have = size;

      // "Now" a minute in: about 1/60 of the accounts are due; a batch takes 100 of them.
      const now = base + 60_000;
      for (let i = 0; i < 5; i += 1) await repo.due(now, 100); // warm up
      const runs = 50;
      const t1 = performance.now();
      let rows = 0;
      for (let i = 0; i < runs; i += 1) rows = (await repo.due(now, 100)).length;
      const ms = (performance.now() - t1) / runs;
      const plan = await explain(store, database.url, repo, now);
      console.log(
        `due batch (${dialect}, ${size.toLocaleString('en')} accounts): ` +
          `${ms.toFixed(3)} ms per batch of ${rows} (loaded in ${loadS.toFixed(1)} s)\n` +
          `  plan: ${plan}`,
      );
    }
  } finally {
    await store.close();
    await database.drop();
  }
}

async function explain(store: Store, url: string, repo: AccountRepository, now: number) {
  const compiled = repo.dueQuery(now, 100).compile();
  if (store.dialect === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const res = await client.query(`explain ${compiled.sql}`, compiled.parameters as unknown[]);
    await client.end();
    return res.rows.map((r: Record<string, string>) => r['QUERY PLAN']!.trim()).join(' | ');
  }
  const db = new SQLite(sqlitePath(url), { readonly: true });
  const rows = db
    .prepare(`explain query plan ${compiled.sql}`)
    .all(...(compiled.parameters as unknown[])) as { detail: string }[];
  db.close();
  return rows.map((r) => r.detail).join(' | ');
}

for (const dialect of dialects) await refreshThroughput(dialect);
for (const dialect of dialects) await dueQueryTimes(dialect);
