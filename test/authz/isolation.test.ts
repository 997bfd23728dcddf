import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../support/stores.ts';
import { buildWorld, call, connectAccount, keyCaller, makeKey, type World } from './world.ts';

const sentinel = 'sk-SENTINEL-never-in-audit-or-logs';

for (const dialect of testDialects()) {
  describe(`workspace isolation (${dialect})`, () => {
    let w: World;
    const inA: string[] = [];
    const inB: string[] = [];

    before(async () => {
      w = await buildWorld(dialect);
      const { owner, otherOwner } = w.people;
      for (let i = 0; i < 3; i++) {
        inA.push(await connectAccount(w.lk, owner, i === 0 ? sentinel : undefined, {}, 'ext-1'));
        inB.push(await connectAccount(w.lk, otherOwner, undefined, {}, 'ext-1'));
      }
    });

    after(() => w.lk.close());

    it('lists only the caller’s workspace, with or without filters', async () => {
      const b = w.people.otherOwner;
      for (const query of ['', '?external_user_id=ext-1', '?app=openai', '?limit=100']) {
        const res = await call(w.lk, b, 'GET', `/v1/accounts${query}`);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body.data.map((a: any) => a.id).sort(), [...inB].sort(), query);
        assert.equal(res.body.page_info.total_count, 3, query);
      }
    });

    it('does not let a cursor from another workspace reach across', async () => {
      const a = await call(w.lk, w.people.owner, 'GET', '/v1/accounts?limit=1');
      const cursor = a.body.page_info.end_cursor as string;
      assert.ok(cursor);
      for (const dir of ['after', 'before']) {
        const res = await call(w.lk, w.people.otherOwner, 'GET', `/v1/accounts?${dir}=${cursor}`);
        assert.equal(res.status, 200);
        for (const row of res.body.data) assert.ok(inB.includes(row.id), `${dir}: ${row.id}`);
      }
      // Walking B's pages one by one reaches B's accounts only, each once.
      const seen: string[] = [];
      let next: string | null = null;
      do {
        const q: string = next ? `&after=${next}` : '';
        const page = await call(w.lk, w.people.otherOwner, 'GET', `/v1/accounts?limit=1${q}`);
        seen.push(...page.body.data.map((r: any) => r.id));
        next = page.body.page_info.end_cursor;
      } while (next);
      assert.deepEqual(seen.sort(), [...inB].sort());
    });

    it('answers 404 for another workspace’s account on every account route', async () => {
      const b = w.people.otherOwner;
      const id = inA[0]!;
      const tries: [string, string, unknown?][] = [
        ['GET', `/v1/accounts/${id}`],
        ['GET', `/v1/accounts/${id}?include_credentials=1`],
        ['POST', `/v1/accounts/${id}/refresh`],
        ['GET', `/v1/accounts/${id}/access`],
        ['PUT', `/v1/accounts/${id}/access`, { visibility: 'workspace' }],
        ['DELETE', `/v1/accounts/${id}`],
      ];
      for (const [method, path, body] of tries) {
        const res = await call(w.lk, b, method, path, body);
        assert.equal(res.status, 404, `${method} ${path}`);
        assert.equal(res.body.code, 'account_not_found');
      }
    });

    it('keeps audit events, their filters and cursors inside the workspace', async () => {
      const read = await call(
        w.lk,
        w.people.owner,
        'GET',
        `/v1/accounts/${inA[0]}?include_credentials=1`,
      );
      assert.equal(read.body.data.credentials.api_key, sentinel);

      const mine = await call(w.lk, w.people.owner, 'GET', `/v1/audit_events?account_id=${inA[0]}`);
      const actions = mine.body.data.map((e: any) => e.action);
      assert.ok(actions.includes('credentials.read'), actions.join());
      assert.ok(actions.includes('account.connected'), actions.join());

      const filtered = await call(
        w.lk,
        w.people.owner,
        'GET',
        '/v1/audit_events?action=credentials.read',
      );
      assert.ok(filtered.body.data.every((e: any) => e.action === 'credentials.read'));
      assert.ok(filtered.body.data.every((e: any) => e.actor.id === w.people.owner.userId));

      const b = w.people.otherOwner;
      const byAccount = await call(w.lk, b, 'GET', `/v1/audit_events?account_id=${inA[0]}`);
      assert.deepEqual(byAccount.body.data, []);
      // A's owner did act in B (made it, invited B's owner, left): only those events show.
      const byActor = await call(
        w.lk,
        b,
        'GET',
        `/v1/audit_events?actor_id=${w.people.owner.userId}`,
      );
      const inBoth = byActor.body.data.map((e: any) => e.action).sort();
      assert.deepEqual(inBoth, ['member.invited', 'member.removed', 'workspace.created']);

      const first = await call(w.lk, w.people.owner, 'GET', '/v1/audit_events?limit=1');
      const cursor = first.body.page_info.end_cursor;
      const across = await call(w.lk, b, 'GET', `/v1/audit_events?after=${cursor}&limit=100`);
      const ids = new Set(first.body.data.map((e: any) => e.id));
      for (const e of across.body.data) {
        assert.ok(!ids.has(e.id));
        assert.notEqual(e.account_id, inA[0]);
      }

      const all = await call(w.lk, w.people.owner, 'GET', '/v1/audit_events?limit=100');
      assert.ok(!JSON.stringify(all.body).includes(sentinel), 'no secret in an audit event');
      assert.ok(!w.lk.logs().includes(sentinel), 'no secret in the logs');
    });

    it('refuses a workspace header that names a workspace the caller is not in', async () => {
      const header = { 'x-latchkey-workspace': w.workspaceB };
      const session = await call(w.lk, w.people.owner, 'GET', '/v1/accounts', undefined, header);
      assert.equal(session.status, 404);
      const key = keyCaller('admin key', await makeKey(w.lk, w.people.owner, ['admin']));
      const viaKey = await call(w.lk, key, 'GET', '/v1/accounts', undefined, header);
      assert.equal(viaKey.status, 404);
    });

    it('lets a key read an external user’s account, but not a private one', async () => {
      const key = keyCaller(
        'reader',
        await makeKey(w.lk, w.people.memberNoShare, ['accounts:read', 'credentials:read']),
      );
      const external = await connectAccount(w.lk, w.people.owner, 'sk-ext', {}, 'end-user-9');
      const ok = await call(w.lk, key, 'GET', `/v1/accounts/${external}?include_credentials=1`);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.data.credentials.api_key, 'sk-ext');
      assert.equal(ok.body.data.owner_user_id, null);
      const private_ = await connectAccount(w.lk, w.people.owner);
      const hidden = await call(w.lk, key, 'GET', `/v1/accounts/${private_}`);
      assert.equal(hidden.status, 404);
    });
  });
}
