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
