import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { testDialects } from '../support/stores.ts';

// PostgreSQL cannot store U+0000 in text and SQLite would; a lone surrogate comes back changed:
// both databases refuse such text up front, the same way.
for (const dialect of testDialects()) {
  describe(`NUL, control and bidi-override characters in any input are a 400 (${dialect})`, () => {
    let lk: TestLatchkey;
    before(async () => {
      lk = await startTestLatchkey({ dialect });
    });
    after(() => lk?.close());

    async function send(method: string, path: string, body?: unknown, auth = true) {
      const res = await fetch(lk.url + path, {
        method,
        headers: {
          ...(auth ? { authorization: `Bearer ${lk.apiKey}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    }

    const nul = 'a\u0000b';
    const cases: [string, string, unknown?, boolean?][] = [
      ['POST', '/v1/auth/login', { email: `x${nul}@example.test`, password: 'long enough' }, false],
      [
        'POST',
        '/v1/auth/signup',
        { email: 'n@example.test', password: 'long enough 1', name: nul },
        false,
      ],
      ['POST', '/v1/api_keys', { name: nul, scopes: ['accounts:read'] }],
      ['POST', '/v1/apps', { name_slug: 'nul', name: nul, auth_type: 'keys', fields: [] }],
      ['POST', '/v1/workspace/members', { email: `m${nul}@example.test`, role: 'member' }],
      ['POST', '/v1/connect/tokens', { app: 'github', [`k${nul}`]: 1 }],
      ['GET', '/v1/accounts?external_user_id=a%00b'],
      ['GET', '/v1/accounts?app=a%00b'],
      ['GET', '/v1/accounts/apn_%00'],
      ['GET', '/v1/apps/x%00'],
      ['GET', '/v1/audit_events?action=a%00b'],
      ['DELETE', '/v1/oauth_apps/oa_%00'],
      ['DELETE', '/v1/api_keys/key_%00'],
      // A lone surrogate would be stored as something else than what was acknowledged.
      ['POST', '/v1/apps', { name_slug: 'half', name: 'a\ud800b', auth_type: 'keys', fields: [] }],
      ['POST', '/v1/api_keys', { name: 'a\udc00', scopes: ['accounts:read'] }],
      // Other control characters and bidi overrides would disguise a name on a trusted page.
      ['POST', '/v1/apps', { name_slug: 'esc', name: 'a\u001b[31mred', auth_type: 'keys' }],
      ['POST', '/v1/apps', { name_slug: 'rlo', name: '\u202egnp.exe', auth_type: 'keys' }],
      ['POST', '/v1/apps', { name_slug: 'lri', name: 'a\u2066b', auth_type: 'keys' }],
      ['POST', '/v1/api_keys', { name: 'bell\u0007', scopes: ['accounts:read'] }],
      ['POST', '/v1/api_keys', { name: 'c1\u0085', scopes: ['accounts:read'] }],
      ['POST', '/v1/api_keys', { name: 'del\u007f', scopes: ['accounts:read'] }],
      ['GET', '/v1/accounts?external_user_id=a%1Bb'],
    ];

    for (const [method, path, body, auth] of cases) {
      const shown = body ? ` with ${JSON.stringify(body).slice(0, 40)}` : '';
      it(`${method} ${path}${shown}`, async () => {
        const res = await send(method, path, body, auth ?? true);
        assert.equal(res.status, 400, JSON.stringify(res.json));
        assert.equal(res.json.code, 'validation_failed');
        assert.match(res.json.request_id, /^req_/);
      });
    }

    it('names where the refused text is', async () => {
      const cases: [string, string, unknown, RegExp][] = [
        ['POST', '/v1/api_keys', { name: 'a\u202eb', scopes: ['r'] }, /^body\.name must/],
        ['POST', '/v1/api_keys', { name: 'ok', ['na\u202eme']: 1 }, /^a key in body must/],
        ['POST', '/v1/apps', { fields: [{ label: 'x\u0007' }] }, /^body\.fields\.0\.label/],
        ['GET', '/v1/accounts?external_user_id=a%E2%80%AE', undefined, /^querystring\./],
      ];
      for (const [method, path, body, where] of cases) {
        const res = await send(method, path, body);
        assert.equal(res.status, 400);
        assert.match(res.json.error, where);
      }
    });

    it('keeps tabs, line breaks and right-to-left text', async () => {
      const name = 'two\tlines\r\nעברית \u200fمرحبا';
      const res = await send('POST', '/v1/apps', {
        name_slug: 'rtl',
        name,
        auth_type: 'keys',
        fields: [{ name: 'pem', label: 'Key' }],
      });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      assert.equal(res.json.data.name, name);
    });

    it('logs no error and keeps serving', async () => {
      assert.equal(lk.logs().includes('"level":50'), false, 'an error was logged');
      assert.equal((await send('GET', '/v1/accounts')).status, 200);
    });
  });
}
