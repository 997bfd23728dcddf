import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { createTestDatabase, testDialects, type TestDatabase } from '../support/stores.ts';
import { call, password, signup, type SessionCaller } from './world.ts';

// Client addresses are varied for real: unless LATCHKEY_TRUSTED_PROXIES names a proxy, the app
// does not trust X-Forwarded-For, so each request is sent from its own loopback source address
// (127.0.0.0/8 is all local on Linux) and the server sees that address as the client's.

interface LoginAnswer {
  status: number;
  body: any;
  retryAfter: string | undefined;
  setCookie: string[] | undefined;
}

/** POST /v1/auth/login to `lk` from the source address `ip` (with `forwardedFor`, as a proxy). */
function loginFrom(
  lk: TestLatchkey,
  ip: string,
  email: string,
  pw: string,
  forwardedFor?: string,
): Promise<LoginAnswer> {
  const { hostname, port } = new URL(lk.url);
  const payload = JSON.stringify({ email, password: pw });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        localAddress: ip,
        method: 'POST',
        path: '/v1/auth/login',
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text),
            retryAfter: res.headers['retry-after'],
            setCookie: res.headers['set-cookie'],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const windowSeconds = 900;
const throttleEnv = {
  LATCHKEY_LOGIN_MAX_FAILURES: '3',
  LATCHKEY_LOGIN_MAX_FAILURES_PER_EMAIL: '7',
  LATCHKEY_LOGIN_LOCKOUT_SECONDS: String(windowSeconds),
  // The per-IP request limit is another mechanism; keep it out of the way here.
  LATCHKEY_LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
  LATCHKEY_REFRESH_INTERVAL_MS: '0',
};

const attacker = '127.0.0.2';
const ownerIp = '127.0.0.3';

/** The failures of `email` that still count (older ones wait for the maintenance pass). */
async function failuresIn(lk: TestLatchkey, email: string, now: number) {
  return lk.server.store.db
    .selectFrom('login_failures')
    .select(['ip'])
    .where('email', '=', email)
    .where('failed_at', '>', now - windowSeconds * 1000)
    .execute();
}

