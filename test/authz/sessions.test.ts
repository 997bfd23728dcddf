import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.ts';
import { withinOneRateWindow } from '../support/rate-window.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { testDialects } from '../support/stores.ts';
import {
  anonymous,
  call,
  keyCaller,
  makeKey,
  password,
  signup,
  type SessionCaller,
} from './world.ts';

const loginPerMinute = 9;

for (const dialect of testDialects()) {
  describe(`sessions over HTTP (${dialect})`, () => {
    const clock = new ManualClock(Date.parse('2026-12-03T12:00:00.000Z'));
    let lk: TestLatchkey;
    let owner: SessionCaller;

    before(async () => {
      lk = await startTestLatchkey({
        dialect,
        clock,
        env: {
          LATCHKEY_LOGIN_RATE_LIMIT_PER_MINUTE: String(loginPerMinute),
          LATCHKEY_LOGIN_MAX_FAILURES: '5',
          LATCHKEY_LOGIN_LOCKOUT_SECONDS: '900',
          LATCHKEY_REFRESH_INTERVAL_MS: '0',
        },
      });
      owner = await signup(lk, 'owner');
    });

    after(() => lk.close());

    it('sets an HttpOnly, SameSite=Lax session cookie, without Secure on plain http', async () => {
      const res = await call(lk, anonymous, 'POST', '/v1/auth/login', {
        email: owner.email,
        password,
      });
      const cookie = res.headers.get('set-cookie') ?? '';
      assert.match(cookie, /^latchkey_session=[\w-]{40,};/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.doesNotMatch(cookie, /Secure/);
    });

    it('refuses a state-changing cookie request without the session’s CSRF token', async () => {
      const body = JSON.stringify({ name: 'csrf', scopes: ['accounts:read'] });
      const post = (headers: Record<string, string>) =>
        fetch(`${lk.url}/v1/api_keys`, { method: 'POST', headers, body });

      const json = { 'content-type': 'application/json', cookie: owner.cookie };
      const missing = await post(json);
      assert.equal(missing.status, 403);
      assert.equal(((await missing.json()) as any).code, 'csrf_failed');

      const wrong = await post({ ...json, 'x-csrf-token': 'x'.repeat(owner.csrf.length) });
      assert.equal(wrong.status, 403);

      // What a cross-site form can send: a simple content type, the cookie, no custom header.
      const form = await fetch(`${lk.url}/v1/workspaces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: owner.cookie },
        body: 'name=evil',
      });
      assert.equal(form.status, 403);

      const right = await post({ ...json, 'x-csrf-token': owner.csrf });
      assert.equal(right.status, 201);

      // Reads need no token; bearer keys need none either.
      const read = await fetch(`${lk.url}/v1/users/me`, { headers: { cookie: owner.cookie } });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as any).data.csrf_token, owner.csrf);
      const key = keyCaller('k', await makeKey(lk, owner, ['admin']));
      const viaKey = await call(lk, key, 'POST', '/v1/workspaces', { name: 'by key' });
      assert.equal(viaKey.status, 201);
    });

    it('stops honouring a revoked key on the very next request', async () => {
      const secret = await makeKey(lk, owner, ['accounts:read']);
      const key = keyCaller('soon revoked', secret);
      assert.equal((await call(lk, key, 'GET', '/v1/accounts')).status, 200);
      const list = await call(lk, owner, 'GET', '/v1/api_keys');
      assert.ok(!JSON.stringify(list.body).includes(secret), 'the list never shows a secret');
      const id = list.body.data.find((k: any) => secret.startsWith(k.prefix)).id;
      assert.equal((await call(lk, owner, 'DELETE', `/v1/api_keys/${id}`)).status, 204);
      assert.equal((await call(lk, key, 'GET', '/v1/accounts')).status, 401);
    });

    it('locks an email from one address after wrong passwords, even the right one', async () => {
      const attempt = (pw: string) =>
        call(lk, anonymous, 'POST', '/v1/auth/login', { email: owner.email, password: pw });
      for (let i = 0; i < 5; i++) {
        const res = await attempt(`wrong password ${i}`);
        assert.equal(res.status, 401);
        assert.equal(res.body.code, 'unauthorized');
      }
      const locked = await attempt(password);
      assert.equal(locked.status, 429);
      assert.equal(locked.body.code, 'rate_limited');
      assert.ok(Number(locked.headers.get('retry-after')) > 0);
      assert.equal(locked.headers.get('set-cookie'), null);

      clock.advance(901_000);
      const later = await attempt(password);
      assert.equal(later.status, 200);

      const failures = await call(lk, owner, 'GET', '/v1/audit_events?action=auth.login_failed');
      assert.equal(failures.body.data.length, 5);
      assert.ok(!JSON.stringify(failures.body).includes('wrong password'));
    });

    it('limits login attempts per IP with a 429 in the API’s error shape', async () => {
      await withinOneRateWindow(10_000);
      let limited: Awaited<ReturnType<typeof call>> | null = null;
      for (let i = 0; i < loginPerMinute + 1 && !limited; i++) {
        const res = await call(lk, anonymous, 'POST', '/v1/auth/login', {
          email: `nobody${i}@example.test`,
          password: 'irrelevant password',
        });
        if (res.status === 429) limited = res;
      }
      assert.ok(limited, 'the per-IP limit was reached');
      assert.deepEqual(Object.keys(limited.body).sort(), ['code', 'error', 'request_id']);
      assert.equal(limited.body.code, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
    });

    it('ends the session on logout', async () => {
      const res = await call(lk, owner, 'POST', '/v1/auth/logout');
      assert.equal(res.status, 204);
      assert.match(res.headers.get('set-cookie') ?? '', /latchkey_session=;/);
      assert.equal((await call(lk, owner, 'GET', '/v1/users/me')).status, 401);
    });
  });
}

describe('sessions behind https', () => {
  it('marks the cookie Secure when the public URL is https', async () => {
    const lk = await startTestLatchkey({
      env: {
        LATCHKEY_PUBLIC_URL: 'https://latchkey.example.test',
        LATCHKEY_REFRESH_INTERVAL_MS: '0',
      },
    });
    try {
      const res = await call(lk, anonymous, 'POST', '/v1/auth/signup', {
        email: 'first@example.test',
        password,
      });
      assert.equal(res.status, 201);
      assert.match(res.headers.get('set-cookie') ?? '', /; Secure/);
    } finally {
      await lk.close();
    }
  });
});
