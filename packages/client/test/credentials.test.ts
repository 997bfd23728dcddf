import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encryptedCache, Latchkey, memoryStorage, type Credentials } from '../src/index.ts';
import {
  addKeysApp,
  connectKeysAccount,
  connectOAuthAccount,
  countingFetch,
  startWorld,
  type World,
  clientOf,
} from './support.ts';

const reads = 'GET /v1/accounts/';

describe('getCredentials against a running Latchkey', () => {
  let world: World;
  let longLived: string; // provider `acme`: one-hour tokens
  let shortLived: string; // provider `brief`: four-second tokens

  before(async () => {
    world = await startWorld({ acme: 3600, brief: 4 });
    longLived = await connectOAuthAccount(world.lk, { app: 'acme' });
    shortLived = await connectOAuthAccount(world.lk, { app: 'brief' });
    await addKeysApp(world.lk, 'weather');
  });

  after(() => world?.close());

  const client = (counter: ReturnType<typeof countingFetch>, extra = {}) =>
    clientOf(world, counter, extra);

  it('serves a token that works at the provider, then serves it from memory', async () => {
    const counter = countingFetch();
    const latchkey = client(counter);

    const first = await latchkey.getCredentials(longLived);
    assert.equal((await world.providers.acme!.userinfo(first.accessToken!)).status, 200);
    assert.ok(first.expiresAt && first.expiresAt.getTime() > Date.now() + 3000_000);
    assert.equal(first.fields.oauth_client_id, 'latchkey-e2e');

    for (let i = 0; i < 5; i += 1) {
      assert.equal(await latchkey.getCredentials(longLived), first);
    }
    assert.equal(counter.count(reads), 1);
  });

  it('sends one request for 50 concurrent callers of one account', async () => {
    const counter = countingFetch();
    const latchkey = client(counter);

    const all = await Promise.all(
      Array.from({ length: 50 }, () => latchkey.getCredentials(longLived)),
    );
    assert.equal(new Set(all.map((c) => c.accessToken)).size, 1);
    assert.equal(counter.count(reads), 1);
  });

  it('asks again when a caller needs a longer life than the cached token has left', async () => {
    const counter = countingFetch();
    let now = Date.now();
    const latchkey = client(counter, { now: () => now });

    await latchkey.getCredentials(longLived);
    now += 50 * 60_000; // ten minutes of the hour left
    await latchkey.getCredentials(longLived, { minTtl: 60 });
    assert.equal(counter.count(reads), 1);
    await latchkey.getCredentials(longLived, { minTtl: 15 * 60 });
    assert.equal(counter.count(reads), 2);
  });

  it('refetches after expiry and gets the refreshed token', async () => {
    const counter = countingFetch();
    const latchkey = client(counter, { skewSeconds: 1 });
    const before = world.providers.brief!.stats.refreshGrants;

    const first = await latchkey.getCredentials(shortLived, { minTtl: 1 });
    const left = first.expiresAt!.getTime() - Date.now();
    assert.ok(left > 2000 && left <= 4000, `${left} ms left`);
    assert.equal(await latchkey.getCredentials(shortLived, { minTtl: 1 }), first);
    assert.equal(counter.count(reads), 1);

    // Stale one skew before expiry; the server then holds a token with less than min_ttl.
    await sleep(left - 900);
    const second = await latchkey.getCredentials(shortLived, { minTtl: 1 });
    assert.equal(counter.count(reads), 2);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.ok(second.expiresAt! > first.expiresAt!);
    assert.ok(world.providers.brief!.stats.refreshGrants > before);
    assert.equal((await world.providers.brief!.userinfo(second.accessToken!)).status, 200);
  });

  it('caches credentials without expires_at until invalidated', async () => {
    const id = await connectKeysAccount(world.lk, 'weather', 'made-up-weather-key-1');
    const counter = countingFetch();
    let now = Date.now();
    const latchkey = client(counter, { now: () => now });

    const first = await latchkey.getCredentials(id);
    assert.equal(first.expiresAt, null);
    assert.equal(first.accessToken, null);
    assert.equal(first.fields.api_key, 'made-up-weather-key-1');
    now += 365 * 86400_000;
    await latchkey.getCredentials(id);
    assert.equal(counter.count(reads), 1);

    await latchkey.invalidate(id);
    await latchkey.getCredentials(id);
    assert.equal(counter.count(reads), 2);
  });
});

