import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';

describe('connect a keys app', () => {
  let lk: TestLatchkey;

  before(async () => {
    lk = await startTestLatchkey();
    const app = await lk.api('POST', '/v1/apps', {
      name_slug: 'weather',
      name: 'Weather <API>',
      auth_type: 'keys',
      fields: [
        { name: 'api_key', label: 'API key', secret: true },
        { name: 'region', label: 'Region', secret: false, optional: true },
      ],
    });
    assert.equal(app.status, 201, JSON.stringify(app.body));
  });

  after(() => lk?.close());

  async function link(body: Record<string, unknown> = {}) {
    const res = await lk.api('POST', '/v1/connect/tokens', { app: 'weather', ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.data as { token: string; connect_link_url: string };
  }

  it('shows a form with the app’s fields, escaped', async () => {
    const { connect_link_url } = await link();
    const res = await fetch(connect_link_url);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /name="api_key" type="password"/);
    assert.match(html, /name="region" type="text"/);
    assert.match(html, /Weather &lt;API&gt;/);
    // The app's name and field labels are the app author's text: isolated, so a direction
    // override in them cannot turn the page's own words around.
    assert.match(html, /<h1>Connect <bdi>Weather &lt;API&gt;<\/bdi><\/h1>/);
    assert.match(html, /<label for="f_api_key"><bdi>API key<\/bdi><\/label>/);
  });

  it('stores the posted fields and serves them under their own names', async () => {
    const { token } = await link({
      external_user_id: 'customer-42',
      success_redirect_uri: 'https://example.com/done',
    });
    const form = new URLSearchParams({ token, api_key: 'made-up-key-123', region: 'eu' });
    const res = await fetch(`${lk.url}/v1/connect/link`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    assert.equal(res.status, 302);
    const accountId = new URL(res.headers.get('location')!).searchParams.get('account_id')!;

    const read = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=true`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.data.credentials, { api_key: 'made-up-key-123', region: 'eu' });
    assert.equal(read.body.data.external_user_id, 'customer-42');
    assert.equal(read.body.data.expires_at, null);
    assert.equal(read.body.data.app.auth_type, 'keys');

    const list = await lk.api('GET', '/v1/accounts?external_user_id=customer-42');
    assert.deepEqual(
      list.body.data.map((a: any) => a.id),
      [accountId],
    );
  });

  it('a connect token works once', async () => {
    const { token } = await link();
    const post = () =>
      fetch(`${lk.url}/v1/connect/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, api_key: 'made-up-key-456' }),
      });
    assert.equal((await post()).status, 200);
    const again = await post();
    assert.equal(again.status, 404);
    assert.equal((await again.json()).code, 'connect_token_invalid');
  });

  it('refuses a form without a required field, and keeps the token usable', async () => {
    const { token } = await link();
    const post = (body: Record<string, string>) =>
      fetch(`${lk.url}/v1/connect/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, ...body }),
      });
    const missing = await post({ region: 'us' });
    assert.equal(missing.status, 400);
    assert.match((await missing.json()).error, /api_key/);
    assert.equal((await post({ api_key: 'made-up-key-789' })).status, 200);
  });

  it('refuses an unknown connect token', async () => {
    const res = await fetch(`${lk.url}/v1/connect/link?token=ctok_nope`);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).code, 'connect_token_invalid');
  });
});
