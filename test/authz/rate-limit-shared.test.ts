import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../../src/lib/clock.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { withinOneRateWindow } from '../support/rate-window.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/stores.ts';

const perMinute = 10;
/** Requests are paced so that one sync interval (1 s) holds about this many. */
const gapMs = 200;
/** What one sync interval of paced traffic can let through over the limit, with some margin. */
const slack = 1000 / gapMs + 1;

for (const dialect of testDialects()) {
  describe(`per-key rate limit shared by two servers on one database (${dialect})`, () => {
    let database: TestDatabase;
    let a: TestLatchkey;
    let b: TestLatchkey;

    before(async () => {
      database = await createTestDatabase(dialect);
      // One instance, two processes: the same database and master key.
      const env = {
        LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64'),
        LATCHKEY_RATE_LIMIT_PER_MINUTE: String(perMinute),
        LATCHKEY_REFRESH_INTERVAL_MS: '0',
      };
      a = await startTestLatchkey({ databaseUrl: database.url, env });
      b = await startTestLatchkey({ databaseUrl: database.url, env });
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    it('allows about the limit in total over both servers, then 429 on both', async (t) => {
      await withinOneRateWindow(5_000 + 3 * perMinute * gapMs);

      // The owner key of the instance (made by the first server), used on both servers.
      const read = (lk: TestLatchkey) => lk.api('GET', '/v1/accounts', undefined, a.apiKey);
      let passed = 0;
      const refusedBy = new Set<TestLatchkey>();
      for (let i = 0; i < 3 * perMinute && refusedBy.size < 2; i++) {
        const lk = i % 2 ? b : a;
        const res = await read(lk);
        if (res.status === 200) {
          passed += 1;
        } else {
          assert.equal(res.status, 429);
          refusedBy.add(lk);
        }
        await sleep(gapMs);
      }
      t.diagnostic(`${passed} of a limit of ${perMinute} passed over two servers`);
      assert.ok(passed >= perMinute, `${passed} passed: at least the limit`);
      assert.ok(passed <= perMinute + slack, `${passed} passed: at most the limit and slack`);
      assert.equal(refusedBy.size, 2, 'both servers refuse');

      for (const lk of [a, b]) {
        const res = await read(lk);
        assert.equal(res.status, 429);
        assert.deepEqual(Object.keys(res.body).sort(), ['code', 'error', 'request_id']);
        assert.equal(res.body.code, 'rate_limited');
        const retryAfter = Number(res.headers.get('retry-after'));
        assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      }
    });

    it('keeps key ids, not secrets, in the shared table', async () => {
      const rows = await a.server.store.db
        .selectFrom('rate_limit_counts')
        .select(['key', 'count'])
        .execute();
      assert.ok(rows.length > 0);
      assert.ok(rows.some((r) => r.key.startsWith('key:')));
      for (const row of rows) {
        assert.ok(!row.key.includes(a.apiKey) && !row.key.includes('lk_'), row.key);
      }
    });
  });
}
