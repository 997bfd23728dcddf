/**
 * End to end: a token endpoint that echoes the request body and Authorization header in its
 * error_description. No secret Latchkey sent (client secret, code, verifier, refresh token)
 * may show up in an API answer, an account's `error`, audit events, logs or the database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { ECHO_STYLES, phpJson } from '../support/echo-styles.ts';
import { QUOTED_SECRET, secretForms } from '../../src/oauth/redact.ts';
import {
  startFakeTokenEndpoint,
  type FakeResponse,
  type FakeTokenEndpoint,
  type RecordedRequest,
} from '../support/fake-token-endpoint.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { testDialects } from '../support/stores.ts';
import { connectViaFake, json } from './support.ts';

// Characters that change under some encoding: space, +, /, =, %, @ (and ~ * ' !).
const SECRET = "P0st+Secret with/chars==%2B@ ~*'!x";

// A secret a hostile tester chose: space, + / = % @ and non-ASCII letters.
const QUOTED = 'cs QZXs3330+/=%@é€ü';

// 'quote-error' and 'quote-tokens' write the secrets back in spellings we never sent.
type Mode = 'ok' | 'echo' | 'quote-error' | 'quote-tokens';

/** The client secret and the grant's own secret (code or refresh token) as the fake got them. */
function quotable(req: RecordedRequest): string[] {
  const own = req.form.get('code') ?? req.form.get('refresh_token') ?? '';
  return [req.form.get('client_secret') ?? req.basic?.clientSecret ?? '', own];
}

function quote(req: RecordedRequest, mode: 'quote-error' | 'quote-tokens'): FakeResponse {
  const [secret = '', own = ''] = quotable(req);
  const said = `we received {"client_secret":"${phpJson(secret)}","grant":"${phpJson(own)}"}`;
  if (mode === 'quote-error') {
    return json(400, { error: 'invalid_request', error_description: said });
  }
  return json(200, {
    access_token: `at-${randomBytes(8).toString('hex')}`,
    refresh_token: `rt-${randomBytes(8).toString('hex')}`,
    token_type: 'Bearer',
    expires_in: 3600,
    team: 'Acme',
    debug: said,
    page: ECHO_STYLES['HTML over PHP']!(secret),
    partial: ECHO_STYLES['partial (last 3 characters cut)']!(secret),
    moji: { text: ECHO_STYLES['windows-1252 mojibake']!(secret) },
  });
}

const QUOTED_METADATA = {
  team: 'Acme',
  debug: '[redacted]',
  page: '[redacted]',
  partial: '[redacted]',
  moji: { text: '[redacted]' },
};

/**
 * Every value the quoting fake was sent, in every style it could write it back in. A partial
 * copy counts from 12 characters on (the window redact.ts looks for), so not for the 13-character
 * codes connectViaFake makes.
 */
function styledForms(requests: RecordedRequest[]): string[] {
  const values = new Set(requests.flatMap(quotable).filter((v) => v.length >= 12));
  return [...values].flatMap((v) =>
    Object.entries(ECHO_STYLES)
      .filter(([name]) => !name.startsWith('partial') || v.length - 3 >= 12)
      .map(([, style]) => style(v)),
  );
}

function echo(req: RecordedRequest): FakeResponse {
  const auth = String(req.headers.authorization ?? '');
  return json(400, {
    error: 'invalid_request',
    error_description: `you sent: ${req.rawBody} auth=${auth}`,
    error_uri: `https://provider.example/why?${req.rawBody}`,
  });
}

