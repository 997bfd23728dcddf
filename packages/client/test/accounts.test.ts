import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestLatchkey, type TestLatchkey } from '../../../test/support/latchkey.ts';
import { Latchkey, NotFoundError } from '../src/index.ts';
import { addKeysApp, connectKeysAccount, countingFetch } from './support.ts';

describe('accounts listing and management against a running Latchkey', () => {
  let lk: TestLatchkey;
  const ids: string[] = [];

  before(async () => {
    lk = await startTestLatchkey({ env: { LATCHKEY_REFRESH_INTERVAL_MS: '0' } });
    await addKeysApp(lk, 'weather');
    await addKeysApp(lk, 'maps');
    for (let i = 0; i < 7; i += 1) ids.push(await connectKeysAccount(lk, 'weather', `k-${i}`));
    await connectKeysAccount(lk, 'maps', 'k-maps');
  });

  after(() => lk?.close());

  it('iterates every account across pages until end_cursor is null', async () => {
    const counter = countingFetch();
    const latchkey = new Latchkey({ apiKey: lk.apiKey, baseUrl: lk.url, fetch: counter.fetch });

    const seen: string[] = [];
    for await (const account of latchkey.accounts.iterate({ app: 'weather', limit: 3 })) {
      seen.push(account.id);
      assert.equal(account.credentials, undefined);
    }
    assert.deepEqual(new Set(seen), new Set(ids));
    assert.equal(seen.length, 7);
    assert.equal(counter.count('GET /v1/accounts'), 3);
  });

  it('yields pages with page_info, the last with a null end_cursor', async () => {
    const latchkey = new Latchkey({ apiKey: lk.apiKey, baseUrl: lk.url });
    const pages = [];
    for await (const page of latchkey.accounts.pages({ limit: 5 })) pages.push(page);
    assert.deepEqual(
      pages.map((p) => p.data.length),
      [5, 3],
    );
    assert.equal(pages[0]!.page_info.total_count, 8);
    assert.equal(pages.at(-1)!.page_info.end_cursor, null);
  });

  it('deletes an account and forgets its cached credentials', async () => {
    const counter = countingFetch();
    const latchkey = new Latchkey({ apiKey: lk.apiKey, baseUrl: lk.url, fetch: counter.fetch });
    const id = await connectKeysAccount(lk, 'maps', 'k-doomed');
    assert.equal((await latchkey.getCredentials(id)).fields.api_key, 'k-doomed');

    await latchkey.accounts.delete(id);
    await assert.rejects(latchkey.getCredentials(id), NotFoundError);
  });
});

describe('admin lists against a running Latchkey', () => {
  let lk: TestLatchkey;

  before(async () => {
    lk = await startTestLatchkey({ env: { LATCHKEY_REFRESH_INTERVAL_MS: '0' } });
  });

  after(() => lk?.close());

  it('follows every page of API keys, apps and OAuth clients, 100 at a time', async () => {
    const latchkey = new Latchkey({ apiKey: lk.apiKey, baseUrl: lk.url });
    for (let i = 0; i < 104; i += 1) {
      await latchkey.admin.createApiKey({ name: `key ${i}`, scopes: ['accounts:read'] });
    }
    await addKeysApp(lk, 'weather');
    for (let i = 0; i < 3; i += 1) {
      await latchkey.admin.createOAuthApp({
        app: 'github',
        client_id: `made-up-client-${i}`,
        client_secret: 'made-up-secret',
      });
    }

    const counter = countingFetch();
    const counted = new Latchkey({ apiKey: lk.apiKey, baseUrl: lk.url, fetch: counter.fetch });
    const keys = [];
    for await (const key of counted.admin.apiKeys()) keys.push(key);
    assert.equal(keys.length, 105); // the owner key and the 104 made here
    assert.equal(new Set(keys.map((k) => k.id)).size, 105);
    assert.equal(counter.count('GET /v1/api_keys'), 2);

    const slugs = [];
    for await (const app of counted.admin.apps()) slugs.push(app.name_slug);
    assert.ok(slugs.includes('weather') && slugs.includes('github'), slugs.join());

    const clients = [];
    for await (const client of counted.admin.oauthApps({ app: 'github' })) clients.push(client);
    assert.equal(clients.length, 3);
  });

  it('reads one page of apps at a time when asked', async () => {
    const latchkey = new Latchkey({ apiKey: lk.apiKey, baseUrl: lk.url });
    const first = await latchkey.admin.listApps({ limit: 2 });
    assert.equal(first.data.length, 2);
    assert.ok(first.page_info.end_cursor);
    const second = await latchkey.admin.listApps({ limit: 2, after: first.page_info.end_cursor });
    assert.notDeepEqual(
      second.data.map((a) => a.name_slug),
      first.data.map((a) => a.name_slug),
    );
  });
});
