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
import { ECHO_STYLES, phpJson } from '../../test/support/echo-styles.ts';
import { QUOTED_SECRET, secretForms } from './redact.ts';
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

/** What a code exchange hands back for `access` alone: no refresh token, no expiry. */
function bearer(access: string): TokenSet {
  return {
    accessToken: access,
    refreshToken: null,
    tokenType: 'Bearer',
    expiresAt: null,
    refreshTokenExpiresAt: null,
    scopes: null,
    idToken: null,
    metadata: {},
  };
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
        const tokens = bearer(access);
        const p = { ...provider(fake.url, 'client_secret_post'), userinfoUrl: fake.url };
        const identity = await fetchIdentity(p, tokens);
        assert.equal(identity.externalId, 'u1');
        // A claim that quoted a token is no name for the account, even with the token cut out.
        assert.equal(identity.claims.name, 'you sent Bearer [redacted]');
        assert.equal(identity.name, null);
        assert.ok(!JSON.stringify(identity).includes(access));
      },
    ));
});

// The secrets of a hostile tester's request: space, + / = % @ and non-ASCII in each.
const QUOTING = { clientId: 'client 1@x', clientSecret: 'cs QZXs3330+/=%@é€ü' };
const Q_CODE = 'code+/= %@é-123456';
const Q_VERIFIER = 'verifier+/= %@é€ü-0123456789-abcdefghij';
const Q_REFRESH = 'rt+/= %@é€-refresh-token';

/** Where in a request the fake finds the value it quotes back. */
const PICKS: Record<string, (req: RecordedRequest) => string | null | undefined> = {
  client_secret: (req) => req.form.get('client_secret') ?? req.basic?.clientSecret,
  code: (req) => req.form.get('code'),
  code_verifier: (req) => req.form.get('code_verifier'),
  refresh_token: (req) => req.form.get('refresh_token'),
  authorization: (req) => String(req.headers.authorization ?? '').replace(/^Basic /, ''),
};