/** Every secret in the requests the fake received, in every spelling it could be echoed in. */
function sentForms(requests: RecordedRequest[]): string[] {
  const values = new Set<string>([SECRET]);
  const forms = new Set<string>();
  for (const req of requests) {
    for (const key of ['client_secret', 'code', 'code_verifier', 'refresh_token']) {
      const value = req.form.get(key);
      if (value) values.add(value);
    }
    const auth = req.headers.authorization;
    if (typeof auth === 'string') {
      const credential = auth.replace(/^\w+ /, '');
      forms.add(credential);
      forms.add(credential.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  for (const value of values) for (const form of secretForms(value)) forms.add(form);
  return [...forms];
}

function assertNoSecret(where: string, text: string, forms: string[]): void {
  for (const form of forms) {
    assert.ok(!text.includes(form), `${where} holds ${JSON.stringify(form)}:\n${text}`);
  }
}

for (const dialect of testDialects()) {
  describe(`a token endpoint echoing the request (${dialect})`, () => {
    let lk: TestLatchkey;
    let fake: FakeTokenEndpoint;
    const mode: { code: Mode; refresh: Mode } = { code: 'ok', refresh: 'ok' };

    before(async () => {
      fake = await startFakeTokenEndpoint((req) => {
        const m = req.grantType === 'authorization_code' ? mode.code : mode.refresh;
        if (m === 'echo') return echo(req);
        if (m === 'quote-error' || m === 'quote-tokens') return quote(req, m);
        return json(200, {
          access_token: `at-${randomBytes(8).toString('hex')}`,
          refresh_token: `rt-${randomBytes(8).toString('hex')}`,
          token_type: 'Bearer',
          expires_in: 3600,
        });
      });
      lk = await startTestLatchkey({ dialect });
    });

    after(async () => {
      await lk?.close();
      await fake?.close();
    });

    /** A custom app on the fake provider, with its OAuth client holding `secret`. */
    async function registerEchoApp(
      slug: string,
      method: 'client_secret_post' | 'client_secret_basic',
      secret: string,
    ): Promise<string> {
      const app = await lk.api('POST', '/v1/apps', {
        name_slug: slug,
        name: slug,
        auth_type: 'oauth',
        oauth: {
          authorization_url: `${fake.origin}/authorize`,
          token_url: `${fake.origin}/token`,
          token_auth_method: method,
        },
      });
      assert.equal(app.status, 201, JSON.stringify(app.body));
      const client = await lk.api('POST', '/v1/oauth_apps', {
        app: slug,
        client_id: 'client 1@x',
        client_secret: secret,
        scopes: ['read'],
      });
      assert.equal(client.status, 201, JSON.stringify(client.body));
      return slug;
    }

    for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
      it(`keeps every sent secret out of what it stores and says (${method})`, async () => {
        const slug = await registerEchoApp(`echo-${method.replace(/_/g, '-')}`, method, SECRET);
        const first = fake.requests.length;

        // A code exchange that fails with the echo.
        mode.code = 'echo';
        const failed = await connectViaFake(lk, slug, { externalUserId: 'u-failed' });
        assert.equal(failed.accountId, null);

        // A connect that works, then a forced refresh that fails with the echo.
        mode.code = 'ok';
        const { accountId } = await connectViaFake(lk, slug, { externalUserId: 'u-ok' });
        assert.ok(accountId);
        mode.refresh = 'echo';
        const refreshed = await lk.api('POST', `/v1/accounts/${accountId}/refresh`);
        mode.refresh = 'ok';
        assert.equal(refreshed.status, 503, lk.logs().slice(-3000));
        assert.equal(refreshed.body.code, 'refresh_unavailable');
        assert.match(refreshed.body.error, /invalid_request: you sent: .*\[redacted\]/);

        const sent = fake.requests.slice(first);
        assert.ok(sent.some((r) => r.grantType === 'refresh_token'));
        if (method === 'client_secret_basic') {
          assert.ok(sent.every((r) => r.basic?.clientSecret === SECRET));
        } else {
          assert.ok(sent.every((r) => r.form.get('client_secret') === SECRET));
        }
        const forms = sentForms(sent);

        assertNoSecret('the refresh error', JSON.stringify(refreshed.body), forms);

        const account = await lk.api('GET', `/v1/accounts/${accountId}`);
        assert.equal(account.status, 200);
        const accountError = String(account.body.data?.error ?? account.body.error);
        assert.match(accountError, /\[redacted\]/);
        assertNoSecret('the account', JSON.stringify(account.body), forms);

        await lk.server.services.audit.flush();
        const events = await lk.api('GET', '/v1/audit_events');
        assert.equal(events.status, 200);
        assert.match(JSON.stringify(events.body), /account\.refresh_failed/);
        assertNoSecret('the audit events', JSON.stringify(events.body), forms);

        assert.match(lk.logs(), /refresh failed/);
        assertNoSecret('the logs', lk.logs(), forms);

        const { db } = lk.server.store;
        const rows = {
          accounts: await db.selectFrom('accounts').selectAll().execute(),
          audit: await db.selectFrom('audit_events').selectAll().execute(),
          states: await db.selectFrom('oauth_states').selectAll().execute(),
          tokens: await db.selectFrom('connect_tokens').selectAll().execute(),
        };
        assertNoSecret('the database', JSON.stringify(rows), forms);
      });

      it(`keeps secrets it quotes in other spellings out (${method})`, async () => {
        const slug = await registerEchoApp(`quote-${method.replace(/_/g, '-')}`, method, QUOTED);
        const first = fake.requests.length;

        // A code exchange refused with a quote; one that works but quotes in its metadata.
        mode.code = 'quote-error';
        const failed = await connectViaFake(lk, slug, { externalUserId: 'q-failed' });
        assert.equal(failed.accountId, null);
        mode.code = 'quote-tokens';
        const { accountId } = await connectViaFake(lk, slug, { externalUserId: 'q-ok' });
        mode.code = 'ok';
        assert.ok(accountId);
        const connected = await lk.api('GET', `/v1/accounts/${accountId}`);
        assert.deepEqual(connected.body.data?.metadata ?? connected.body.metadata, QUOTED_METADATA);

        // A refresh that works but quotes, then one refused with a quote.
        mode.refresh = 'quote-tokens';
        const ok = await lk.api('POST', `/v1/accounts/${accountId}/refresh`);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        mode.refresh = 'quote-error';
        const refused = await lk.api('POST', `/v1/accounts/${accountId}/refresh`);
        mode.refresh = 'ok';
        assert.equal(refused.status, 503, JSON.stringify(refused.body));
        assert.ok(String(refused.body.error).includes(QUOTED_SECRET), refused.body.error);

        const sent = fake.requests.slice(first);
        assert.equal(sent.length, 4);
        const forms = [...styledForms(sent), ...sentForms(sent)];
        assert.ok(forms.includes(phpJson(QUOTED)));

        const account = await lk.api('GET', `/v1/accounts/${accountId}`);
        const data = account.body.data ?? account.body;
        assert.deepEqual(data.metadata, QUOTED_METADATA);
        assert.ok(String(data.error).includes(QUOTED_SECRET), String(data.error));
        assertNoSecret('the account', JSON.stringify(account.body), forms);
        assertNoSecret('the refresh error', JSON.stringify(refused.body), forms);

        await lk.server.services.audit.flush();
        const events = await lk.api('GET', '/v1/audit_events');
        assertNoSecret('the audit events', JSON.stringify(events.body), forms);
        assertNoSecret('the logs', lk.logs(), forms);

        const { db } = lk.server.store;
        const rows = {
          accounts: await db.selectFrom('accounts').selectAll().execute(),
          audit: await db.selectFrom('audit_events').selectAll().execute(),
        };
        assertNoSecret('the database', JSON.stringify(rows), forms);
      });
    }
  });
}
