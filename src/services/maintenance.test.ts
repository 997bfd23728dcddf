import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createTestStore, testDialects } from '../../test/support/stores.ts';
import { ManualClock } from '../lib/clock.ts';
import type { Store } from '../store/db.ts';
import { ConnectRepository } from '../store/repos/connect.ts';
import { LoginFailureRepository } from '../store/repos/login-failures.ts';
import { SessionRepository } from '../store/repos/sessions.ts';
import { Maintenance } from './maintenance.ts';

for (const dialect of testDialects()) {
  describe(`maintenance (${dialect})`, () => {
    let store: Store;
    before(async () => {
      store = await createTestStore(dialect);
    });
    after(() => store?.close());

    it('deletes expired sessions, OAuth states and old failed logins, keeps the rest', async () => {
      const now = 10_000_000;
      const db = store.db;
      await db
        .insertInto('users')
        .values({
          id: 'usr_1',
          email: 'a@example.test',
          name: null,
          password_hash: null,
          created_at: 1,
        })
        .execute();
      const session = (id: string, expires: number) => ({
        id_hash: id,
        user_id: 'usr_1',
        csrf_token: 'made-up',
        created_at: 1,
        expires_at: expires,
      });
      await db
        .insertInto('sessions')
        .values([session('old', now - 1), session('live', now + 1)])
        .execute();
      const state = (hash: string, expires: number) => ({
        state_hash: hash,
        connect_token_id: 'ctok_1',
        account_id: null,
        code_verifier: null,
        nonce: null,
        created_at: 1,
        expires_at: expires,
        used_at: null,
      });
      await db
        .insertInto('oauth_states')
        .values([state('s-old', now - 1), state('s-live', now + 1)])
        .execute();

      const loginFailures = new LoginFailureRepository(db);
      const windowMs = 900_000;
      await loginFailures.insert('old@example.test', '192.0.2.1', now - windowMs);
      await loginFailures.insert('live@example.test', '192.0.2.1', now - windowMs + 1);

      await new Maintenance({
        connect: new ConnectRepository(db),
        sessions: new SessionRepository(db),
        loginFailures,
        loginWindowMs: windowMs,
        clock: new ManualClock(now),
        log: pino({ level: 'silent' }),
        intervalMs: 60_000,
      }).run();

      const sessions = await db.selectFrom('sessions').select('id_hash').execute();
      assert.deepEqual(
        sessions.map((s) => s.id_hash),
        ['live'],
      );
      const states = await db.selectFrom('oauth_states').select('state_hash').execute();
      assert.deepEqual(
        states.map((s) => s.state_hash),
        ['s-live'],
      );
      const failures = await db.selectFrom('login_failures').select('email').execute();
      assert.deepEqual(
        failures.map((f) => f.email),
        ['live@example.test'],
      );
    });
  });
}