/** A fake that quotes one picked value of each request, in `style`, as error or metadata. */
function quoting(style: (v: string) => string, answer: 'error' | 'tokens') {
  const state = { pick: 'client_secret', value: '', styled: '' };
  const handler = (req: RecordedRequest): FakeResponse => {
    state.value = PICKS[state.pick]!(req) ?? '';
    assert.ok(state.value.length > 0, `the request carried no ${state.pick}`);
    state.styled = style(state.value);
    const quote = `{"${state.pick}":"${state.styled}"}`;
    const body =
      answer === 'error'
        ? {
            error: 'invalid_request',
            error_description: `we received ${quote}`,
            error_uri: `https://p.example/e?got=${state.styled}`,
            suberror: [`saw ${state.styled}`],
          }
        : {
            access_token: 'at-quoting-1',
            refresh_token: 'rt-quoting-2',
            token_type: 'Bearer',
            expires_in: 3600,
            team: 'Acme',
            debug: `we received ${quote}`,
            nested: { seen: [state.styled] },
          };
    return {
      status: answer === 'error' ? 400 : 200,
      headers: JSON_TYPE,
      body: JSON.stringify(body),
    };
  };
  return { state, handler };
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** Whether the quote is still one of the spellings the forms step cuts out where it stands. */
function isKnownForm(value: string, styled: string): boolean {
  return secretForms(value).some((form) => styled.includes(form));
}

function picksFor(grant: 'exchange' | 'refresh', method: TokenAuthMethod): string[] {
  const own = grant === 'exchange' ? ['code', 'code_verifier'] : ['refresh_token'];
  return ['client_secret', ...own, ...(method === 'client_secret_basic' ? ['authorization'] : [])];
}

function run(grant: 'exchange' | 'refresh', p: ProviderConfig): Promise<TokenOutcome> {
  if (grant === 'refresh') return refreshGrant(p, QUOTING, { refreshToken: Q_REFRESH });
  const req = { code: Q_CODE, redirectUri: 'https://l.example/cb', codeVerifier: Q_VERIFIER };
  return exchangeCode(p, QUOTING, req);
}

for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
  for (const grant of ['exchange', 'refresh'] as const) {
    describe(`a provider quoting the ${grant} request in another spelling (${method})`, () => {
      for (const [name, style] of Object.entries(ECHO_STYLES)) {
        it(`keeps no secret it wrote ${name} in the error`, async () => {
          const { state, handler } = quoting(style, 'error');
          await withFake(handler, async (fake) => {
            for (const pick of picksFor(grant, method)) {
              state.pick = pick;
              const outcome = await run(grant, provider(fake.url, method));
              assert.ok('error' in outcome, JSON.stringify(outcome));
              const text = JSON.stringify(outcome);
              assert.ok(!text.includes(state.styled), `${pick} leaked in ${text}`);
              if (!isKnownForm(state.value, state.styled)) {
                assert.equal(outcome.error.description, QUOTED_SECRET, pick);
                assert.deepEqual(outcome.error.details?.suberror, [QUOTED_SECRET], pick);
              }
            }
          });
        });

        it(`keeps no secret it wrote ${name} in a token answer's metadata`, async () => {
          const { state, handler } = quoting(style, 'tokens');
          await withFake(handler, async (fake) => {
            for (const pick of picksFor(grant, method)) {
              state.pick = pick;
              const outcome = await run(grant, provider(fake.url, method));
              assert.equal(outcome.kind, 'tokens', JSON.stringify(outcome));
              const { metadata } = (outcome as { tokens: TokenSet }).tokens;
              assert.ok(!JSON.stringify(metadata).includes(state.styled), pick);
              if (!isKnownForm(state.value, state.styled)) {
                const expected = {
                  team: 'Acme',
                  debug: '[redacted]',
                  nested: { seen: ['[redacted]'] },
                };
                assert.deepEqual(metadata, expected, pick);
              }
            }
          });
        });
      }
    });
  }
}

describe('a userinfo endpoint quoting the access token in another spelling', () => {
  // HTTP headers carry bytes, so an access token is ASCII; mojibake leaves it as it is.
  const access = 'at+/= secret-access-token%@';
  const tokens = bearer(access);

  for (const [name, style] of Object.entries(ECHO_STYLES)) {
    it(`gives the account no name from a claim that wrote it ${name}`, async () => {
      let styled = '';
      const handler = (req: RecordedRequest): FakeResponse => {
        const token = String(req.headers.authorization).replace(/^Bearer /, '');
        assert.equal(token, access);
        styled = style(token);
        const email = `me+{"auth":"Bearer ${styled}"}@x.example`;
        return { status: 200, headers: JSON_TYPE, body: JSON.stringify({ sub: 'u1', email }) };
      };
      await withFake(handler, async (fake) => {
        const p = { ...provider(fake.url, 'client_secret_post'), userinfoUrl: fake.url };
        const identity = await fetchIdentity(p, tokens);
        assert.equal(identity.externalId, 'u1');
        assert.equal(identity.name, null);
        const known = isKnownForm(access, styled);
        assert.equal(
          identity.claims.email,
          known ? 'me+{"auth":"Bearer [redacted]"}@x.example' : '[redacted]',
        );
        assert.ok(!JSON.stringify(identity).includes(styled));
      });
    });
  }

  it('still names the account from a claim that quotes nothing', () =>
    withFake(
      () => ({
        status: 200,
        headers: JSON_TYPE,
        body: JSON.stringify({ sub: 'u1', email: phpJson('josé/ü@x.example') }),
      }),
      async (fake) => {
        const p = { ...provider(fake.url, 'client_secret_post'), userinfoUrl: fake.url };
        const identity = await fetchIdentity(p, tokens);
        assert.equal(identity.name, 'jos\\u00e9\\/\\u00fc@x.example');
      },
    ));
});
