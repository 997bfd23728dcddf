import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AccountDeadError, Latchkey, type Credentials } from '../src/index.ts';
import {
  connectOAuthAccount,
  countingFetch,
  revokeAtProvider,
  startWorld,
  type World,
  clientOf,
} from './support.ts';

const reads = 'GET /v1/accounts/';

/**
 * The upstream API of these tests: the provider's real userinfo endpoint, behind a gate that
 * refuses the tokens in `refused` with `status`, as an API does with a token revoked on its
 * side while the authorization server still considers it live.
 */
function upstream(world: World, refused: Set<string>, status = 401) {
  const used: string[] = [];
  const call = async (c: Credentials) => {
    used.push(c.accessToken!);
    if (refused.has(c.accessToken!)) return { status };
    return world.providers.acme!.userinfo(c.accessToken!);
  };
  return { used, call };
}

describe('withCredentials forcing a refresh when the server hands back the rejected token', () => {
  let world: World;

  before(async () => {
    world = await startWorld({ acme: 3600 });
  });

  after(() => world?.close());

  const client = (counter: ReturnType<typeof countingFetch>, extra = {}) =>
    clientOf(world, counter, extra);
  const grants = () => world.providers.acme!.stats.refreshGrants;

  it('refreshes once on a 401 and calls fn with the new token', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'acme' });
    const counter = countingFetch();
    const latchkey = client(counter);
    const first = await latchkey.getCredentials(id);
    const api = upstream(world, new Set([first.accessToken!]));
    const before = grants();

    const answer = await latchkey.withCredentials(id, api.call);

    assert.equal(answer.status, 200);
    assert.equal(api.used.length, 2);
    assert.equal(api.used[0], first.accessToken);
    assert.notEqual(api.used[1], first.accessToken);
    assert.equal(grants() - before, 1);
    assert.equal(counter.count(`POST /v1/accounts/${id}/refresh`), 1);
    assert.equal(counter.count(reads), 3); // the first read, the refetch, the read after refresh
    assert.equal((await latchkey.getCredentials(id)).accessToken, api.used[1]);
    assert.equal(counter.count(reads), 3);
  });

  it('shares one forced refresh among 50 callers rejected together', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'acme' });
    const counter = countingFetch();
    const latchkey = client(counter);
    const first = await latchkey.getCredentials(id);
    const api = upstream(world, new Set([first.accessToken!]));
    const before = grants();

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => latchkey.withCredentials(id, api.call)),
    );

    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(grants() - before, 1);
    assert.equal(counter.count(`POST /v1/accounts/${id}/refresh`), 1);
    const retried = new Set(api.used.filter((t) => t !== first.accessToken));
    assert.equal(retried.size, 1);
  });

  it('does not force a refresh on a 403 unless told to', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'acme' });
    const counter = countingFetch();
    const latchkey = client(counter);
    const first = await latchkey.getCredentials(id);
    const api = upstream(world, new Set([first.accessToken!]), 403);
    const before = grants();

    const answer = await latchkey.withCredentials(id, api.call);
    assert.equal(answer.status, 403);
    assert.deepEqual(api.used, [first.accessToken, first.accessToken]);
    assert.equal(counter.count('POST '), 0);
    assert.equal(grants(), before);

    const told = await latchkey.withCredentials(id, api.call, { forceRefreshOn: 'rejected' });
    assert.equal(told.status, 200);
    assert.notEqual(api.used[3], first.accessToken);
    assert.equal(counter.count('POST '), 1);
    assert.equal(grants() - before, 1);
  });

  it('forces no refresh with forceRefreshOn "never"', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'acme' });
    const counter = countingFetch();
    const latchkey = client(counter, { forceRefreshOn: 'never' });
    const first = await latchkey.getCredentials(id);
    const api = upstream(world, new Set([first.accessToken!]));

    const answer = await latchkey.withCredentials(id, api.call);
    assert.equal(answer.status, 401);
    assert.deepEqual(api.used, [first.accessToken, first.accessToken]);
    assert.equal(counter.count('POST '), 0);
  });

  it('forces at most one refresh per account per interval', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'acme' });
    const counter = countingFetch();
    let now = Date.now();
    const latchkey = client(counter, { now: () => now });
    const refused = new Set<string>();
    const api = upstream(world, refused);
    // An upstream that rejects every token it is shown, whatever the refresh does.
    const rejectAll = (c: Credentials) => {
      refused.add(c.accessToken!);
      return api.call(c);
    };
    const before = grants();

    assert.equal((await latchkey.withCredentials(id, rejectAll)).status, 401);
    assert.equal((await latchkey.withCredentials(id, rejectAll)).status, 401);
    assert.equal(counter.count('POST '), 1);
    assert.equal(grants() - before, 1);
    assert.equal(api.used.length, 4);
    assert.equal(new Set(api.used).size, 2); // the second call had no new token to try

    now += 59_000;
    await latchkey.withCredentials(id, rejectAll);
    assert.equal(counter.count('POST '), 1);

    now += 2_000;
    await latchkey.withCredentials(id, rejectAll);
    assert.equal(counter.count('POST '), 2);
    assert.equal(grants() - before, 2);
  });

  it('falls back to the refetched token when the key lacks accounts:write', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'acme' });
    const created = await world.lk.api('POST', '/v1/api_keys', {
      name: 'reader',
      scopes: ['accounts:read', 'credentials:read'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const statuses: number[] = [];
    const counter = countingFetch(async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST') statuses.push(response.status);
      return response;
    });
    const latchkey = new Latchkey({
      apiKey: created.body.data.secret,
      baseUrl: world.lk.url,
      fetch: counter.fetch,
    });
    const first = await latchkey.getCredentials(id);
    const api = upstream(world, new Set([first.accessToken!]));
    const before = grants();

    const answer = await latchkey.withCredentials(id, api.call);
    assert.equal(answer.status, 401);
    assert.deepEqual(api.used, [first.accessToken, first.accessToken]);
    assert.deepEqual(statuses, [403]); // asked, and refused
    assert.equal(grants(), before);
  });

  it('falls back at once when the server has no refresh route or cannot refresh now', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'acme' });
    const answers = [
      // Pipedream's API, for one, has no such route.
      () => Response.json({ error: 'Not found' }, { status: 404 }),
      () =>
        Response.json(
          { error: 'The refresh failed.', code: 'refresh_unavailable' },
          { status: 503, headers: { 'retry-after': '30' } },
        ),
    ];
    for (const answer of answers) {
      const counter = countingFetch((input, init) =>
        init?.method === 'POST' ? Promise.resolve(answer()) : fetch(input, init),
      );
      const latchkey = client(counter);
      const first = await latchkey.getCredentials(id);
      const api = upstream(world, new Set([first.accessToken!]));

      const started = Date.now();
      const result = await latchkey.withCredentials(id, api.call);
      assert.ok(Date.now() - started < 2000, 'waited for Retry-After');
      assert.equal(result.status, 401);
      assert.deepEqual(api.used, [first.accessToken, first.accessToken]);
      assert.equal(counter.count('POST '), 1);
    }
  });

  it('throws AccountDeadError when the grant was revoked at the provider', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'acme' });
    const latchkey = client(countingFetch());
    const first = await latchkey.getCredentials(id);
    // Revoking the access token revokes its whole grant, refresh token included.
    await revokeAtProvider(world.providers.acme!, first.accessToken!);

    let calls = 0;
    await assert.rejects(
      latchkey.withCredentials(id, (c) => {
        calls += 1;
        return world.providers.acme!.userinfo(c.accessToken!);
      }),
      AccountDeadError,
    );
    assert.equal(calls, 1);
    await assert.rejects(latchkey.getCredentials(id), AccountDeadError);
  });
});