describe('withCredentials against a running Latchkey and a real upstream API', () => {
  let world: World;
  let upstream: { url: string; accepted: string; close(): Promise<void> };
  let oauthAccount: string;

  before(async () => {
    world = await startWorld({ acme: 3600 });
    oauthAccount = await connectOAuthAccount(world.lk, { app: 'acme' });
    await addKeysApp(world.lk, 'weather');
    upstream = await startUpstream();
  });

  after(async () => {
    await upstream?.close();
    await world?.close();
  });

  const client = (counter: ReturnType<typeof countingFetch>, extra = {}) =>
    clientOf(world, counter, extra);

  const callUpstream = (c: Credentials) =>
    fetch(upstream.url, { headers: { authorization: `Bearer ${c.fields.api_key}` } });

  it('drops a key the upstream rejects and retries once with the one stored now', async () => {
    const id = await connectKeysAccount(world.lk, 'weather', 'made-up-key-old');
    const counter = countingFetch();
    const latchkey = client(counter);
    await latchkey.getCredentials(id);

    // The user replaces their key (a reconnect keeps the account id); the old one stops working.
    await connectKeysAccount(world.lk, 'weather', 'made-up-key-new', id);
    upstream.accepted = 'made-up-key-new';

    const used: string[] = [];
    const answer = await latchkey.withCredentials(id, (c) => {
      used.push(c.fields.api_key!);
      return callUpstream(c);
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(used, ['made-up-key-old', 'made-up-key-new']);
    assert.equal(counter.count(reads), 2);

    // The new key is what the cache holds now.
    assert.equal((await latchkey.getCredentials(id)).fields.api_key, 'made-up-key-new');
    assert.equal(counter.count(reads), 2);
  });

  it('refetches once for 50 callers rejected together', async () => {
    const id = await connectKeysAccount(world.lk, 'weather', 'made-up-key-a');
    const counter = countingFetch();
    const latchkey = client(counter);
    await latchkey.getCredentials(id);
    await connectKeysAccount(world.lk, 'weather', 'made-up-key-b', id);
    upstream.accepted = 'made-up-key-b';

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => latchkey.withCredentials(id, callUpstream)),
    );
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(counter.count(reads), 2);
  });

  it('recovers from a stale token left in the persistent cache by an earlier process', async () => {
    const storage = memoryStorage();
    const cache = encryptedCache({ key: crypto.getRandomValues(new Uint8Array(32)), storage });
    const real = await client(countingFetch()).getCredentials(oauthAccount);
    await cache.set(oauthAccount, { ...real, accessToken: 'made-up-revoked-token' });

    const counter = countingFetch();
    const latchkey = client(counter, { cache });
    const acme = world.providers.acme!;
    const answer = await latchkey.withCredentials(oauthAccount, (c) =>
      acme.userinfo(c.accessToken!),
    );
    assert.equal(answer.status, 200);
    assert.equal(counter.count(reads), 1);
    assert.equal((await cache.get(oauthAccount))?.accessToken, real.accessToken);
  });

  it('retries on a thrown error the caller’s predicate recognises, and only once', async () => {
    const latchkey = client(countingFetch());
    let calls = 0;
    await assert.rejects(
      latchkey.withCredentials(
        oauthAccount,
        async () => {
          calls += 1;
          throw new Error('upstream says: token_expired');
        },
        { isRejected: (e) => e instanceof Error && e.message.includes('token_expired') },
      ),
      /token_expired/,
    );
    assert.equal(calls, 2);
  });

  it('does not retry other failures', async () => {
    const latchkey = client(countingFetch());
    let calls = 0;
    const answer = await latchkey.withCredentials(oauthAccount, async () => {
      calls += 1;
      return { status: 500 };
    });
    assert.equal(answer.status, 500);
    assert.equal(calls, 1);
  });
});

/** An upstream API that accepts one bearer key and answers 401 to any other. */
async function startUpstream() {
  const state = { accepted: '' };
  const server = createServer((req, res) => {
    const ok = req.headers.authorization === `Bearer ${state.accepted}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { forecast: 'sunny' } : { error: 'bad key' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/forecast`,
    get accepted() {
      return state.accepted;
    },
    set accepted(value: string) {
      state.accepted = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('encryptedCache as the persistent cache', () => {
  let world: World;
  let accountId: string;

  before(async () => {
    world = await startWorld({ acme: 3600 });
    accountId = await connectOAuthAccount(world.lk, { app: 'acme' });
  });

  after(() => world?.close());

  const key = crypto.getRandomValues(new Uint8Array(32));

  it('serves a restarted process from the cache, and stores no token in the clear', async () => {
    const storage = memoryStorage();
    const counter = countingFetch();
    const make = () =>
      new Latchkey({
        apiKey: world.lk.apiKey,
        baseUrl: world.lk.url,
        fetch: counter.fetch,
        cache: encryptedCache({ key, storage }),
      });

    const first = await make().getCredentials(accountId);
    const again = await make().getCredentials(accountId); // a new process, same storage
    assert.equal(again.accessToken, first.accessToken);
    assert.equal(again.expiresAt?.getTime(), first.expiresAt?.getTime());
    assert.equal(counter.count('GET /v1/accounts/'), 1);

    const stored = [...storage.map.values()].join('\n');
    assert.ok(!stored.includes(first.accessToken!));
    assert.ok(!stored.includes(first.fields.oauth_refresh_token!));
    assert.match(stored, /^v1\.[\w+/=]+\.[\w+/=]+$/);
  });

  it('treats an entry under another key, or moved to another account, as a miss', async () => {
    const storage = memoryStorage();
    await encryptedCache({ key, storage }).set('apn_a', {
      accountId: 'apn_a',
      accessToken: 'made-up-token',
      fields: {},
      expiresAt: null,
      fetchedAt: new Date(),
    });
    const other = encryptedCache({ key: crypto.getRandomValues(new Uint8Array(32)), storage });
    assert.equal(await other.get('apn_a'), undefined);

    const same = encryptedCache({ key, storage });
    assert.equal((await same.get('apn_a'))?.accessToken, 'made-up-token');
    storage.map.set('latchkey-credentials:apn_b', storage.map.get('latchkey-credentials:apn_a')!);
    assert.equal(await same.get('apn_b'), undefined);
  });

  it('forgets the persisted entry on invalidate', async () => {
    const storage = memoryStorage();
    const latchkey = new Latchkey({
      apiKey: world.lk.apiKey,
      baseUrl: world.lk.url,
      cache: encryptedCache({ key, storage }),
    });
    await latchkey.getCredentials(accountId);
    assert.equal(storage.map.size, 1);
    await latchkey.invalidate(accountId);
    assert.equal(storage.map.size, 0);
  });
});
