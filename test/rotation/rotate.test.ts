import { accountRow } from '../support/account-row.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openCredentials, sealCredentials } from '../../src/services/credentials.ts';
import { sealedKeyCensus } from '../../src/services/rotation.ts';
import { migrate, openStore, type Store } from '../../src/store/db.ts';
import { Keyring, type MasterKey } from '../../src/vault/keyring.ts';
import { open, seal } from '../../src/vault/seal.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/stores.ts';

const cli = join(import.meta.dirname, '../../src/cli/main.ts');
const accounts = 400;
const oldKey: MasterKey = { id: 'old', key: randomBytes(32) };
const newKey: MasterKey = { id: 'new', key: randomBytes(32) };
const masterKeys = [newKey, oldKey].map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');

interface Run {
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  kill(): void;
  /** Resolves once the tool reports at least `n` scanned accounts. */
  scanned(n: number): Promise<void>;
}

function rotate(database: TestDatabase, dataDir: string, extra: string[] = []): Run {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'keys', 'rotate', '--batch-size', '10', ...extra],
    {
      env: {
        ...process.env,
        LATCHKEY_DATABASE_URL: database.url,
        LATCHKEY_MASTER_KEYS: masterKeys,
        LATCHKEY_DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const waiters: { n: number; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const counts = [...output.matchAll(/^accounts: (\d+)\//gm)].map((m) => Number(m[1]));
    const best = Math.max(0, ...counts);
    for (const w of waiters.filter((x) => best >= x.n)) w.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    done: new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, output })),
    ),
    kill: () => child.kill('SIGKILL'),
    scanned: (n) => new Promise((resolve) => waiters.push({ n, resolve })),
  };
}

function rotationAccount(id: string, workspaceId: string, credentials: Uint8Array, i: number) {
  const name = `account ${i}`;
  return accountRow(id, {
    workspace_id: workspaceId,
    app_id: 'app_test',
    name,
    credentials,
    created_at: i,
    updated_at: i,
  });
}

for (const dialect of testDialects()) {
  describe(`latchkey keys rotate (${dialect})`, () => {
    let database: TestDatabase;
    let store: Store;
    let dataDir: string;
    const ids: string[] = [];
    const oldOnly = new Keyring([oldKey]);
    const serverKeys = new Keyring([newKey, oldKey]);

    before(async () => {
      database = await createTestDatabase(dialect);
      dataDir = mkdtempSync(join(tmpdir(), 'latchkey-rotate-'));
      store = openStore(database.url);
      await migrate(store);
      await store.db
        .insertInto('workspaces')
        .values({ id: 'ws_rotate', name: 'rotate', created_at: 0 })
        .execute();
      const rows = [];
      for (let i = 0; i < accounts; i++) {
        const id = `apn_${String(i).padStart(4, '0')}`;
        ids.push(id);
        const sealed = sealCredentials(oldOnly, id, { accessToken: `token-${i}` });
        rows.push(rotationAccount(id, 'ws_rotate', sealed, i));
      }
      for (let i = 0; i < rows.length; i += 100) {
        await store.db
          .insertInto('accounts')
          .values(rows.slice(i, i + 100))
          .execute();
      }
      for (let i = 0; i < 15; i++) {
        const id = `oa_${i}`;
        await store.db
          .insertInto('oauth_apps')
          .values({
            id,
            workspace_id: 'ws_rotate',
            app_id: 'app_test',
            client_id: `client-${i}`,
            client_secret: seal(oldOnly, `secret-${i}`, { rowId: id, field: 'client_secret' }),
            scopes: '[]',
            created_by: null,
            created_at: i,
          })
          .execute();
        const stateHash = `state_${i}`;
        await store.db
          .insertInto('oauth_states')
          .values({
            state_hash: stateHash,
            connect_token_id: 'ctok_x',
            account_id: null,
            code_verifier: seal(oldOnly, `verifier-${i}`, {
              rowId: stateHash,
              field: 'code_verifier',
            }),
            nonce: null,
            created_at: i,
            expires_at: i + 1000,
            used_at: null,
          })
          .execute();
      }
    });

    after(async () => {
      await store.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('survives SIGKILL midway and resumes; then all opens with the new key alone', async () => {
      // A refresher writing new credentials while the rotation runs, as the server would:
      // compare-and-swap on the value it read, sealed with the server's current (new) key.
      const refreshed = new Map<string, string>();
      let writing = true;
      const writer = (async () => {
        for (let n = 0; writing && n < 200; n++) {
          const id = ids[(n * 37) % ids.length]!;
          const row = await store.db
            .selectFrom('accounts')
            .select('credentials')
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          const token = `refreshed-${n}`;
          const next = sealCredentials(serverKeys, id, { accessToken: token });
          const done = await store.db
            .updateTable('accounts')
            .set({ credentials: next })
            .where('id', '=', id)
            .where('credentials', '=', Buffer.from(row.credentials))
            .executeTakeFirst();
          if (Number(done.numUpdatedRows) === 1) refreshed.set(id, token);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();

      const first = rotate(database, dataDir, ['--pause-ms', '40']);
      await first.scanned(100);
      first.kill();
      const killed = await first.done;
      assert.equal(killed.signal, 'SIGKILL', killed.output);

      const midway = await sealedKeyCensus(store.db);
      assert.ok(
        (midway.old ?? 0) > 0,
        `some values still under the old key: ${JSON.stringify(midway)}`,
      );
      assert.ok((midway.new ?? 0) >= 100, `some values already moved: ${JSON.stringify(midway)}`);

      const second = rotate(database, dataDir);
      const resumed = await second.done;
      writing = false;
      await writer;
      assert.equal(resumed.code, 0, resumed.output);
      assert.match(resumed.output, /Done: all \d+ sealed values use "new"/);

      const census = await sealedKeyCensus(store.db);
      assert.deepEqual(Object.keys(census), ['new']);

      const newOnly = new Keyring([newKey]);
      const stored = await store.db.selectFrom('accounts').select(['id', 'credentials']).execute();
      assert.equal(stored.length, accounts);
      for (const row of stored) {
        const expected = refreshed.get(row.id) ?? `token-${Number(row.id.slice(4))}`;
        const opened = openCredentials(newOnly, row.id, row.credentials);
        assert.equal(opened.accessToken, expected, `account ${row.id}`);
      }
      const apps = await store.db.selectFrom('oauth_apps').selectAll().execute();
      for (const app of apps) {
        const secret = open(newOnly, app.client_secret!, { rowId: app.id, field: 'client_secret' });
        assert.equal(secret, `secret-${app.id.slice(3)}`);
      }
      const states = await store.db.selectFrom('oauth_states').selectAll().execute();
      for (const s of states) {
        const ctx = { rowId: s.state_hash, field: 'code_verifier' };
        assert.equal(open(newOnly, s.code_verifier!, ctx), `verifier-${s.state_hash.slice(6)}`);
      }
      assert.ok(refreshed.size > 0, 'the concurrent refresher wrote something');
    });
  });
}
