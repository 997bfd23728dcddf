import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountRow } from '../../../test/support/account-row.ts';
import { createTestStore, testDialects } from '../../../test/support/stores.ts';
import type { Store } from '../db.ts';
import { AccountRepository, type Account } from './accounts.ts';
import { ConnectRepository } from './connect.ts';

function account(id: string, createdAt: number, extra: Partial<Account> = {}): Account {
  const credentials = Buffer.from([1, 2, 3]);
  return accountRow(id, {
    credentials,
    refresh_fingerprint: 'fp-1',
    created_at: createdAt,
    ...extra,
  });
}

for (const dialect of testDialects()) {
  describe(`store (${dialect})`, () => {
    let store: Store;
    let accounts: AccountRepository;

    before(async () => {
      store = await createTestStore(dialect);
      accounts = new AccountRepository(store.db);
      await store.db
        .insertInto('workspaces')
        .values([
          { id: 'ws_1', name: 'one', created_at: 1 },
          { id: 'ws_2', name: 'two', created_at: 1 },
        ])
        .execute();
    });
    after(() => store?.close());

    it('round-trips bytes, big times and nulls', async () => {
      const big = Date.UTC(2099, 0, 1);
      await accounts.insert(account('apn_rt', 5, { expires_at: big }));
      const row = await accounts.get('apn_rt');
      assert.equal(row?.expires_at, big);
      assert.deepEqual(Buffer.from(row!.credentials), Buffer.from([1, 2, 3]));
      assert.equal(row?.next_refresh_at, null);
      await accounts.delete('apn_rt');
    });

    it('pages newest first with a keyset that survives equal timestamps', async () => {
      const ids = ['apn_a', 'apn_b', 'apn_c', 'apn_d', 'apn_e'];
      for (const [i, id] of ids.entries()) await accounts.insert(account(id, 100 + (i >> 1)));
      await accounts.insert(account('apn_other', 500, { workspace_id: 'ws_2' }));

      const seen: string[] = [];
      let cursor: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await accounts.list({ workspaceId: 'ws_1', limit: 2, after: cursor });
        seen.push(...page.map((a) => a.id));
        const last = page.at(-1);
        if (page.length < 2 || !last) break;
        cursor = { createdAt: last.created_at, id: last.id };
      }
      assert.deepEqual(seen, ['apn_e', 'apn_d', 'apn_c', 'apn_b', 'apn_a']);
      assert.equal(await accounts.count({ workspaceId: 'ws_1', limit: 1 }), 5);

      const back = await accounts.list({
        workspaceId: 'ws_1',
        limit: 2,
        before: { createdAt: 101, id: 'apn_c' },
      });
      assert.deepEqual(
        back.map((a) => a.id),
        ['apn_e', 'apn_d'],
      );
    });

    it('gives a refresh lease to one holder until it expires', async () => {
      await accounts.insert(account('apn_lease', 1));
      assert.equal(await accounts.tryLease('apn_lease', 'p1', 1000, 2000), true);
      assert.equal(await accounts.tryLease('apn_lease', 'p2', 1500, 2500), false);
      assert.equal(await accounts.tryLease('apn_lease', 'p2', 2001, 3001), true);
      await accounts.releaseLease('apn_lease', 'p1'); // not the holder any more: no effect
      assert.equal((await accounts.get('apn_lease'))?.lease_owner, 'p2');
      await accounts.releaseLease('apn_lease', 'p2');
      assert.equal((await accounts.get('apn_lease'))?.lease_owner, null);
    });

    it('races for a lease have exactly one winner', async () => {
      await accounts.insert(account('apn_race', 1));
      const wins = await Promise.all(
        Array.from({ length: 20 }, (_, i) => accounts.tryLease('apn_race', `p${i}`, 10, 100)),
      );
      assert.equal(wins.filter(Boolean).length, 1);
    });

    it('swaps credentials only while the refresh token is the one sent', async () => {
      await accounts.insert(account('apn_cas', 1));
      const patch = { credentials: Buffer.from([9]), refresh_fingerprint: 'fp-2' };
      assert.equal(await accounts.swapCredentials('apn_cas', 'fp-1', patch), true);
      assert.equal(await accounts.swapCredentials('apn_cas', 'fp-1', patch), false);
      assert.equal((await accounts.get('apn_cas'))?.refresh_fingerprint, 'fp-2');
    });

    it('finds due accounts in due order', async () => {
      await accounts.insert(account('apn_due2', 1, { next_refresh_at: 20 }));
      await accounts.insert(account('apn_due1', 1, { next_refresh_at: 10 }));
      await accounts.insert(account('apn_later', 1, { next_refresh_at: 10_000 }));
      const due = await accounts.due(50, 10);
      assert.deepEqual(
        due.map((d) => d.id),
        ['apn_due1', 'apn_due2'],
      );
    });

    it('hands out an OAuth state once, and never after it expired', async () => {
      const connect = new ConnectRepository(store.db);
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
      await connect.insertState(state('s1', 1000));
      await connect.insertState(state('s2', 1000));
      const takes = await Promise.all([
        connect.consumeState('s1', 5),
        connect.consumeState('s1', 5),
      ]);
      assert.equal(takes.filter(Boolean).length, 1);
      assert.equal(await connect.consumeState('s2', 1000), undefined);
    });
  });
}