for (const dialect of testDialects()) {
  describe(`login throttle over HTTP (${dialect})`, () => {
    const clock = new ManualClock(Date.parse('2026-12-03T12:00:00.000Z'));
    let lk: TestLatchkey;
    let owner: SessionCaller;

    before(async () => {
      lk = await startTestLatchkey({ dialect, clock, env: throttleEnv });
      owner = await signup(lk, 'owner');
    });
    after(() => lk.close());

    // Each test starts with the previous tests' failures out of the window.
    const nextWindow = () => clock.advance(windowSeconds * 1000 + 1);

    it('refuses the guessing address the right password; the owner gets in elsewhere', async () => {
      nextWindow();
      for (let i = 0; i < 3; i++) {
        const res = await loginFrom(lk, attacker, owner.email, `wrong password ${i}`);
        assert.equal(res.status, 401);
        assert.equal(res.body.code, 'unauthorized');
      }
      const locked = await loginFrom(lk, attacker, owner.email, password);
      assert.equal(locked.status, 429);
      assert.equal(locked.body.code, 'rate_limited');
      assert.equal(locked.retryAfter, String(windowSeconds));
      assert.equal(locked.setCookie, undefined);

      const fromHome = await loginFrom(lk, ownerIp, owner.email, password);
      assert.equal(fromHome.status, 200);
      assert.match(fromHome.setCookie?.[0] ?? '', /^latchkey_session=/);

      // The owner's success clears the owner's address only: the attacker stays locked.
      const still = await loginFrom(lk, attacker, owner.email, password);
      assert.equal(still.status, 429);

      const failed = await call(lk, owner, 'GET', '/v1/audit_events?action=auth.login_failed');
      const fromAttacker = failed.body.data.filter((e: any) => e.ip === attacker);
      assert.equal(failed.body.data.length, 3);
      assert.equal(fromAttacker.length, 3);
    });

    it('locks the email from every address after the per-email count', async () => {
      nextWindow();
      // Seven failures from four addresses, none of them over the per-address limit of 3.
      const spread = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];
      for (let i = 0; i < 7; i++) {
        const res = await loginFrom(lk, spread[i % 4]!, owner.email, `guess ${i}`);
        assert.equal(res.status, 401, `guess ${i}`);
      }
      for (const ip of [ownerIp, '127.0.0.15', spread[3]!]) {
        const res = await loginFrom(lk, ip, owner.email, password);
        assert.equal(res.status, 429, ip);
        assert.equal(res.body.code, 'rate_limited');
        assert.equal(res.retryAfter, String(windowSeconds));
      }
      // Another email is not affected.
      const other = await loginFrom(lk, '127.0.0.15', 'someone-else@example.test', 'whatever1');
      assert.equal(other.status, 401);

      clock.advance(windowSeconds * 1000);
      assert.equal((await loginFrom(lk, ownerIp, owner.email, password)).status, 200);
    });

    it('clears the address’s failures on a successful login', async () => {
      nextWindow();
      for (let i = 0; i < 2; i++) {
        assert.equal((await loginFrom(lk, ownerIp, owner.email, `typo ${i}`)).status, 401);
      }
      assert.equal((await loginFrom(lk, '127.0.0.4', owner.email, 'typo x')).status, 401);
      assert.equal((await loginFrom(lk, ownerIp, owner.email, password)).status, 200);
      assert.deepEqual(
        (await failuresIn(lk, owner.email, clock.now())).map((f) => f.ip),
        ['127.0.0.4'],
        'only the other address’s failure is left',
      );
      // Two more typos are fine again (without the clearing, the second would lock the pair).
      for (let i = 0; i < 2; i++) {
        assert.equal((await loginFrom(lk, ownerIp, owner.email, `typo ${i}`)).status, 401);
      }
      assert.equal((await loginFrom(lk, ownerIp, owner.email, password)).status, 200);
    });
  });

  describe(`login throttle shared by two servers on one database (${dialect})`, () => {
    const clock = new ManualClock(Date.parse('2026-12-03T12:00:00.000Z'));
    let database: TestDatabase;
    let a: TestLatchkey;
    let b: TestLatchkey;
    let owner: SessionCaller;

    before(async () => {
      database = await createTestDatabase(dialect);
      // One instance, two processes: the same database and master key.
      const env = { ...throttleEnv, LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') };
      a = await startTestLatchkey({ databaseUrl: database.url, clock, env });
      b = await startTestLatchkey({ databaseUrl: database.url, clock, env });
      owner = await signup(a, 'owner');
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    it('locks the pair at the configured count in total, not per server', async () => {
      const servers = [a, b, a];
      for (const [i, lk] of servers.entries()) {
        const res = await loginFrom(lk, attacker, owner.email, `wrong password ${i}`);
        assert.equal(res.status, 401, `failure ${i + 1}`);
      }
      for (const lk of [b, a]) {
        const res = await loginFrom(lk, attacker, owner.email, password);
        assert.equal(res.status, 429);
        assert.equal(res.retryAfter, String(windowSeconds));
      }
      // Logged in through either server from elsewhere, which clears that pair for both.
      assert.equal((await loginFrom(b, ownerIp, owner.email, password)).status, 200);
      assert.equal((await loginFrom(a, ownerIp, owner.email, password)).status, 200);
      assert.equal((await loginFrom(a, attacker, owner.email, password)).status, 429);
    });

    it('counts failures spread over both servers towards the per-email limit', async () => {
      clock.advance(windowSeconds * 1000 + 1);
      const spread = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24'];
      for (let i = 0; i < 7; i++) {
        const res = await loginFrom(i % 2 ? a : b, spread[i % 4]!, owner.email, `guess ${i}`);
        assert.equal(res.status, 401, `guess ${i}`);
      }
      assert.equal((await loginFrom(a, ownerIp, owner.email, password)).status, 429);
      assert.equal((await loginFrom(b, ownerIp, owner.email, password)).status, 429);
    });
  });
}

describe('login throttle behind a trusted reverse proxy', () => {
  const proxy = '127.0.0.20';
  let lk: TestLatchkey;
  let owner: SessionCaller;

  before(async () => {
    lk = await startTestLatchkey({ env: { ...throttleEnv, LATCHKEY_TRUSTED_PROXIES: proxy } });
    owner = await signup(lk, 'owner');
  });
  after(() => lk.close());

  const failedLogins = async () => {
    const res = await call(lk, owner, 'GET', '/v1/audit_events?action=auth.login_failed');
    return res.body.data.map((e: any) => e.ip) as string[];
  };

  it('takes the client from X-Forwarded-For of the named proxy: one client locks only itself', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await loginFrom(lk, proxy, owner.email, `guess ${i}`, '203.0.113.7');
      assert.equal(res.status, 401);
    }
    const locked = await loginFrom(lk, proxy, owner.email, password, '203.0.113.7');
    assert.equal(locked.status, 429);
    // Another client behind the same proxy is not locked out.
    const owners = await loginFrom(lk, proxy, owner.email, password, '198.51.100.9');
    assert.equal(owners.status, 200);
    assert.deepEqual(await failedLogins(), ['203.0.113.7', '203.0.113.7', '203.0.113.7']);
  });

  it('counts an IPv4-mapped address as the IPv4 one, and a non-address as "unknown"', async () => {
    // 203.0.113.7 is locked by the test above; written the IPv6 way it is the same client.
    const mapped = await loginFrom(lk, proxy, owner.email, password, '::ffff:203.0.113.7');
    assert.equal(mapped.status, 429);

    const res = await loginFrom(lk, proxy, owner.email, 'a wrong guess', 'not-an-address');
    assert.equal(res.status, 401);
    assert.equal((await failedLogins())[0], 'unknown');
  });

  it('ignores X-Forwarded-For from any other address, so a client cannot pick its own', async () => {
    const stranger = '127.0.0.21';
    for (let i = 0; i < 3; i++) {
      const forged = `192.0.2.${i + 1}`;
      const res = await loginFrom(lk, stranger, owner.email, `guess ${i}`, forged);
      assert.equal(res.status, 401);
    }
    const locked = await loginFrom(lk, stranger, owner.email, password, '192.0.2.99');
    assert.equal(locked.status, 429);
    assert.deepEqual((await failedLogins()).slice(0, 3), [stranger, stranger, stranger]);
  });
});
