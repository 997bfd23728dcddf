import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../../src/lib/clock.ts';
import { connectOAuthAccount, registerOidcApp, testClient } from '../support/connect.ts';
import { freePort, startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { startOidcProvider, type OidcFixture } from '../support/oidc/index.ts';
import { testDialects } from '../support/stores.ts';

const ttlSeconds = 4;

/** Waits until the account's current token has expired by the server's own account. */
async function untilExpired(lk: TestLatchkey, id: string) {
  const res = await lk.api('GET', `/v1/accounts/${id}`);
  const wait = Date.parse(res.body.data.expires_at) - Date.now() + 100;
  if (wait > 0) await sleep(wait);
}

for (const dialect of testDialects()) {
  /** The SQLite database with its WAL and shared-memory files, as bytes. */
  function databaseFiles(path: string): Buffer[] {
    const dir = join(path, '..');
    return readdirSync(dir).map((f) => readFileSync(join(dir, f)));
  }

  /** Every row of every table, as PostgreSQL returns it, including bytea columns. */
  async function dumpTables(lk: TestLatchkey): Promise<Buffer> {
    const { sql } = await import('kysely');
    const db = lk.server.store.db;
    const tables = await sql<{ tablename: string }>`
    select tablename from pg_tables where schemaname = 'public'`.execute(db);
    const parts: Buffer[] = [];
    for (const { tablename } of tables.rows) {
      const rows = await sql<
        Record<string, unknown>
      >`select * from ${sql.table(tablename)}`.execute(db);
      for (const row of rows.rows) {
        for (const value of Object.values(row)) {
          parts.push(Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
        }
      }
    }
    return Buffer.concat(parts);
  }

  describe(`connect an OAuth account, read fresh credentials (${dialect})`, () => {
    let fixture: OidcFixture;
    let lk: TestLatchkey;
    let accountId: string;
    const seen = { access: new Set<string>(), refresh: new Set<string>() };

    before(async () => {
      const port = await freePort();
      fixture = await startOidcProvider({
        accessTokenTtlSeconds: ttlSeconds,
        rotateRefreshToken: true,
        pkceRequired: true,
        clients: [
          { ...testClient, redirectUris: [`http://127.0.0.1:${port}/v1/connect/callback`] },
        ],
      });
      // The background refresher is off so that only reads cause refreshes here.
      lk = await startTestLatchkey({ dialect, port, env: { LATCHKEY_REFRESH_INTERVAL_MS: '0' } });
      await registerOidcApp(lk, fixture);
    });

    after(async () => {
      await lk?.close();
      await fixture?.close();
    });

    it('connects through the provider, then redirects with the account id', async () => {
      accountId = await connectOAuthAccount(lk);
      assert.equal(fixture.stats.authorizationCodeGrants, 1);
    });

    it('sends a PKCE S256 challenge and a random state to the provider', async () => {
      const token = await lk.api('POST', '/v1/connect/tokens', { app: 'acme' });
      const link = await fetch(token.body.data.connect_link_url, { redirect: 'manual' });
      const location = new URL(link.headers.get('location')!);
      assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
      assert.match(location.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
      assert.ok((location.searchParams.get('state') ?? '').length >= 32);
      assert.equal(location.searchParams.get('redirect_uri'), `${lk.url}/v1/connect/callback`);
    });

    it('reads the identity from the provider', async () => {
      const res = await lk.api('GET', `/v1/accounts/${accountId}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.data.external_id, 'user-1');
      assert.equal(res.body.data.name, 'octocat@example.com');
      assert.equal(res.body.data.credentials, undefined);
      assert.equal(res.body.data.healthy, true);
    });

    it('serves a token that works at the provider, with its expiry', async () => {
      const res = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`);
      assert.equal(res.status, 200);
      const { credentials, expires_at } = res.body.data;
      assert.ok(Date.parse(expires_at) > Date.now());
      assert.equal(credentials.oauth_client_id, testClient.clientId);
      assert.equal((await fixture.userinfo(credentials.oauth_access_token)).status, 200);
      seen.access.add(credentials.oauth_access_token);
      seen.refresh.add(credentials.oauth_refresh_token);
    });

    it('after expiry, refreshes on read and stores the rotated refresh token', async () => {
      const before = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`);
      const old = before.body.data.credentials;
      await untilExpired(lk, accountId);
      assert.equal((await fixture.userinfo(old.oauth_access_token)).status, 401);

      const res = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`);
      assert.equal(res.status, 200);
      const fresh = res.body.data.credentials;
      assert.notEqual(fresh.oauth_access_token, old.oauth_access_token);
      assert.notEqual(fresh.oauth_refresh_token, old.oauth_refresh_token);
      assert.equal((await fixture.userinfo(fresh.oauth_access_token)).status, 200);
      assert.ok(res.body.data.last_refreshed_at);
      assert.equal(fixture.stats.refreshGrants, 1);

      // The stored refresh token is the rotated one: the next refresh uses it without error.
      await untilExpired(lk, accountId);
      const again = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`);
      assert.equal(again.status, 200);
      assert.equal(fixture.stats.refreshGrants, 2);
      assert.equal(fixture.stats.invalidGrants, 0);
      for (const c of [old, fresh, again.body.data.credentials]) {
        seen.access.add(c.oauth_access_token);
        seen.refresh.add(c.oauth_refresh_token);
      }
    });

    it('40 concurrent reads after expiry cause exactly one refresh', async () => {
      await untilExpired(lk, accountId);
      const grantsBefore = fixture.stats.refreshGrants;
      const reads = await Promise.all(
        Array.from({ length: 40 }, () =>
          lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`),
        ),
      );
      assert.equal(fixture.stats.refreshGrants, grantsBefore + 1);
      assert.equal(fixture.stats.invalidGrants, 0);
      const tokens = new Set(reads.map((r) => r.body.data.credentials.oauth_access_token));
      assert.equal(tokens.size, 1);
      for (const r of reads) {
        assert.equal(r.status, 200);
        assert.ok(Date.parse(r.body.data.expires_at) > Date.now());
      }
      const [token] = tokens;
      assert.equal((await fixture.userinfo(token!)).status, 200);
      seen.access.add(token!);
      seen.refresh.add(reads[0]!.body.data.credentials.oauth_refresh_token);
    });

    it('does not refresh a short-lived token on every read (min_ttl is capped)', async () => {
      const first = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`);
      const grants = fixture.stats.refreshGrants;
      // A 4 s token cannot give 60 s of life: the default min_ttl is capped at half its lifetime.
      const second = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`);
      assert.equal(fixture.stats.refreshGrants, grants);
      assert.equal(
        second.body.data.credentials.oauth_access_token,
        first.body.data.credentials.oauth_access_token,
      );
    });

    it('keeps every token and secret out of the database files and the logs', async () => {
      await lk.server.services.audit.flush();
      const secrets = [...seen.access, ...seen.refresh, testClient.clientSecret];
      assert.ok(secrets.length >= 5);
      const files = dialect === 'sqlite' ? databaseFiles(lk.databaseUrl) : [await dumpTables(lk)];
      assert.ok(files.length > 0);
      const logs = lk.logs();
      assert.ok(logs.includes('"path":"/v1/connect/callback"'), 'requests are logged');
      for (const secret of secrets) {
        for (const file of files)
          assert.equal(file.includes(secret), false, 'a file holds a secret');
        assert.equal(logs.includes(secret), false, 'the logs hold a secret');
      }
    });

    it('counts refreshes and credential reads in /metrics', async () => {
      const text = await (await fetch(`${lk.url}/metrics`)).text();
      const refreshed = /^latchkey_refresh_outcomes_total\{outcome="tokens"\} (\d+)$/m.exec(text);
      assert.equal(Number(refreshed?.[1]), fixture.stats.refreshGrants);
      const reads = /^latchkey_credential_reads_total (\d+)$/m.exec(text);
      assert.ok(Number(reads?.[1]) >= 40);
      assert.match(
        text,
        /latchkey_http_request_duration_seconds_count\{[^}]*route="\/v1\/accounts\/:id"/,
      );
    });

    it('refuses a state that was already used', async () => {
      const token = await lk.api('POST', '/v1/connect/tokens', { app: 'acme' });
      const link = await fetch(token.body.data.connect_link_url, { redirect: 'manual' });
      const { completeAuthorization } = await import('../support/oidc/index.ts');
      const callback = await completeAuthorization(link.headers.get('location')!);
      assert.equal((await fetch(callback, { redirect: 'manual' })).status, 200);
      const replay = await fetch(callback, { redirect: 'manual' });
      assert.equal(replay.status, 400);
      assert.match(await replay.text(), /already used or has expired/);
    });

    it('reconnecting with account_id keeps the id and replaces the credentials', async () => {
      const before = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`);
      const id = await connectOAuthAccount(lk, { app: 'acme' }, undefined, accountId);
      assert.equal(id, accountId);
      const after = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`);
      assert.notEqual(
        after.body.data.credentials.oauth_access_token,
        before.body.data.credentials.oauth_access_token,
      );
    });

    it('lists the account, and deletes it', async () => {
      const list = await lk.api('GET', '/v1/accounts?app=acme');
      assert.equal(list.status, 200);
      assert.ok(list.body.data.some((a: any) => a.id === accountId));
      assert.equal((await lk.api('DELETE', `/v1/accounts/${accountId}`)).status, 204);
      assert.equal((await lk.api('GET', `/v1/accounts/${accountId}`)).status, 404);
    });
  });
}
