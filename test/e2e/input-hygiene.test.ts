import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestJson } from '../support/http.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';

// What a hostile tester found: each answer is a clear 4xx that names the problem.
describe('input hygiene', () => {
  let lk: TestLatchkey;
  let readOnlyKey: string;
  let accountId: string;
  const call = (method: string, path: string, body?: unknown, key = lk.apiKey) =>
    requestJson(lk.url + path, method, body, { authorization: `Bearer ${key}` });

  before(async () => {
    lk = await startTestLatchkey();
    const key = await call('POST', '/v1/api_keys', { name: 'ro', scopes: ['accounts:read'] });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    readOnlyKey = key.body.data.secret;

    const app = await call('POST', '/v1/apps', {
      name_slug: 'pasted',
      name: 'Pasted',
      auth_type: 'keys',
      fields: [{ name: 'api_key', label: 'API key', secret: true }],
    });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    const token = await call('POST', '/v1/connect/tokens', { app: 'pasted' });
    const done = await requestJson(`${lk.url}/v1/connect/link`, 'POST', {
      token: token.body.data.token,
      api_key: 'made-up-key-0123',
    });
    assert.equal(done.status, 200, String(done.body));
    const listed = await call('GET', '/v1/accounts');
    accountId = listed.body.data[0].id;
  });
  after(() => lk?.close());

  describe('a key without the scope is refused before its body is looked at', () => {
    for (const [path, body] of [
      ['/v1/apps', {}],
      ['/v1/oauth_apps', {}],
      ['/v1/api_keys', { nonsense: true }],
      ['/v1/workspace/members', {}],
      ['/v1/connect/tokens', { app: 'pasted', bogus: 1 }],
      ['/v1/connect/tokens/status', { tokenx: 1 }],
      ['/v1/workspaces', { namex: 1 }],
    ] as const) {
      it(`POST ${path} with an invalid body: 403`, async () => {
        const res = await call('POST', path, body, readOnlyKey);
        assert.equal(res.status, 403, JSON.stringify(res.body));
        assert.equal(res.body.code, 'forbidden');
        assert.match(res.body.error, /scope/);
      });
    }

    for (const path of [
      '/v1/api_keys?limit=0',
      '/v1/audit_events?limit=0',
      '/v1/workspace/invitations?limit=0',
    ]) {
      it(`GET ${path}: 403 before the query string is looked at`, async () => {
        const res = await call('GET', path, undefined, readOnlyKey);
        assert.equal(res.status, 403, JSON.stringify(res.body));
      });
    }

    it('an apps:write key: 403 on account and client lists, whatever the query', async () => {
      const made = await call('POST', '/v1/api_keys', { name: 'apps', scopes: ['apps:write'] });
      const appsOnly = made.body.data.secret as string;
      for (const path of [
        '/v1/oauth_apps?limit=0',
        '/v1/accounts?limit=0',
        `/v1/accounts/${accountId}?min_ttl=abc`,
      ]) {
        const res = await call('GET', path, undefined, appsOnly);
        assert.equal(res.status, 403, `${path}: ${JSON.stringify(res.body)}`);
      }
    });

    it('the same body with the scope is a 400 naming the field', async () => {
      const res = await call('POST', '/v1/apps', {});
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'validation_failed');
      assert.match(res.body.error, /name_slug/);
    });
  });

  describe('POST /v1/accounts/:id/refresh takes no body', () => {
    it('accepts no body, an empty object or null', async () => {
      for (const body of [undefined, {}, null]) {
        const res = await call('POST', `/v1/accounts/${accountId}/refresh`, body);
        assert.equal(res.status, 200, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      }
    });

    it('refuses a field it does not know', async () => {
      const res = await call('POST', `/v1/accounts/${accountId}/refresh`, { force: true });
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'validation_failed');
      assert.match(res.body.error, /body\.force is not a known property/);
    });
  });

  it('a form field or query parameter sent twice is named as such', async () => {
    const token = await call('POST', '/v1/connect/tokens', { app: 'pasted' });
    const form = await fetch(`${lk.url}/v1/connect/link`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: `token=${token.body.data.token}&api_key=a&api_key=b`,
    });
    assert.equal(form.status, 400);
    assert.match(await form.text(), /api_key was sent more than once/);
    const query = await call('GET', '/v1/accounts?limit=1&limit=2');
    assert.equal(query.status, 400);
    assert.match(query.body.error, /^querystring\.limit was sent more than once/);
  });

  it('a __proto__ key is refused as such, not as broken JSON', async () => {
    const res = await fetch(`${lk.url}/v1/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lk.apiKey}`, 'content-type': 'application/json' },
      body: '{"__proto__":{"admin":true},"name_slug":"proto","name":"P","auth_type":"keys"}',
    });
    const body = await res.json();
    assert.equal(res.status, 400);
    assert.equal(body.code, 'validation_failed');
    assert.match(body.error, /__proto__/);
    assert.equal((await call('GET', '/v1/apps/proto')).status, 404);
  });

  describe('OAuth scopes are RFC 6749 scope tokens', () => {
    for (const scope of ['', 'repo gist', 'say "hi"', 'back\\slash', 'ünïcode']) {
      it(`refuses ${JSON.stringify(scope)}`, async () => {
        const res = await call('POST', '/v1/oauth_apps', {
          app: 'github',
          client_id: 'made-up-id',
          client_secret: 'made-up-secret',
          scopes: ['repo', scope],
        });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.match(res.body.error, /^body\.scopes\.1 must (be a scope|NOT have fewer)/);
      });
    }

    it('accepts URL-shaped and colon scopes', async () => {
      const scopes = ['https://www.googleapis.com/auth/drive.readonly', 'read:user', 'offline'];
      const res = await call('POST', '/v1/oauth_apps', {
        app: 'github',
        client_id: 'made-up-id',
        client_secret: 'made-up-secret',
        scopes,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(res.body.data.scopes, scopes);
    });
  });

  describe('very long ids', () => {
    const long = 'a'.repeat(5000);
    for (const [method, path] of [
      ['GET', `/v1/accounts/apn_${long}`],
      ['DELETE', `/v1/oauth_apps/oa_${long}`],
      ['DELETE', `/v1/api_keys/key_${long}`],
    ] as const) {
      it(`${method} ${path.slice(0, 20)}…: 400 naming the id, without echoing it`, async () => {
        const res = await call(method, path);
        assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
        assert.equal(res.body.code, 'validation_failed');
        assert.match(res.body.error, /params\.id/);
        assert.ok(!res.body.error.includes('aaaaaaaaaa'));
      });
    }
  });
});
