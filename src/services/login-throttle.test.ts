import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql, type KyselyPlugin } from 'kysely';
import { createTestStore, testDialects } from '../../test/support/stores.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { ManualClock } from '../lib/clock.ts';
import type { Store } from '../store/db.ts';
import { LoginFailureRepository } from '../store/repos/login-failures.ts';
import { LoginThrottle } from './login-throttle.ts';

const windowMs = 900_000;
const opts = { maxFailuresPerPair: 3, maxFailuresPerEmail: 7, windowMs };

for (const dialect of testDialects()) {
  describe(`login throttle (${dialect})`, () => {
    let store: Store;
    let repo: LoginFailureRepository;
    const clock = new ManualClock(Date.parse('2026-12-03T12:00:00.000Z'));
    let n = 0;
    /** A fresh email per test, so that tests do not share failures. */
    const freshEmail = () => `victim${++n}@example.test`;

    before(async () => {
      store = await createTestStore(dialect);
      repo = new LoginFailureRepository(store.db);
    });
    after(() => store?.close());

    /** `count` attempts that turn out wrong (begin, then no succeed); each must be let through. */
    async function fail(throttle: LoginThrottle, email: string, ip: string, count: number) {
      for (let i = 0; i < count; i++) assert.equal(await throttle.begin(email, ip), null);
    }

    it('locks an (email, address) pair at the limit, and only that pair', async () => {
      const throttle = new LoginThrottle(repo, clock, opts);
      const email = freshEmail();
      await fail(throttle, email, '192.0.2.1', 3);
      assert.deepEqual(await throttle.begin(email, '192.0.2.1'), {
        scope: 'pair',
        retryAfterMs: windowMs,
      });
      assert.equal(await throttle.begin(email, '192.0.2.2'), null, 'another address still tries');
      assert.equal(await throttle.begin('other@example.test', '192.0.2.1'), null);

      clock.advance(windowMs - 1);
      assert.deepEqual(await throttle.begin(email, '192.0.2.1'), {
        scope: 'pair',
        retryAfterMs: 1,
      });
      clock.advance(1);
      assert.equal(await throttle.begin(email, '192.0.2.1'), null, 'unlocked once out of window');
    });

    it('shares the counts between throttles on one database (one per process)', async () => {
      const a = new LoginThrottle(repo, clock, opts);
      const b = new LoginThrottle(new LoginFailureRepository(store.db), clock, opts);
      const email = freshEmail();
      await fail(a, email, '192.0.2.9', 1);
      await fail(b, email, '192.0.2.9', 1);
      await fail(a, email, '192.0.2.9', 1);
      assert.equal((await b.begin(email, '192.0.2.9'))?.scope, 'pair');
      assert.equal((await a.begin(email, '192.0.2.9'))?.scope, 'pair');
    });

    it('locks the email from every address after the per-email limit', async () => {
      const throttle = new LoginThrottle(repo, clock, opts);
      const email = freshEmail();
      await fail(throttle, email, '198.51.100.2', 2);
      await fail(throttle, email, '198.51.100.3', 2);
      clock.advance(1000);
      await fail(throttle, email, '198.51.100.1', 3);
      assert.deepEqual(await throttle.begin(email, '203.0.113.7'), {
        scope: 'email',
        retryAfterMs: windowMs - 1000,
      });
      // Both locks: the longer wait is the one to report.
      assert.deepEqual(await throttle.begin(email, '198.51.100.1'), {
        scope: 'pair',
        retryAfterMs: windowMs,
      });

      clock.advance(windowMs - 1000);
      assert.equal(await throttle.begin(email, '203.0.113.7'), null, 'the oldest four left');
      assert.deepEqual(await throttle.begin(email, '198.51.100.1'), {
        scope: 'pair',
        retryAfterMs: 1000,
      });
    });

    it('clears the pair on success, and keeps the other addresses’ failures', async () => {
      const throttle = new LoginThrottle(repo, clock, opts);
      const email = freshEmail();
      await fail(throttle, email, '192.0.2.1', 2);
      await fail(throttle, email, '192.0.2.2', 2);
      assert.equal(await throttle.begin(email, '192.0.2.1'), null); // the right password:
      await throttle.succeed(email, '192.0.2.1');

      const since = clock.now() - windowMs;
      assert.deepEqual(await repo.counts(email, '192.0.2.1', since), {
        email: 2,
        emailOldest: clock.now(),
        pair: 0,
        pairOldest: null,
      });
      await fail(throttle, email, '192.0.2.1', 3);
      assert.equal((await throttle.begin(email, '192.0.2.1'))?.scope, 'pair');
      await fail(throttle, email, '192.0.2.2', 1);
      assert.equal((await throttle.begin(email, '192.0.2.2'))?.scope, 'pair');
    });

    it('counts an attempt before its password is checked, so parallel ones see it', async () => {
      const throttle = new LoginThrottle(repo, clock, opts);
      const email = freshEmail();
      // Three attempts in flight (none answered yet): the fourth is already refused.
      await fail(throttle, email, '192.0.2.1', 3);
      assert.equal((await throttle.begin(email, '192.0.2.1'))?.scope, 'pair');
    });

    it('answers the window query from the (email, failed_at, ip) index', async () => {
      // The SQL the throttle really sends, caught on its way out, then explained.
      let caught: CompiledQuery | null = null;
      const catcher: KyselyPlugin = {
        transformQuery: (args) => {
          caught ??= store.db.getExecutor().compileQuery(args.node, args.queryId);
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      await new LoginFailureRepository(store.db.withPlugin(catcher)).counts('x@a.test', '::1', 0);
      const { sql: text, parameters } = caught!;
      if (dialect === 'sqlite') {
        const plan = await store.db.executeQuery(
          CompiledQuery.raw(`explain query plan ${text}`, [...parameters]),
        );
        assert.match(JSON.stringify(plan.rows), /USING COVERING INDEX login_failures_email_time/);
      } else {
        // A near-empty table is read sequentially; asked to avoid that, the index must serve.
        await store.db.connection().execute(async (conn) => {
          await sql`set enable_seqscan = off`.execute(conn);
          const plan = await conn.executeQuery(
            CompiledQuery.raw(`explain ${text}`, [...parameters]),
          );
          await sql`reset enable_seqscan`.execute(conn);
          assert.match(JSON.stringify(plan.rows), /login_failures_email_time/);
        });
      }
    });

    it('deletes failures by age, on or before the cutoff', async () => {
      const email = freshEmail();
      await repo.insert(email, '192.0.2.1', 1000);
      await repo.insert(email, '192.0.2.1', 2000);
      assert.ok((await repo.deleteOlderThan(1000)) >= 1);
      const left = await repo.counts(email, '192.0.2.1', 0);
      assert.deepEqual([left.email, left.emailOldest], [1, 2000]);
    });
  });
}

describe('login throttle settings', () => {
  it('defaults the per-email limit to ten times the per-pair one', () => {
    assert.equal(loadConfig({}).auth.loginMaxFailuresPerEmail, 50);
    const auth = loadConfig({ LATCHKEY_LOGIN_MAX_FAILURES: '3' }).auth;
    assert.deepEqual([auth.loginMaxFailures, auth.loginMaxFailuresPerEmail], [3, 30]);
    const set = loadConfig({ LATCHKEY_LOGIN_MAX_FAILURES_PER_EMAIL: '12' }).auth;
    assert.equal(set.loginMaxFailuresPerEmail, 12);
  });

  it('refuses a per-email limit below the per-pair one, or not a whole number', () => {
    for (const bad of ['4', 'many', '0']) {
      assert.throws(
        () =>
          loadConfig({
            LATCHKEY_LOGIN_MAX_FAILURES: '5',
            LATCHKEY_LOGIN_MAX_FAILURES_PER_EMAIL: bad,
          }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.problems.some((p) => p.startsWith('LATCHKEY_LOGIN_MAX_FAILURES_PER_EMAIL')),
      );
    }
  });
});
