import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestStore, testDialects } from '../../../test/support/stores.ts';
import { ManualClock } from '../../lib/clock.ts';
import { openStore, type Store } from '../../store/db.ts';
import { RateLimitRepository } from '../../store/repos/rate-limits.ts';
import {
  SharedRateLimitCounts,
  sharedStoreClass,
  type RateLimitCountStore,
  type SyncLog,
} from './shared-rate-limit-store.ts';

const windowMs = 60_000;
const max = 10;

/** A log that keeps its lines. */
function memoryLog() {
  const lines: { level: 'warn' | 'info'; msg: string }[] = [];
  const log: SyncLog = {
    warn: (_obj, msg) => lines.push({ level: 'warn', msg }),
    info: (msg) => lines.push({ level: 'info', msg }),
  };
  return { log, lines };
}

/** The real repository, which can be told to fail as if the database were down. */
function switchable(repo: RateLimitRepository) {
  const state = { down: false };
  const guard = () => {
    if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  };
  const counts: RateLimitCountStore = {
    add: async (rows) => (guard(), repo.add(rows)),
    totals: async (windowStart, keys) => (guard(), repo.totals(windowStart, keys)),
    deleteEndedBefore: async (cutoff) => (guard(), repo.deleteEndedBefore(cutoff)),
  };
  return { counts, state };
}

/** `n` requests of `key`; true for each one the plugin lets through (current <= max). */
function requests(counts: SharedRateLimitCounts, key: string, n: number): boolean[] {
  return Array.from({ length: n }, () => counts.hit(key, windowMs).current <= max);
}

const allowed = (answers: boolean[]) => answers.filter(Boolean).length;

