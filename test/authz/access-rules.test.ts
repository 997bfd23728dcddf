import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../support/stores.ts';
import {
  buildWorld,
  call,
  connectAccount,
  invite,
  keyCaller,
  makeKey,
  type World,
} from './world.ts';

for (const dialect of testDialects()) {
  describe(`who reads which credentials (${dialect})`, () => {
    let world: World;
    let workspaceAccount: string; // connected with the workspace key: nobody owns it
    let endUserAccount: string; // connected for an end user of the product
    let ownersAccount: string; // the owner's own, private

    before(async () => {
      world = await buildWorld(dialect);
      const workspaceKey = keyCaller('workspace key', world.lk.apiKey);
      workspaceAccount = await connectAccount(world.lk, workspaceKey);
      endUserAccount = await connectAccount(world.lk, workspaceKey, undefined, {}, 'cust-1');
      ownersAccount = await connectAccount(world.lk, world.people.owner);
    });
    after(() => world?.lk.close());

    const read = (caller: Parameters<typeof call>[1], id: string) =>
      call(world.lk, caller, 'GET', `/v1/accounts/${id}?include_credentials=1`);

    it('keeps the workspace’s private accounts from members, not from managers', async () => {
      assert.equal((await read(world.people.memberNoShare, workspaceAccount)).status, 404);
      assert.equal((await read(world.people.admin, workspaceAccount)).status, 200);
      assert.equal((await read(world.people.owner, workspaceAccount)).status, 200);
      const list = await call(world.lk, world.people.memberNoShare, 'GET', '/v1/accounts');
      assert.ok(!list.body.data.some((a: any) => a.id === workspaceAccount));
    });

    it('gives end users’ accounts to every member alike, by session or by key', async () => {
      const member = world.people.memberNoShare;
      assert.equal((await read(member, endUserAccount)).status, 200);
      assert.equal((await read(world.callers['memberKey:admin'], endUserAccount)).status, 200);
      assert.equal((await read(world.callers['key:admin'], endUserAccount)).status, 200);
      const list = await call(world.lk, member, 'GET', '/v1/accounts?include_credentials=1');
      const entry = list.body.data.find((a: any) => a.id === endUserAccount);
      assert.ok(entry?.credentials?.api_key);
    });

    it('never lets a member’s key read what the member’s session may not', async () => {
      const session = world.people.memberNoShare;
      const key = world.callers['memberKey:admin'];
      for (const id of [workspaceAccount, ownersAccount, endUserAccount]) {
        const bySession = await read(session, id);
        const byKey = await read(key, id);
        assert.equal(byKey.status, bySession.status, id);
      }
      const sessionList = await call(world.lk, session, 'GET', '/v1/accounts');
      const keyList = await call(world.lk, key, 'GET', '/v1/accounts');
      assert.deepEqual(
        keyList.body.data.map((a: any) => a.id).sort(),
        sessionList.body.data.map((a: any) => a.id).sort(),
      );
    });

    it('does not let the workspace key read a person’s private account', async () => {
      const workspaceKey = keyCaller('workspace key', world.lk.apiKey);
      const res = await read(workspaceKey, ownersAccount);
      assert.equal(res.status, 403);
      assert.equal(
        (await call(world.lk, workspaceKey, 'GET', `/v1/accounts/${ownersAccount}`)).status,
        200,
      );
      const list = await call(world.lk, workspaceKey, 'GET', '/v1/accounts?include_credentials=1');
      assert.equal(list.status, 200);
      const entry = list.body.data.find((a: any) => a.id === ownersAccount);
      assert.equal(entry.credentials, undefined);
      const mine = list.body.data.find((a: any) => a.id === workspaceAccount);
      assert.ok(mine.credentials.api_key);
    });

    it('lists whom each account is shared with by name', async () => {
      const shared = { visibility: 'private', member_ids: [world.people.memberShared.userId] };
      const put = await call(
        world.lk,
        world.people.owner,
        'PUT',
        `/v1/accounts/${ownersAccount}/access`,
        shared,
      );
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const list = await call(world.lk, world.people.owner, 'GET', '/v1/accounts');
      const entry = list.body.data.find((a: any) => a.id === ownersAccount);
      assert.deepEqual(entry.member_ids, [world.people.memberShared.userId]);
      const other = list.body.data.find((a: any) => a.id === workspaceAccount);
      assert.deepEqual(other.member_ids, []);
    });

    it('stops a removed member’s key at once', async () => {
      const leaver = await invite(world.lk, world.people.owner, 'leaver', 'member');
      const key = keyCaller('leaver key', await makeKey(world.lk, leaver, ['admin']));
      assert.equal((await call(world.lk, key, 'GET', '/v1/accounts')).status, 200);
      const removed = await call(
        world.lk,
        world.people.owner,
        'DELETE',
        `/v1/workspace/members/${leaver.userId}`,
      );
      assert.equal(removed.status, 204);
      assert.equal((await call(world.lk, key, 'GET', '/v1/accounts')).status, 401);
    });

    it('lets only an OAuth client’s creator or a manager delete it', async () => {
      const body = { app: 'github', client_id: 'made-up-id', client_secret: 'made-up-secret' };
      const made = await call(world.lk, world.people.owner, 'POST', '/v1/oauth_apps', body);
      assert.equal(made.status, 201);
      const id = made.body.data.id;
      const byMember = await call(
        world.lk,
        world.people.memberShared,
        'DELETE',
        `/v1/oauth_apps/${id}`,
      );
      assert.equal(byMember.status, 403);
      const byAdmin = await call(world.lk, world.people.admin, 'DELETE', `/v1/oauth_apps/${id}`);
      assert.equal(byAdmin.status, 204);
    });
  });
}
