import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectOAuthAccount, registerOidcApp, testClient } from '../support/connect.ts';
import { freePort, startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import {
  completeAuthorization,
  startOidcProvider,
  type OidcFixture,
} from '../support/oidc/index.ts';
import { testDialects } from '../support/stores.ts';

const success = 'http://127.0.0.1:9/connected';
const failure = 'http://127.0.0.1:9/failed';
const parallel = 6;

for (const dialect of testDialects()) {
  describe(`a connect link is used once, however its callbacks race (${dialect})`, () => {
    let fixture: OidcFixture;
    let lk: TestLatchkey;
    let acmeClient: string;

    before(async () => {
      const port = await freePort();
      fixture = await startOidcProvider({
        clients: [
          { ...testClient, redirectUris: [`http://127.0.0.1:${port}/v1/connect/callback`] },
        ],
      });
      lk = await startTestLatchkey({ dialect, port, env: { LATCHKEY_REFRESH_INTERVAL_MS: '0' } });
      acmeClient = (await registerOidcApp(lk, fixture, 'acme')).oauthAppId;
      await registerOidcApp(lk, fixture, 'demo');
      const keys = await lk.api('POST', '/v1/apps', {
        name_slug: 'weather',
        name: 'Weather',
        auth_type: 'keys',
        fields: [
          { name: 'api_key', label: 'API key', secret: true },
          { name: 'region', label: 'Region', secret: false, optional: true },
        ],
      });
      assert.equal(keys.status, 201, JSON.stringify(keys.body));
    });

    after(async () => {
      await lk?.close();
      await fixture?.close();
    });

    async function token(body: Record<string, unknown>): Promise<string> {
      const res = await lk.api('POST', '/v1/connect/tokens', body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.data.token;
    }

    /** Opens the link `times` times and takes each through the provider: the callback URLs. */
    async function callbacks(ctok: string, times: number, accountId?: string) {
      const link = new URL(`${lk.url}/v1/connect/link`);
      link.searchParams.set('token', ctok);
      if (accountId) link.searchParams.set('account_id', accountId);
      const urls: string[] = [];
      for (let i = 0; i < times; i += 1) {
        const res = await fetch(link, { redirect: 'manual' });
        assert.equal(res.status, 302, await res.text());
        urls.push(await completeAuthorization(res.headers.get('location')!));
      }
      return urls;
    }

    const fire = (urls: string[]) =>
      Promise.all(
        urls.map(async (url) => {
          const res = await fetch(url, { redirect: 'manual' });
          return {
            status: res.status,
            location: res.headers.get('location'),
            text: await res.text(),
          };
        }),
      );

    async function events(action: string, accountId: string) {
      await lk.server.services.audit.flush();
      const res = await lk.api(
        'GET',
        `/v1/audit_events?action=${action}&account_id=${accountId}&limit=100`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.data as unknown[];
    }

    async function accountIds(app: string): Promise<string[]> {
      const res = await lk.api('GET', `/v1/accounts?app=${app}&limit=100`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.data.map((a: { id: string }) => a.id);
    }

    it(`${parallel} parallel callbacks of one link connect exactly one account`, async () => {
      const before = await accountIds('acme');
      const ctok = await token({
        app: 'acme',
        success_redirect_uri: success,
        error_redirect_uri: failure,
      });
      const results = await fire(await callbacks(ctok, parallel));

      const won = results.filter((r) => r.location?.startsWith(success));
      const lost = results.filter((r) => r.location?.startsWith(failure));
      assert.equal(won.length, 1, JSON.stringify(results));
      assert.equal(lost.length, parallel - 1, JSON.stringify(results));
      for (const r of lost) {
        assert.equal(r.status, 302);
        assert.equal(new URL(r.location!).searchParams.get('error'), 'connect_token_invalid');
      }
      const accountId = new URL(won[0]!.location!).searchParams.get('account_id')!;

      const added = (await accountIds('acme')).filter((id) => !before.includes(id));
      assert.deepEqual(added, [accountId]);
      assert.equal((await events('account.connected', accountId)).length, 1);
      assert.equal((await events('account.reconnected', accountId)).length, 0);
      const status = await lk.api('POST', '/v1/connect/tokens/status', { token: ctok });
      assert.equal(status.body.data.account_id, accountId);
    });

    it(`${parallel} parallel reconnect callbacks of one link reconnect once`, async () => {
      const accountId = await connectOAuthAccount(lk, { app: 'acme' });
      const reconnects = (await events('account.reconnected', accountId)).length;
      const ctok = await token({ app: 'acme' });
      const results = await fire(await callbacks(ctok, parallel, accountId));

      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 400, 400, 400, 400, 400], JSON.stringify(statuses));
      for (const r of results.filter((x) => x.status === 400)) {
        assert.match(r.text, /This connect link was already used/);
      }
      assert.match(results.find((r) => r.status === 200)!.text, new RegExp(accountId));
      assert.equal((await events('account.reconnected', accountId)).length, reconnects + 1);
    });

    it('a failed code exchange does not use up the link', async () => {
      const ctok = await token({
        app: 'acme',
        success_redirect_uri: success,
        error_redirect_uri: failure,
      });
      const [first] = await callbacks(ctok, 1);
      const bad = new URL(first!);
      bad.searchParams.set('code', 'not-a-code-the-provider-issued');
      const failed = await fetch(bad, { redirect: 'manual' });
      assert.equal(failed.status, 302);
      const error = new URL(failed.headers.get('location')!);
      assert.equal(error.origin + error.pathname, failure);
      assert.equal(error.searchParams.get('error'), 'invalid_grant');
      const status = await lk.api('POST', '/v1/connect/tokens/status', { token: ctok });
      assert.equal(status.body.data.used_at, null);

      const [again] = await callbacks(ctok, 1);
      const done = await fetch(again!, { redirect: 'manual' });
      assert.equal(done.status, 302);
      assert.ok(done.headers.get('location')!.startsWith(success));
    });

    it(`${parallel} parallel posts of one keys form connect one account`, async () => {
      const before = await accountIds('weather');
      const ctok = await token({ app: 'weather' });
      const results = await Promise.all(
        Array.from({ length: parallel }, (_, i) =>
          fetch(`${lk.url}/v1/connect/link`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: ctok, api_key: `made-up-key-${i}` }),
          }).then(async (r) => ({ status: r.status, body: await r.text() })),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 404, 404, 404, 404, 404], JSON.stringify(results));
      for (const r of results.filter((x) => x.status === 404)) {
        assert.equal(JSON.parse(r.body).code, 'connect_token_invalid');
      }
      const added = (await accountIds('weather')).filter((id) => !before.includes(id));
      assert.equal(added.length, 1);
      assert.equal((await events('account.connected', added[0]!)).length, 1);
    });

    describe('the keys form refuses what it does not know', () => {
      const postForm = (body: string) =>
        fetch(`${lk.url}/v1/connect/link`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
          redirect: 'manual',
        });

      it('an unknown field, on the form page with a way back, and stores nothing', async () => {
        const before = await accountIds('weather');
        const ctok = await token({ app: 'weather' });
        const res = await postForm(`token=${ctok}&api_key=x&bogus=1`);
        assert.equal(res.status, 400);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
        const html = await res.text();
        assert.match(html, /body\.bogus is not a field of this form/);
        assert.match(html, /Back to the form/);
        assert.deepEqual(await accountIds('weather'), before);

        const json = await fetch(`${lk.url}/v1/connect/link`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: ctok, api_key: 'x', bogus: '1' }),
        });
        assert.equal(json.status, 400);
        const error = await json.json();
        assert.equal(error.code, 'validation_failed');
        assert.match(error.error, /bogus/);

        // Refused, not used: the link still works.
        assert.equal((await postForm(`token=${ctok}&api_key=x`)).status, 200);
      });

      it('refuses __proto__ as an unknown field too', async () => {
        const ctok = await token({ app: 'weather' });
        const res = await postForm(`token=${ctok}&api_key=x&__proto__=1`);
        assert.equal(res.status, 400);
        assert.match(await res.text(), /__proto__ is not a field/);
      });

      for (const escape of ['%ED%A0%80', '%zz', '%E2%9C', '%']) {
        it(`refuses a bad %-escape (${escape}) instead of storing it literally`, async () => {
          const before = await accountIds('weather');
          const ctok = await token({ app: 'weather' });
          const res = await postForm(`token=${ctok}&api_key=${escape}`);
          assert.equal(res.status, 400);
          assert.match(await res.text(), /%-escape is malformed or is not UTF-8/);
          const json = await postForm(`token=${ctok}&api_key=${escape}`);
          assert.equal(json.status, 400);
          assert.deepEqual(await accountIds('weather'), before);
        });
      }

      it('decodes good escapes and + as a browser sends them', async () => {
        const ctok = await token({ app: 'weather', success_redirect_uri: success });
        const res = await postForm(`token=${ctok}&api_key=a%2Bb+c%E2%9C%93&region=`);
        assert.equal(res.status, 302);
        const id = new URL(res.headers.get('location')!).searchParams.get('account_id');
        const read = await lk.api('GET', `/v1/accounts/${id}?include_credentials=1`);
        assert.deepEqual(read.body.data.credentials, { api_key: 'a+b c\u2713' });
      });
    });

    describe('a connect token for a client of another app', () => {
      it('says the client belongs to another app', async () => {
        const res = await lk.api('POST', '/v1/connect/tokens', {
          app: 'demo',
          oauth_app_id: acmeClient,
        });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, 'validation_failed');
        assert.match(res.body.error, /is a client of another app, not of "demo"/);
      });

      it('names an unknown client rather than asking for one to be created', async () => {
        const res = await lk.api('POST', '/v1/connect/tokens', {
          app: 'demo',
          oauth_app_id: 'oa_doesnotexist',
        });
        assert.equal(res.status, 404, JSON.stringify(res.body));
        assert.equal(res.body.code, 'oauth_app_not_found');
        assert.match(res.body.error, /No OAuth app "oa_doesnotexist"/);
      });
    });
  });
}
