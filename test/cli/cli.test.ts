import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { registerOidcApp, testClient } from '../support/connect.ts';
import { freePort, startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import {
  completeAuthorization,
  startOidcProvider,
  type OidcFixture,
} from '../support/oidc/index.ts';
import { finished, lineMatching, runCli, startCli } from './run-cli.ts';

/** Escape sequences would mean colour on a pipe. */
const ESC = '\u001b[';

describe('the latchkey CLI against a running server', () => {
  let lk: TestLatchkey;
  let fixture: OidcFixture;
  let server: { url: string; apiKey: string };
  const cli = (args: string[], opts?: Parameters<typeof runCli>[2]) => runCli(server, args, opts);

  before(async () => {
    const port = await freePort();
    fixture = await startOidcProvider({
      clients: [{ ...testClient, redirectUris: [`http://127.0.0.1:${port}/v1/connect/callback`] }],
    });
    lk = await startTestLatchkey({ port, env: { LATCHKEY_REFRESH_INTERVAL_MS: '0' } });
    server = { url: lk.url, apiKey: lk.apiKey };
    await registerOidcApp(lk, fixture, 'acme');
  });

  after(async () => {
    await lk?.close();
    await fixture?.close();
  });

  let keysAccount = '';
  let oauthAccount = '';

  describe('apps and oauth-apps', () => {
    it('adds a keys app from flags and lists it, as a table and as JSON', async () => {
      const added = await cli([
        'apps',
        'add',
        'weather',
        '--name',
        'Weather',
        '--auth-type',
        'keys',
        '--field',
        'api_key:API key',
        '--field',
        'region:Region:public:optional',
      ]);
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /^Added weather \(app_/);

      const [table, json] = await Promise.all([
        cli(['apps', 'list']),
        cli(['apps', 'list', '--json']),
      ]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^SLUG\s+NAME\s+AUTH/);
      assert.match(table.stdout, /\nweather\s+Weather\s+keys\s+yes/);
      assert.ok(!table.stdout.includes(ESC));
      const apps = JSON.parse(json.stdout) as Array<{ name_slug: string; fields: unknown[] }>;
      const weather = apps.find((a) => a.name_slug === 'weather');
      assert.deepEqual(weather?.fields, [
        { name: 'api_key', label: 'API key', secret: true, optional: false },
        { name: 'region', label: 'Region', secret: false, optional: true },
      ]);
    });

    it('exits 6 for a slug that is taken, and 2 for an oauth app without endpoints', async () => {
      const [taken, incomplete] = await Promise.all([
        cli(['apps', 'add', 'weather', '--auth-type', 'keys', '--field', 'k:K']),
        cli(['apps', 'add', 'nowhere']),
      ]);
      assert.equal(taken.code, 6);
      assert.match(taken.stderr, /already exists.*app_exists/);
      assert.equal(incomplete.code, 2);
      assert.match(incomplete.stderr, /--issuer/);
    });

    it('deletes an unused custom app, and exits 6 for a built-in one', async () => {
      const added = await cli(['apps', 'add', 'typo', '--auth-type', 'keys', '--field', 'k:K']);
      assert.equal(added.code, 0, added.stderr);
      const deleted = await cli(['apps', 'delete', 'typo']);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.match(deleted.stdout, /Deleted typo\./);
      const builtin = await cli(['apps', 'delete', 'github']);
      assert.equal(builtin.code, 6);
      assert.match(builtin.stderr, /built-in/);
      const listed = JSON.parse((await cli(['apps', 'list', '--json'])).stdout) as Array<{
        name_slug: string;
      }>;
      assert.ok(!listed.some((a) => a.name_slug === 'typo'));
    });

    it('stores an OAuth client secret read from stdin and never prints it', async () => {
      const secret = 'made-up-client-secret-from-stdin';
      const added = await cli(
        [
          'oauth-apps',
          'add',
          '--app',
          'github',
          '--client-id',
          'gh-client',
          '--client-secret-stdin',
        ],
        { input: `${secret}\n` },
      );
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /^Added oa_\S+ for github\.$/m);

      const [table, json] = await Promise.all([
        cli(['oauth-apps', 'list']),
        cli(['oauth-apps', 'list', '--json']),
      ]);
      assert.match(table.stdout, /gh-client\s+stored/);
      for (const out of [added, table, json]) {
        assert.ok(!(out.stdout + out.stderr).includes(secret));
      }
    });

    it('warns on stderr when a client is stored without a secret, unless --public', async () => {
      const env = { LATCHKEY_OAUTH_CLIENT_SECRET: undefined };
      const [plain, json, declared] = await Promise.all([
        cli(['oauth-apps', 'add', '--app', 'github', '--client-id', 'no-secret-1'], { env }),
        cli(['oauth-apps', 'add', '--app', 'github', '--client-id', 'no-secret-2', '--json'], {
          env,
        }),
        cli(['oauth-apps', 'add', '--app', 'github', '--client-id', 'pub-1', '--public'], { env }),
      ]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /^Added oa_\S+ for github \(a public client, without a secret\)/);
      assert.match(plain.stderr, /^warning: oa_\S+ has no client secret/);
      assert.match(plain.stderr, /without client authentication/);
      assert.match(plain.stderr, /--client-secret-stdin.*--public/s);
      assert.equal(json.code, 0, json.stderr);
      assert.equal(JSON.parse(json.stdout).has_client_secret, false);
      assert.match(json.stderr, /^warning: .*without client authentication/);
      assert.equal(declared.code, 0, declared.stderr);
      assert.equal(declared.stderr, '');
      assert.match(declared.stdout, /\(a public client, without a secret\)/);
    });

    it('refuses --public with a secret, before storing anything', async () => {
      const before = await lk.api('GET', '/v1/oauth_apps?limit=100');
      const [stdin, fromEnv] = await Promise.all([
        cli(
          ['oauth-apps', 'add', '--app', 'github', '--client-id', 'x', '--public'].concat(
            '--client-secret-stdin',
          ),
          { input: 'made-up-secret\n' },
        ),
        cli(['oauth-apps', 'add', '--app', 'github', '--client-id', 'x', '--public'], {
          env: { LATCHKEY_OAUTH_CLIENT_SECRET: 'made-up-secret' },
        }),
      ]);
      assert.equal(stdin.code, 2);
      assert.match(stdin.stderr, /--public: .*--client-secret-stdin/);
      assert.equal(fromEnv.code, 2);
      assert.match(fromEnv.stderr, /--public: .*LATCHKEY_OAUTH_CLIENT_SECRET/);
      const later = await lk.api('GET', '/v1/oauth_apps?limit=100');
      assert.equal(later.body.page_info.total_count, before.body.page_info.total_count);
    });

    it('refuses apps add flags it would otherwise drop, before any request', async () => {
      const unreachable = { url: 'http://127.0.0.1:9', apiKey: lk.apiKey };
      const results = await Promise.all([
        runCli(unreachable, ['apps', 'add', 'x', '--file', 'app.json', '--name', 'X']),
        runCli(unreachable, ['apps', 'add', 'x', '--auth-type', 'keys', '--token-url', 'http://t']),
        runCli(unreachable, ['apps', 'add', 'x', '--issuer', 'http://i', '--field', 'k:K']),
        runCli(unreachable, ['apps', 'add', 'x', '--auth-type', 'basic']),
        runCli(unreachable, ['apps', 'add', 'x', '--issuer', 'http://i', '--scope-separator', ';']),
      ]);
      // Exit 2, not 3: nothing was sent to the (unreachable) server.
      assert.deepEqual(
        results.map((r) => r.code),
        [2, 2, 2, 2, 2],
      );
      assert.match(results[0]!.stderr, /--file holds the whole app definition; leave out --name/);
      assert.match(results[1]!.stderr, /--token-url: only for oauth apps/);
      assert.match(results[2]!.stderr, /--field: only for keys apps/);
      assert.match(results[3]!.stderr, /--auth-type <type>' argument 'basic' is invalid/);
      assert.match(results[4]!.stderr, /--scope-separator <sep>' argument ';' is invalid/);
    });
  });

  describe('connect', () => {
    it('prints the link, waits, and reports the account a keys form created', async () => {
      const child = startCli(server, ['connect', 'weather', '--poll-interval', '200']);
      const done = finished(child);
      const link = await lineMatching(child, /^http:\/\/\S+\/v1\/connect\/link\?token=ctok_/);

      await sleep(500); // the account appears while the CLI is already polling
      const token = new URL(link).searchParams.get('token')!;
      const posted = await fetch(`${lk.url}/v1/connect/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, api_key: 'made-up-weather-key' }),
      });
      assert.equal(posted.status, 200);

      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      keysAccount = /Connected (apn_\S+)\./.exec(result.stdout)?.[1] ?? '';
      assert.ok(keysAccount, result.stdout);
      assert.match(result.stderr, /Open this link to connect weather/);
    });

    it('reconnects an end user’s account through a link made for that end user', async () => {
      await lk.api('POST', '/v1/apps', {
        name_slug: 'forecast',
        name: 'Forecast',
        auth_type: 'keys',
        fields: [{ name: 'api_key', label: 'API key' }],
      });
      const made = await lk.api('POST', '/v1/connect/tokens', {
        app: 'forecast',
        external_user_id: 'cust-9',
      });
      const first = await fetch(`${lk.url}/v1/connect/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: made.body.data.token, api_key: 'made-up-old' }),
      });
      const accountId = /apn_[\w-]+/.exec(await first.text())![0];

      const child = startCli(server, ['connect', 'forecast', '--reconnect', accountId]);
      const done = finished(child);
      const link = await lineMatching(child, /^http:\/\/\S+\/v1\/connect\/link\?token=ctok_/);
      const posted = await fetch(`${lk.url}/v1/connect/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token: new URL(link).searchParams.get('token'),
          account_id: accountId,
          api_key: 'made-up-new',
        }),
      });
      assert.equal(posted.status, 200, await posted.text());
      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`Reconnected ${accountId}`));
      const read = await lk.api('GET', `/v1/accounts/${accountId}?include_credentials=1`);
      assert.equal(read.body.data.credentials.api_key, 'made-up-new');
    });

    it('connects an OAuth account through the provider, with JSON lines for scripts', async () => {
      const child = startCli(server, ['connect', 'acme', '--json', '--poll-interval', '200']);
      const done = finished(child);
      const first = JSON.parse(await lineMatching(child, /connect_link_url/));

      const link = await fetch(first.connect_link_url, { redirect: 'manual' });
      assert.equal(link.status, 302);
      const callback = await completeAuthorization(link.headers.get('location')!);
      assert.equal((await fetch(callback, { redirect: 'manual' })).status, 200);

      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(lines.length, 2);
      oauthAccount = lines[1].data.id;
      assert.match(oauthAccount, /^apn_/);
      assert.equal(lines[1].data.name, 'octocat@example.com');
      assert.equal(lines[1].data.credentials, undefined);
    });

    it('finishes with the existing account when the same identity connects again', async () => {
      assert.match(oauthAccount, /^apn_/);
      const child = startCli(server, ['connect', 'acme', '--poll-interval', '200']);
      const done = finished(child);
      const link = await lineMatching(child, /^http:\/\/\S+\/v1\/connect\/link\?token=ctok_/);

      const opened = await fetch(link, { redirect: 'manual' });
      assert.equal(opened.status, 302);
      const callback = await completeAuthorization(opened.headers.get('location')!);
      const page = await fetch(callback, { redirect: 'manual' });
      assert.match(await page.text(), new RegExp(oauthAccount));

      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout.trim().split('\n').at(-1),
        `Connected ${oauthAccount} (octocat@example.com).`,
      );
    });

    it('reports a reconnect only once its link was used, not after a refresh', async () => {
      const args = ['connect', 'acme', '--reconnect', oauthAccount, '--poll-interval', '100'];
      const child = startCli(server, args);
      let exited = false;
      const done = finished(child).finally(() => (exited = true));
      const link = await lineMatching(child, /^http:\/\/\S+\/v1\/connect\/link\?token=ctok_/);

      // A refresh changes the account's updated_at while the CLI waits: not a reconnect.
      const refreshes = fixture.stats.refreshGrants;
      const earlier = await lk.api('GET', `/v1/accounts/${oauthAccount}`);
      const refreshed = await lk.api('POST', `/v1/accounts/${oauthAccount}/refresh`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(fixture.stats.refreshGrants, refreshes + 1);
      const later = await lk.api('GET', `/v1/accounts/${oauthAccount}`);
      assert.notEqual(later.body.data.updated_at, earlier.body.data.updated_at);
      await sleep(1000); // ten polls
      assert.equal(exited, false, 'the CLI ended after a refresh alone');

      const opened = await fetch(link, { redirect: 'manual' });
      assert.equal(opened.status, 302);
      const callback = await completeAuthorization(opened.headers.get('location')!);
      assert.equal((await fetch(callback, { redirect: 'manual' })).status, 200);

      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Reconnected ${oauthAccount} \\(`, 'm'));
    });

    it('gives up with exit code 8 when nobody connects in time', async () => {
      const result = await cli(['connect', 'weather', '--timeout', '1', '--poll-interval', '200']);
      assert.equal(result.code, 8);
      assert.match(result.stderr, /Gave up waiting/);
    });
  });

  describe('accounts', () => {
    it('lists accounts without secrets, as a table and as JSON', async () => {
      const [table, json] = await Promise.all([
        cli(['accounts', 'list']),
        cli(['accounts', 'list', '--json', '--app', 'weather']),
      ]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^ID\s+APP\s+NAME\s+STATUS\s+EXPIRES/);
      assert.match(table.stdout, new RegExp(`${keysAccount}\\s+weather\\s+-\\s+ok\\s+never`));
      assert.match(
        table.stdout,
        new RegExp(`${oauthAccount}\\s+acme\\s+octocat@example.com\\s+ok\\s+in `),
      );
      assert.ok(!table.stdout.includes('made-up-weather-key'));
      const accounts = JSON.parse(json.stdout) as Array<{ id: string }>;
      assert.deepEqual(
        accounts.map((a) => a.id),
        [keysAccount],
      );
    });

    it('shows credentials only with --credentials', async () => {
      const [plain, secret, json] = await Promise.all([
        cli(['accounts', 'get', keysAccount]),
        cli(['accounts', 'get', keysAccount, '--credentials']),
        cli(['accounts', 'get', oauthAccount, '--credentials', '--json']),
      ]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.ok(!plain.stdout.includes('made-up-weather-key'));
      assert.match(plain.stderr, /credentials hidden/);
      assert.match(secret.stdout, /api_key\s+made-up-weather-key/);
      const account = JSON.parse(json.stdout);
      assert.equal((await fixture.userinfo(account.credentials.oauth_access_token)).status, 200);
    });

    it('refreshes an OAuth account now', async () => {
      const before = fixture.stats.refreshGrants;
      const result = await cli(['accounts', 'refresh', oauthAccount]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Refreshed apn_\S+; the token expires \d{4}-/);
      assert.equal(fixture.stats.refreshGrants, before + 1);
    });

    it('says a keys account has nothing to refresh (the server leaves it as it is)', async () => {
      const before = await lk.api('GET', `/v1/accounts/${keysAccount}`);
      const answer = await lk.api('POST', `/v1/accounts/${keysAccount}/refresh`);
      // The server answers 200 with the account as it was: no expiry, never refreshed.
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.data.expires_at, null);
      assert.equal(answer.body.data.last_refreshed_at, before.body.data.last_refreshed_at);

      const result = await cli(['accounts', 'refresh', keysAccount]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        `Nothing to refresh: ${keysAccount} is a keys account (Weather); its credentials do ` +
          'not expire.\n',
      );
    });

    it('exits 5 for an unknown account', async () => {
      const result = await cli(['accounts', 'get', 'apn_doesnotexist0000000000']);
      assert.equal(result.code, 5);
      assert.match(result.stderr, /^error: No account .*account_not_found, request req_/);
    });

    it('deletes only with --yes when not on a terminal', async () => {
      const refused = await cli(['accounts', 'delete', keysAccount]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /--yes/);

      const deleted = await cli(['accounts', 'delete', keysAccount, '--yes']);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal((await cli(['accounts', 'get', keysAccount])).code, 5);
    });
  });

  describe('keys and audit', () => {
    it('creates a key whose secret works, lists keys without secrets, and revokes it', async () => {
      const created = await cli([
        'keys',
        'create',
        '--name',
        'ci',
        '--scope',
        'accounts:read',
        '--json',
      ]);
      assert.equal(created.code, 0, created.stderr);
      const key = JSON.parse(created.stdout);
      assert.match(key.secret, /^lk_/);

      const readOnly = { url: lk.url, apiKey: key.secret as string };
      const [listed, denied, keys] = await Promise.all([
        runCli(readOnly, ['accounts', 'list']),
        runCli(readOnly, ['accounts', 'get', oauthAccount, '--credentials']),
        cli(['keys', 'list']),
      ]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(denied.code, 4);
      assert.match(keys.stdout, new RegExp(`${key.id}\\s+ci\\s+lk_`));
      assert.ok(!keys.stdout.includes(key.secret));

      const revoked = await cli(['keys', 'revoke', key.id]);
      assert.equal(revoked.code, 0, revoked.stderr);
      const after = await runCli(readOnly, ['accounts', 'list']);
      assert.equal(after.code, 4);
    });

    it('tails the audit log: who read which credentials', async () => {
      await cli(['accounts', 'get', oauthAccount, '--credentials', '--json']);
      let events: Array<{ action: string; account_id: string | null }> = [];
      for (let i = 0; i < 10 && !events.some((e) => e.action === 'credentials.read'); i += 1) {
        await sleep(300); // the audit log is written in batches
        const result = await cli(['audit', 'tail', '--json', '--action', 'credentials.read']);
        assert.equal(result.code, 0, result.stderr);
        events = result.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
      }
      assert.ok(events.some((e) => e.account_id === oauthAccount));

      const table = await cli(['audit', 'tail', '-n', '5']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /\d{4}-\d\d-\d\dT\S+\s+\S+\s+api_key:key_/);
    });
  });

  describe('options are checked before any request', () => {
    it('connect with a bad --timeout makes no connect token and prints no link', async () => {
      const unreachable = { url: 'http://127.0.0.1:9', apiKey: lk.apiKey };
      const [live, dead, empty, tooFast] = await Promise.all([
        cli(['connect', 'weather', '--timeout', 'abc']),
        runCli(unreachable, ['connect', 'weather', '--timeout', 'abc']),
        cli(['connect', 'weather', '--timeout', '']),
        cli(['connect', 'weather', '--poll-interval', '5']),
      ]);
      for (const result of [live, dead, empty, tooFast]) {
        assert.equal(result.code, 2, result.stderr);
        assert.equal(result.stdout, '');
        assert.doesNotMatch(result.stderr, /ctok_|Open this link/);
      }
      assert.match(live.stderr, /^error: option '--timeout <seconds>' argument 'abc' is invalid/);
      assert.match(tooFast.stderr, /--poll-interval <ms>' argument '5' is invalid.*100 or more/);
    });

    it('names a short flag as typed, with its long form', async () => {
      const [audit, interval, list, minTtl] = await Promise.all([
        cli(['audit', 'tail', '-n', 'abc']),
        cli(['audit', 'tail', '--interval', '1e3']),
        cli(['accounts', 'list', '--limit', '0']),
        cli(['accounts', 'get', 'apn_x', '--min-ttl', '-5']),
      ]);
      assert.equal(audit.code, 2);
      assert.match(audit.stderr, /^error: option '-n, --limit <n>' argument 'abc' is invalid\./);
      assert.doesNotMatch(audit.stderr, /^error: --limit must/);
      assert.equal(interval.code, 2);
      assert.match(interval.stderr, /--interval <ms>' argument '1e3' is invalid/);
      assert.equal(list.code, 2);
      assert.match(list.stderr, /--limit <n>' argument '0' is invalid\. .*1 or more/);
      assert.equal(minTtl.code, 2);
      assert.match(minTtl.stderr, /--min-ttl/);
    });

    it('serve and keys rotate name their flags too', async () => {
      const none = { url: 'http://127.0.0.1:9', apiKey: '' };
      const [port, batch] = await Promise.all([
        runCli(none, ['serve', '-p', 'http']),
        runCli(none, ['keys', 'rotate', '--batch-size', '0']),
      ]);
      assert.equal(port.code, 2);
      assert.match(port.stderr, /option '-p, --port <port>' argument 'http' is invalid/);
      assert.equal(batch.code, 2);
      assert.match(batch.stderr, /--batch-size <n>' argument '0' is invalid/);
    });
  });

  describe('exit codes', () => {
    it('exits 2 without an API key or with an unknown command, 3 when unreachable', async () => {
      const closedPort = await freePort();
      const [noKey, unknown, unreachable] = await Promise.all([
        cli(['accounts', 'list'], { env: { LATCHKEY_API_KEY: undefined } }),
        cli(['accounts', 'frobnicate']),
        runCli({ url: `http://127.0.0.1:${closedPort}`, apiKey: lk.apiKey }, ['apps', 'list']),
      ]);
      assert.equal(noKey.code, 2);
      assert.match(noKey.stderr, /LATCHKEY_API_KEY/);
      assert.equal(unknown.code, 2);
      assert.equal(unreachable.code, 3);
      assert.match(unreachable.stderr, /Could not reach Latchkey/);
    });

    it('exits 4 for a wrong API key', async () => {
      const result = await runCli({ url: lk.url, apiKey: 'lk_made-up-wrong-key-00000000000' }, [
        'apps',
        'list',
      ]);
      assert.equal(result.code, 4);
    });
  });
});
