import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../support/stores.ts';
import {
  anonymous,
  buildWorld,
  call,
  connectAccount,
  keyCaller,
  type Caller,
  type World,
} from './world.ts';

/** Opens a reconnect link made by `caller` for `accountId` and posts new keys. */
async function reconnect(world: World, caller: Caller, accountId: string, externalUserId?: string) {
  const token = await call(world.lk, caller, 'POST', '/v1/connect/tokens', {
    app: 'openai',
    success_redirect_uri: 'http://example.test/done',
    external_user_id: externalUserId,
  });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  return call(world.lk, anonymous, 'POST', '/v1/connect/link', {
    token: token.body.data.token,
    account_id: accountId,
    api_key: 'sk-made-up-reconnected',
  });
}

for (const dialect of testDialects()) {
  describe(`reconnect rights (${dialect})`, () => {
    let world: World;
    let ownersAccount: string;

    before(async () => {
      world = await buildWorld(dialect);
      ownersAccount = await connectAccount(world.lk, world.people.owner);
      // Shared with the whole workspace: members see it, yet may not reconnect it.
      await call(world.lk, world.people.owner, 'PUT', `/v1/accounts/${ownersAccount}/access`, {
        visibility: 'workspace',
        member_ids: [],
      });
    });
    after(() => world?.lk.close());

    it('lets the owner of the account reconnect it, keeping its id', async () => {
      const res = await reconnect(world, world.people.owner, ownersAccount);
      assert.equal(res.status, 302);
      assert.match(res.headers.get('location') ?? '', new RegExp(ownersAccount));
    });

    it('lets a workspace admin reconnect it', async () => {
      const res = await reconnect(world, world.people.admin, ownersAccount);
      assert.equal(res.status, 302);
    });

    it('refuses a member it is shared with, as if it did not exist', async () => {
      const res = await reconnect(world, world.people.memberShared, ownersAccount);
      assert.equal(res.status, 404);
      assert.equal(res.body.code, 'account_not_found');
    });

    it('lets a token for the same end user reconnect that user’s account', async () => {
      const member = world.people.memberShared;
      const external = await connectAccount(world.lk, world.people.owner, undefined, {}, 'cust-7');
      assert.equal((await reconnect(world, member, external, 'cust-7')).status, 302);
      assert.equal((await reconnect(world, member, external, 'cust-8')).status, 404);
    });

    it('never lets a token for one end user overwrite another end user’s account', async () => {
      const alice = await connectAccount(world.lk, world.people.owner, 'sk-alice', {}, 'alice');
      const workspaceKey = keyCaller('workspace key', world.lk.apiKey);
      const res = await reconnect(world, workspaceKey, alice, 'bob');
      assert.equal(res.status, 404);
      const read = await call(
        world.lk,
        workspaceKey,
        'GET',
        `/v1/accounts/${alice}?include_credentials=1`,
      );
      assert.equal(read.body.data.credentials.api_key, 'sk-alice');
      // Nor a token with no end user at all.
      assert.equal((await reconnect(world, world.people.owner, alice)).status, 404);
    });
  });
}
