/**
 * A hostile token endpoint that echoes the request body and Authorization header in its
 * error_description: no secret we sent may come back out of the wire layer, in any spelling.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  startFakeTokenEndpoint,
  type FakeResponse,
  type FakeTokenEndpoint,
  type RecordedRequest,
} from '../../test/support/fake-token-endpoint.ts';
import { basicAuthorization } from './client-auth.ts';
import { exchangeCode } from './exchange-code.ts';
import { fetchIdentity } from './identity.ts';
import { refreshGrant } from './refresh-grant.ts';
import { secretForms } from './redact.ts';
import type { ProviderConfig, TokenAuthMethod, TokenOutcome, TokenSet } from './types.ts';

// Every character that changes under some encoding: space, +, /, =, %, @, and more.
const SECRET = "P0st+Secret with/chars==%2B@!*'~:";
const CLIENT = { clientId: 'client 1@x', clientSecret: SECRET };
const CODE = 'code+/= %@-1234';
const VERIFIER = 'verifier~with spaces+and/slashes=';
const REFRESH = 'rt+/= %@-refresh-token';

function echo(status = 400, error = 'invalid_request') {
  return (req: RecordedRequest): FakeResponse => {
    const auth = String(req.headers.authorization ?? '');
    const said = `you sent: ${req.rawBody} auth=${auth}`;
    return {
      status,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        error: `${error}`,
        error_description: said,
        error_uri: `https://p.example/e?${req.rawBody}`,
        suberror: [auth, decodeURIComponent(req.rawBody.replace(/\+/g, ' '))],
      }),
    };
  };
}

function provider(url: string, method: TokenAuthMethod): ProviderConfig {
  return {
    authorizationUrl: 'https://provider.example/authorize',
    tokenUrl: url,
    scopeSeparator: ' ',
    tokenAuthMethod: method,
    pkce: true,
    defaultScopes: [],
    authorizeParams: {},
    tokenParams: {},
    allowInsecureRequests: true,
  };
}

async function withFake(
  handler: (req: RecordedRequest) => FakeResponse,
  run: (fake: FakeTokenEndpoint) => Promise<void>,
): Promise<void> {
  const fake = await startFakeTokenEndpoint(handler);
  try {
    await run(fake);
  } finally {
    await fake.close();
  }
}

/** Every spelling in which `values` were (or could have been) on the wire. */
function spellings(...values: string[]): string[] {
  const basic = basicAuthorization(CLIENT.clientId, SECRET).slice('Basic '.length);
  const base64url = basic.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const all = values.flatMap(secretForms);
  all.push(
    basic,
    base64url,
    encodeURIComponent(SECRET),
    new URLSearchParams({ s: SECRET }).toString().slice(2),
  );
  return [...new Set(all)];
}

function assertClean(outcome: TokenOutcome, forms: string[]): void {
  assert.notEqual(outcome.kind, 'tokens');
  const text = JSON.stringify(outcome);
  assert.ok('error' in outcome && outcome.error.description?.includes('[redacted]'), text);
  for (const form of forms) {
    assert.ok(!text.includes(form), `${JSON.stringify(form)} leaked in ${text}`);
    const described = 'error' in outcome ? (outcome.error.description ?? '') : '';
    assert.ok(!described.includes(form), `${JSON.stringify(form)} in the description`);
  }
}

for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
  describe(`a provider echoing the request (${method})`, () => {
    it('gets no client secret, code or verifier back out of a code exchange', () =>
      withFake(echo(), async (fake) => {
        const req = { code: CODE, redirectUri: 'https://l.example/cb', codeVerifier: VERIFIER };
        const outcome = await exchangeCode(provider(fake.url, method), CLIENT, req);
        const sent = fake.requests[0]!;
        if (method === 'client_secret_basic') {
          assert.equal(sent.basic?.clientSecret, SECRET);
        } else {
          assert.equal(sent.form.get('client_secret'), SECRET);
        }
        assertClean(outcome, spellings(SECRET, CODE, VERIFIER));
        // What is not secret stays readable.
        assert.match(JSON.stringify(outcome), /grant_type=authorization_code/);
      }));

    it('gets no client secret or refresh token back out of a refresh', () =>
      withFake(echo(400, 'invalid_grant'), async (fake) => {
        const outcome = await refreshGrant(provider(fake.url, method), CLIENT, {
          refreshToken: REFRESH,
        });
        assert.equal(outcome.kind, 'reauth');
        assertClean(outcome, spellings(SECRET, REFRESH));
      }));

    it('gets nothing back out of a non-token answer either', () =>
      withFake(
        (req) => ({
          status: 502,
          headers: { 'Content-Type': `text/html; echo="${req.rawBody}"` },
          body: `<html>${req.rawBody}</html>`,
        }),
        async (fake) => {
          const outcome = await refreshGrant(provider(fake.url, method), CLIENT, {
            refreshToken: REFRESH,
          });
          assert.equal(outcome.kind, 'transient');
          const text = JSON.stringify(outcome);
          for (const form of spellings(SECRET, REFRESH)) assert.ok(!text.includes(form), text);
        },
      ));
  });
}

describe('provider text', () => {
  it('is bounded in length and cleaned of control characters', () =>
    withFake(
      () => ({
        status: 400,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          error: `invalid_request${'x'.repeat(1000)}`,
          error_description: `a\u0000b\nc${'y'.repeat(10_000)}`,
          error_codes: Array.from({ length: 5000 }, (_, i) => i),
        }),
      }),
      async (fake) => {
        const outcome = await refreshGrant(provider(fake.url, 'client_secret_post'), CLIENT, {
          refreshToken: REFRESH,
        });
        assert.ok('error' in outcome);
        const { code, description, details } = outcome.error;
        assert.ok(code.length <= 100, code);
        assert.ok(description !== null && description.length <= 500);
        assert.ok(description.startsWith('a b c'));
        assert.ok(JSON.stringify(details).length <= 600);
      },
    ));

  it('keeps a short secret out where it stands alone, without mangling words', () =>
    withFake(
      (req) => ({
        status: 400,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          error: 'invalid_client',
          error_description: `about ${req.form.get('client_secret')} in ${req.rawBody}`,
        }),
      }),
      async (fake) => {
        const short = { clientId: 'c', clientSecret: 'ab' };
        const outcome = await refreshGrant(provider(fake.url, 'client_secret_post'), short, {
          refreshToken: REFRESH,
        });
        assert.equal(outcome.kind, 'misconfigured');
        const description = 'error' in outcome ? outcome.error.description : null;
        assert.match(description ?? '', /^about \[redacted\] in /);
        assert.match(description ?? '', /client_secret=\[redacted\]/);
        assert.doesNotMatch(description ?? '', /\bab\b/);
      },
    ));
});

describe('userinfo', () => {
  it('does not keep the access token when the endpoint echoes the Bearer header', () =>
    withFake(
      (req) => ({
        status: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ sub: 'u1', name: `you sent ${String(req.headers.authorization)}` }),
      }),
      async (fake) => {
        const access = 'at+/= secret-access-token';
        const tokens: TokenSet = {
          accessToken: access,
          refreshToken: null,
          tokenType: 'Bearer',
          expiresAt: null,
          refreshTokenExpiresAt: null,
          scopes: null,
          idToken: null,
          metadata: {},
        };
        const p = { ...provider(fake.url, 'client_secret_post'), userinfoUrl: fake.url };
        const identity = await fetchIdentity(p, tokens);
        assert.equal(identity.externalId, 'u1');
        assert.equal(identity.name, 'you sent Bearer [redacted]');
        assert.ok(!JSON.stringify(identity).includes(access));
      },
    ));
});