for (const dialect of testDialects()) {
  describe(`shared rate-limit counts (${dialect})`, () => {
    // A window boundary: every test starts a window of its own by moving past the next one.
    const clock = new ManualClock(Date.parse('2026-12-03T12:00:00.000Z'));
    let store: Store & { url: string };
    let second: Store;
    let repoA: RateLimitRepository;
    let repoB: RateLimitRepository;
    let n = 0;
    const freshKey = () => `key:test-${++n}`;
    const nextWindow = () => clock.advance(windowMs - (clock.now() % windowMs));

    before(async () => {
      store = await createTestStore(dialect);
      // Two processes: two connections (pools) to one database.
      second = openStore(store.url);
      repoA = new RateLimitRepository(store.db);
      repoB = new RateLimitRepository(second.db);
    });
    after(async () => {
      await second?.close();
      await store?.close();
    });

    const pair = () => {
      const a = new SharedRateLimitCounts({ counts: repoA, clock, log: memoryLog().log });
      const b = new SharedRateLimitCounts({ counts: repoB, clock, log: memoryLog().log });
      return { a, b };
    };

    const rowsOf = (key: string) =>
      store.db
        .selectFrom('rate_limit_counts')
        .selectAll()
        .where('key', '=', key)
        .orderBy('window_start')
        .execute();

    it('refuses the 11th and 12th request of a limit of 10 over two processes', async () => {
      nextWindow();
      const { a, b } = pair();
      const key = freshKey();
      assert.equal(allowed(requests(a, key, 5)), 5);
      assert.equal(allowed(requests(b, key, 5)), 5);
      await a.sync();
      await b.sync();
      await a.sync();
      // The sixth on each: the 11th and 12th of the window.
      assert.deepEqual(requests(a, key, 1), [false]);
      assert.deepEqual(requests(b, key, 1), [false]);
      await a.sync();
      await b.sync();
      assert.equal(Number((await rowsOf(key))[0]?.count), 12);
    });

    it('learns of the other process’s requests at its next sync', async () => {
      nextWindow();
      const { a, b } = pair();
      const key = freshKey();
      assert.equal(allowed(requests(a, key, 6)), 6);
      await a.sync();
      requests(b, key, 1);
      await b.sync();
      // B knows of A's six and its own one: three more pass, then the 11th and 12th do not.
      assert.deepEqual(requests(b, key, 5), [true, true, true, false, false]);
    });

    it('lets one sync interval of traffic at most over the limit, then refuses', async () => {
      nextWindow();
      const { a, b } = pair();
      const key = freshKey();
      // Within one interval neither knows of the other: each sees 6 of 10.
      assert.equal(allowed(requests(a, key, 6)), 6);
      assert.equal(allowed(requests(b, key, 6)), 6);
      await a.sync();
      await b.sync();
      await a.sync();
      assert.equal(allowed(requests(a, key, 3)), 0);
      assert.equal(allowed(requests(b, key, 3)), 0);
      assert.equal(a.hit(key, windowMs).current, 16, 'the shared 12 and its own 4');
    });

    it('starts every window from nothing, and deletes ended windows’ rows', async () => {
      nextWindow();
      const { a, b } = pair();
      const key = freshKey();
      requests(a, key, 8);
      requests(b, key, 8);
      await a.sync();
      await b.sync();
      await a.sync();
      assert.equal(allowed(requests(a, key, 1)), 0);
      assert.equal(a.hit(key, windowMs).ttl, windowMs, 'the clock had not moved: a full window');

      clock.advance(windowMs);
      assert.equal(allowed(requests(a, key, 4)), 4);
      assert.equal(allowed(requests(b, key, 4)), 4);
      await a.sync();
      await b.sync();
      await a.sync();
      assert.deepEqual(requests(a, key, 3), [true, true, false]);
      clock.advance(30_000);
      assert.equal(a.hit(key, windowMs).ttl, 30_000, 'Retry-After: what the window has left');
      await a.sync();

      assert.deepEqual(
        (await rowsOf(key)).map((r) => Number(r.count)),
        [16, 12],
        'one row per window',
      );
      // Rows go a minute after their window ended (room for clocks that disagree).
      clock.advance(windowMs * 2);
      requests(a, freshKey(), 1);
      await a.sync();
      assert.deepEqual(await rowsOf(key), []);
    });

    it('counts locally while the database is down, warns once, and catches up', async () => {
      nextWindow();
      const { counts, state } = switchable(repoA);
      const { log, lines } = memoryLog();
      const a = new SharedRateLimitCounts({ counts, clock, log });
      const b = pair().b;
      const key = freshKey();
      requests(b, key, 4);
      await b.sync();
      requests(a, key, 2);
      await a.sync();
      assert.equal(a.peek(key, windowMs).current, 6, 'A knows of B’s four');

      state.down = true;
      for (let i = 0; i < 5; i++) await a.sync();
      // Still refused at the limit, from what it knew plus its own requests.
      assert.deepEqual(requests(a, key, 5), [true, true, true, true, false]);
      for (let i = 0; i < 5; i++) await a.sync();
      assert.deepEqual(
        lines.map((l) => l.level),
        ['warn'],
        'one warning for the whole outage',
      );

      // A new window during the outage is counted locally from nothing.
      clock.advance(windowMs);
      assert.equal(allowed(requests(a, key, 12)), 10);
      await a.sync();

      state.down = false;
      await a.sync();
      assert.deepEqual(
        lines.map((l) => l.level),
        ['warn', 'info'],
      );
      const rows = await rowsOf(key);
      assert.equal(Number(rows.at(-1)?.count), 12, 'the outage’s requests reached the table');
      assert.equal(a.peek(key, windowMs).current, 12);
    });

    it('syncs two processes at once over many shared keys without a failure', async () => {
      nextWindow();
      const logA = memoryLog();
      const logB = memoryLog();
      const a = new SharedRateLimitCounts({ counts: repoA, clock, log: logA.log });
      const b = new SharedRateLimitCounts({ counts: repoB, clock, log: logB.log });
      const keys = Array.from({ length: 1200 }, () => freshKey());
      for (let round = 0; round < 3; round++) {
        // Seen in opposite orders: the upserts must still lock rows in one order.
        for (const key of keys) a.hit(key, windowMs);
        for (const key of [...keys].reverse()) b.hit(key, windowMs);
        await Promise.all([a.sync(), b.sync()]);
      }
      await Promise.all([a.sync(), b.sync()]);
      assert.deepEqual([...logA.lines, ...logB.lines], []);
      assert.equal(a.peek(keys[0]!, windowMs).current, 6);
      assert.equal(b.peek(keys.at(-1)!, windowMs).current, 6);
    });

    it('adds the last counts on close', async () => {
      nextWindow();
      const { a } = pair();
      const key = freshKey();
      a.start();
      requests(a, key, 3);
      await a.close();
      assert.equal(Number((await rowsOf(key))[0]?.count), 3);
    });

    it('does not touch the database when nobody made a request', async () => {
      nextWindow();
      let calls = 0;
      const counting: RateLimitCountStore = {
        add: async (rows) => (calls++, repoA.add(rows)),
        totals: async (w, keys) => (calls++, repoA.totals(w, keys)),
        deleteEndedBefore: async (cutoff) => repoA.deleteEndedBefore(cutoff),
      };
      const a = new SharedRateLimitCounts({ counts: counting, clock, log: memoryLog().log });
      await a.sync();
      assert.equal(calls, 0);
      requests(a, freshKey(), 1);
      await a.sync();
      assert.equal(calls, 2, 'one upsert and one read-back');
      await a.sync();
      assert.equal(calls, 3, 'only the read-back while nothing new was counted');
    });

    it('keeps each route with its own limit apart, as the memory store does', async () => {
      nextWindow();
      const { a } = pair();
      const Store = sharedStoreClass(a);
      const root = new Store({} as never);
      const login = root.child({ routeInfo: { method: 'POST', url: '/v1/auth/login' } } as never);
      const signup = root.child({ routeInfo: { method: 'POST', url: '/v1/auth/signup' } } as never);
      const hit = (s: typeof root) =>
        new Promise<number>((resolve, reject) =>
          s.incr(
            'login:192.0.2.1',
            (err, res) => (err ? reject(err) : resolve(res!.current)),
            60_000,
            10,
          ),
        );
      assert.deepEqual([await hit(login), await hit(login), await hit(signup)], [1, 2, 1]);
      await a.sync();
      const keys = (
        await store.db
          .selectFrom('rate_limit_counts')
          .select('key')
          .where('key', 'like', '%login:%')
          .execute()
      ).map((r) => r.key);
      assert.deepEqual(keys.sort(), [
        'POST /v1/auth/login login:192.0.2.1',
        'POST /v1/auth/signup login:192.0.2.1',
      ]);
    });
  });
}
