import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';

/** Every answer here must be a 4xx with the JSON error shape; never a 5xx, never a crash. */
describe('bad input gets a clear 4xx JSON error', () => {
  let lk: TestLatchkey;

  before(async () => {
    lk = await startTestLatchkey();
  });
  after(() => lk?.close());

  async function raw(method: string, path: string, body?: string, type = 'application/json') {
    const res = await fetch(lk.url + path, {
      method,
      headers: { authorization: `Bearer ${lk.apiKey}`, 'content-type': type },
      body,
    });
    const json = await res.json();
    return { status: res.status, json };
  }

  const expectError = (res: { status: number; json: any }, status: number, code?: string) => {
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.equal(typeof res.json.error, 'string');
    assert.match(res.json.request_id, /^req_/);
    if (code) assert.equal(res.json.code, code);
  };

  it('malformed JSON', async () => {
    expectError(await raw('POST', '/v1/apps', '{"name_slug":'), 400, 'invalid_json');
  });

  it('wrong types name the field', async () => {
    const res = await raw(
      'POST',
      '/v1/apps',
      JSON.stringify({ name_slug: 5, name: [], auth_type: 'x' }),
    );
    expectError(res, 400, 'validation_failed');
    assert.match(res.json.error, /name_slug|name|auth_type/);
  });

  it('a huge body', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    expectError(await raw('POST', '/v1/apps', huge), 413, 'payload_too_large');
  });

  it('unknown ids and routes are 404, a malformed path 400', async () => {
    expectError(await raw('GET', '/v1/accounts/apn_doesnotexist'), 404, 'account_not_found');
    expectError(await raw('GET', '/v1/accounts/%00%ff'), 400, 'validation_failed');
    expectError(await raw('GET', '/v1/apps/nope'), 404, 'app_not_found');
    expectError(await raw('DELETE', '/v1/oauth_apps/oa_nope'), 404, 'oauth_app_not_found');
    expectError(await raw('GET', '/v1/nothing-here'), 404, 'not_found');
  });

  it('a very long id is the resource’s 404 whatever the method, a longer one 400 or 404', async () => {
    const long = `apn_${'x'.repeat(300)}`;
    for (const method of ['GET', 'DELETE']) {
      expectError(await raw(method, `/v1/accounts/${long}`), 404, 'account_not_found');
    }
    const huge = `/v1/accounts/apn_${'x'.repeat(5000)}`;
    for (const method of ['GET', 'DELETE']) {
      const res = await raw(method, huge);
      assert.ok(res.status === 400 || res.status === 404, `${method}: ${res.status}`);
      assert.ok(res.json.error.length < 400, 'the answer does not echo the whole path');
    }
  });

  it('bad cursors and limits', async () => {
    expectError(await raw('GET', '/v1/accounts?after=!!!'), 400, 'invalid_cursor');
    expectError(await raw('GET', '/v1/accounts?after=WzEsMl0'), 400, 'invalid_cursor');
    expectError(await raw('GET', '/v1/accounts?limit=0'), 400, 'validation_failed');
    expectError(await raw('GET', '/v1/accounts?limit=101'), 400, 'validation_failed');
    expectError(await raw('GET', '/v1/accounts?include_credentials=yes'), 400);
    expectError(await raw('GET', '/v1/accounts/apn_x?min_ttl=abc'), 400, 'validation_failed');
  });

  it('an OAuth app for an unknown app, and an app with bad URLs', async () => {
    const oa = await raw('POST', '/v1/oauth_apps', JSON.stringify({ app: 'nope', client_id: 'x' }));
    expectError(oa, 404, 'app_not_found');
    const app = await raw(
      'POST',
      '/v1/apps',
      JSON.stringify({
        name_slug: 'plain',
        name: 'Plain',
        auth_type: 'oauth',
        oauth: { authorization_url: 'http://example.com/a', token_url: 'http://example.com/t' },
      }),
    );
    expectError(app, 400, 'validation_failed');
    assert.match(app.json.error, /https/);
  });

  it('an issuer whose discovery fails', async () => {
    const res = await raw(
      'POST',
      '/v1/apps',
      JSON.stringify({
        name_slug: 'gone',
        name: 'Gone',
        auth_type: 'oauth',
        oauth: { issuer: 'http://127.0.0.1:9' },
      }),
    );
    expectError(res, 422, 'discovery_failed');
  });

  it('a duplicate app slug is 409', async () => {
    const body = JSON.stringify({
      name_slug: 'dup',
      name: 'Dup',
      auth_type: 'keys',
      fields: [{ name: 'api_key', label: 'Key' }],
    });
    assert.equal((await raw('POST', '/v1/apps', body)).status, 201);
    expectError(await raw('POST', '/v1/apps', body), 409, 'app_exists');
  });

  it('a connect token for an OAuth app without a client', async () => {
    const res = await raw('POST', '/v1/connect/tokens', JSON.stringify({ app: 'github' }));
    expectError(res, 404, 'oauth_app_not_found');
  });

  it('the callback without or with a forged state shows a page, not a 5xx', async () => {
    for (const q of ['', '?state=forged&code=x', '?error=access_denied']) {
      const res = await fetch(`${lk.url}/v1/connect/callback${q}`);
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    }
  });

  it('no key, a wrong key, a malformed header', async () => {
    for (const authorization of ['', 'Bearer lk_wrong', 'Basic abc', 'Bearer']) {
      const res = await fetch(`${lk.url}/v1/accounts`, { headers: { authorization } });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).code, 'unauthorized');
    }
  });

  it('the process is still serving', async () => {
    assert.equal((await fetch(`${lk.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${lk.url}/readyz`)).status, 200);
    const docs = await fetch(`${lk.url}/docs/json`);
    assert.equal(docs.status, 200);
    const spec = await docs.json();
    assert.ok(spec.paths['/v1/accounts/{id}']);
  });
});
