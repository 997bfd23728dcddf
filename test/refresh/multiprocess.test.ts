/**
 * Three real `latchkey serve` processes on one PostgreSQL database, a real oidc-provider with
 * 4-second access tokens and rotating refresh tokens, readers spread over the processes and
 * the background refresher on in all of them: exactly one refresh per account per expiry at
 * the provider, no invalid_grant, and no reader ever served an expired or unusable token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { freePort } from '../support/latchkey.ts';
import { startOidcProvider, type OidcFixture } from '../support/oidc/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/stores.ts';
import {
  connectViaOidc,
  processSecrets,
  sleep,
  spawnLatchkey,
  type LatchkeyProcess,
} from './support.ts';

const enabled = Boolean(process.env.LATCHKEY_TEST_DATABASE_URL);
if (!enabled) console.log('# multi-process refresh test skipped: LATCHKEY_TEST_DATABASE_URL unset');

const TTL_SECONDS = 4;
const ACCOUNTS = 4;
const READ_FOR_MS = 13_000;
const client = { clientId: 'latchkey-multi', clientSecret: 'made-up-multi-secret' };

describe('three processes on one PostgreSQL', { skip: !enabled }, () => {
  let db: TestDatabase;
  let oidc: OidcFixture;
  const procs: LatchkeyProcess[] = [];

  before(async () => {
    db = await createTestDatabase('postgres');
    const ports = [await freePort(), await freePort(), await freePort()];
    oidc = await startOidcProvider({
      accessTokenTtlSeconds: TTL_SECONDS,
      rotateRefreshToken: true,
      clients: [
        {
          ...client,
          redirectUris: ports.map((p) => `http://127.0.0.1:${p}/v1/connect/callback`),
          tokenEndpointAuthMethod: 'client_secret_basic',
        },
      ],
    });
    const secrets = processSecrets();
    const env = { LATCHKEY_REFRESH_INTERVAL_MS: '250' };
    const start = (port: number) => spawnLatchkey({ databaseUrl: db.url, ...secrets, port, env });
    // The first alone: it migrates and bootstraps; then the others.
    procs.push(await start(ports[0]!));
    procs.push(...(await Promise.all([start(ports[1]!), start(ports[2]!)])));
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await oidc?.close();
    await db?.drop();
  });

  it('refreshes once per account per expiry, never serving an expired token', async () => {
    const [first] = procs;
    const app = await first!.api('POST', '/v1/apps', {
      name_slug: 'acme',
      name: 'Acme',
      auth_type: 'oauth',
      oauth: { issuer: oidc.issuer },
    });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    const oauthApp = await first!.api('POST', '/v1/oauth_apps', {
      app: 'acme',
      ...{ client_id: client.clientId, client_secret: client.clientSecret },
      scopes: ['openid', 'email', 'profile', 'offline_access'],
    });
    assert.equal(oauthApp.status, 201, JSON.stringify(oauthApp.body));

    const ids: string[] = [];
    for (let i = 0; i < ACCOUNTS; i += 1) {
      ids.push(await connectViaOidc(procs[i % procs.length]!, 'acme', `user-${i}`));
    }

    interface Answer {
      at: number;
      status: number;
      expiresAt: number | null;
      token: string | null;
      userinfo: number | null;
    }
    const answers: Answer[] = [];
    const stopAt = Date.now() + READ_FOR_MS;
    const reader = async (n: number) => {
      while (Date.now() < stopAt) {
        const proc = procs[Math.floor(Math.random() * procs.length)]!;
        const id = ids[(n + Math.floor(Math.random() * ids.length)) % ids.length]!;
        const res = await proc.api('GET', `/v1/accounts/${id}?include_credentials=1`);
        const at = Date.now();
        const data = res.body?.data;
        const token: string | null = data?.credentials?.oauth_access_token ?? null;
        const expiresAt = data?.expires_at ? Date.parse(data.expires_at) : null;
        const info = res.status === 200 && token ? (await oidc.userinfo(token)).status : null;
        answers.push({ at, status: res.status, expiresAt, token, userinfo: info });
        await sleep(30);
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map(reader));

    // Let a refresh that is under way finish, then stop cleanly so the audit log is written.
    await sleep(500);
    await Promise.all(procs.map((p) => p.stop()));

    const bad = answers.filter((a) => a.status !== 200);
    assert.equal(bad.length, 0, `non-200 answers: ${JSON.stringify(bad.slice(0, 3))}`);
    assert.ok(answers.length > 50, `only ${answers.length} reads`);
    for (const a of answers) {
      assert.ok(
        a.expiresAt !== null && a.expiresAt > a.at,
        `expired token served: ${JSON.stringify(a)}`,
      );
      assert.equal(a.userinfo, 200, `served token refused by userinfo: ${JSON.stringify(a)}`);
    }

    assert.equal(oidc.stats.invalidGrants, 0, 'no invalid_grant');
    assert.equal(oidc.stats.refreshFailures, 0, 'no failed refresh');

    const pool = new pg.Client({ connectionString: db.url });
    await pool.connect();
    try {
      const { rows } = await pool.query<{ account_id: string; created_at: string }>(
        `select account_id, created_at from audit_events
          where action = 'account.refreshed' order by created_at`,
      );
      assert.equal(
        rows.length,
        oidc.stats.refreshGrants,
        'every refresh the provider made was stored by exactly one process',
      );
      for (const id of ids) {
        const times = rows.filter((r) => r.account_id === id).map((r) => Number(r.created_at));
        const expiries = READ_FOR_MS / 1000 / TTL_SECONDS;
        assert.ok(times.length >= Math.floor(expiries), `${id}: ${times.length} refreshes`);
        for (let i = 1; i < times.length; i += 1) {
          // One refresh per expiry: the next comes a token's lifetime minus the margin later.
          const gap = times[i]! - times[i - 1]!;
          assert.ok(gap >= (TTL_SECONDS * 1000) / 2 - 500, `${id}: two refreshes ${gap} ms apart`);
        }
      }
      console.log(
        `${answers.length} reads over 3 processes, ${rows.length} refreshes ` +
          `(${oidc.stats.refreshGrants} at the provider) for ${ACCOUNTS} accounts`,
      );
    } finally {
      await pool.end();
    }
  });
});
