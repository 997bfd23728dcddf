import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  startFakeTokenEndpoint,
  type FakeResponse,
  type FakeTokenEndpoint,
} from '../../test/support/fake-token-endpoint.ts';
import { exchangeCode } from './exchange-code.ts';
import { refreshGrant } from './refresh-grant.ts';
import type { ProviderConfig, TokenOutcome } from './types.ts';

const NOW = 1_700_000_000_000;
const opts = { now: () => NOW };
const client = { clientId: 'client-1', clientSecret: 'SENTINEL-client-secret' };
const ok: FakeResponse = {
  status: 200,
  headers: { 'Content-Type': 'application/json' },
  body: '{"access_token":"at-1","expires_in":60}',
};

function provider(url: string, overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    authorizationUrl: 'https://provider.example/authorize',
    tokenUrl: url,
    scopeSeparator: ' ',
    tokenAuthMethod: 'client_secret_post',
    pkce: true,
    defaultScopes: [],
    authorizeParams: {},
    tokenParams: {},
    allowInsecureRequests: true,
    ...overrides,
  };
}

async function withFake(
  answers: FakeResponse[],
  run: (fake: FakeTokenEndpoint) => Promise<void>,
): Promise<void> {
  const fake = await startFakeTokenEndpoint(answers);
  try {
    await run(fake);
  } finally {
    await fake.close();
  }
}

describe('grant_type=authorization_code', () => {
  it('posts a form with the code, redirect_uri and verifier, asking for JSON', () =>
    withFake([ok], async (fake) => {
      const req = { code: 'c&=+1', redirectUri: 'https://l.example/cb', codeVerifier: 'v-1' };
      const outcome = await exchangeCode(provider(fake.url), client, req, opts);
      assert.equal(outcome.kind, 'tokens');

      const sent = fake.requests[0]!;
      assert.equal(sent.method, 'POST');
      assert.equal(sent.headers.accept, 'application/json');
      assert.match(String(sent.headers['content-type']), /^application\/x-www-form-urlencoded/);
      assert.equal(sent.grantType, 'authorization_code');
      assert.equal(sent.code, 'c&=+1');
      assert.equal(sent.form.get('redirect_uri'), 'https://l.example/cb');
      assert.equal(sent.form.get('code_verifier'), 'v-1');
    }));

  it('sends the app token params, which cannot replace protocol ones', () =>
    withFake([ok], async (fake) => {
      const tokenParams = { resource: 'https://api.example', grant_type: 'password' };
      const p = provider(fake.url, { tokenParams });
      await exchangeCode(p, client, { code: 'c-1', redirectUri: 'https://l.example/cb' }, opts);

      assert.equal(fake.requests[0]!.form.get('resource'), 'https://api.example');
      assert.equal(fake.requests[0]!.grantType, 'authorization_code');
      assert.equal(fake.requests[0]!.form.has('code_verifier'), false);
    }));

  it('computes expiry from our clock at receipt', () =>
    withFake([ok], async (fake) => {
      const req = { code: 'c-1', redirectUri: 'https://l.example/cb' };
      const outcome = await exchangeCode(provider(fake.url), client, req, opts);
      assert.equal(outcome.kind === 'tokens' && outcome.tokens.expiresAt, NOW + 60_000);
    }));
});

describe('grant_type=refresh_token', () => {
  it('round-trips a refresh token with special characters', () =>
    withFake([ok], async (fake) => {
      const refreshToken = 'rt/+=&%20 é';
      await refreshGrant(provider(fake.url), client, { refreshToken }, opts);
      assert.equal(fake.requests[0]!.refreshToken, refreshToken);
    }));

  it('sends a narrower scope with the app separator when asked', () =>
    withFake([ok], async (fake) => {
      const p = provider(fake.url, { scopeSeparator: ',' });
      await refreshGrant(p, client, { refreshToken: 'rt-1', scopes: ['a', 'b'] }, opts);
      assert.equal(fake.requests[0]!.form.get('scope'), 'a,b');
    }));

  it('is transient with code timeout when the provider is too slow', () =>
    withFake([{ ...ok, delayMs: 500 }], async (fake) => {
      const outcome = await refreshGrant(
        provider(fake.url),
        client,
        { refreshToken: 'rt-1' },
        {
          ...opts,
          timeoutMs: 50,
        },
      );
      assert.equal(outcome.kind, 'transient');
      assert.equal('error' in outcome && outcome.error.code, 'timeout');
      assert.equal('error' in outcome && outcome.error.status, null);
    }));

  it('is transient with code network_error when nothing listens', async () => {
    const fake = await startFakeTokenEndpoint([]);
    await fake.close();

    const outcome = await refreshGrant(provider(fake.url), client, { refreshToken: 'rt-1' });
    assert.equal(outcome.kind, 'transient');
    assert.equal('error' in outcome && outcome.error.code, 'network_error');
    assert.match('error' in outcome ? (outcome.error.description ?? '') : '', /ECONNREFUSED/);
  });

  it('stops reading an answer over the size cap, and reads it as transient', () =>
    withFake(
      [
        {
          status: 200,
          headers: { 'Content-Type': 'text/html' },
          body: 'x'.repeat(2 * 1024 * 1024),
        },
      ],
      async (fake) => {
        const outcome = await refreshGrant(provider(fake.url), client, { refreshToken: 'rt-1' });
        assert.equal(outcome.kind, 'transient');
        assert.match('error' in outcome ? (outcome.error.description ?? '') : '', /larger than/);
      },
    ));

  it('does not follow redirects, and reads them as transient', () =>
    withFake(
      [{ status: 302, headers: { Location: 'https://elsewhere.example/' }, body: '' }],
      async (fake) => {
        const outcome = await refreshGrant(provider(fake.url), client, { refreshToken: 'rt-1' });
        assert.equal(outcome.kind, 'transient');
        assert.equal(fake.requests.length, 1);
      },
    ));

  it('refuses a plain-http token endpoint unless the app allows it', async () => {
    const p = provider('http://127.0.0.1:9/token', { allowInsecureRequests: false });
    const outcome = await refreshGrant(p, client, { refreshToken: 'rt-1' });
    assert.equal(outcome.kind, 'misconfigured');
    assert.equal('error' in outcome && outcome.error.code, 'insecure_endpoint');
  });
});

describe('secrets in outcomes', () => {
  const echo = (status: number, contentType: string, body: string): FakeResponse => ({
    status,
    headers: { 'Content-Type': contentType },
    body,
  });
  const answers = [
    echo(400, 'application/json', JSON.stringify(errorEcho('invalid_grant'))),
    echo(401, 'application/json', JSON.stringify(errorEcho('invalid_client'))),
    echo(200, 'application/json', JSON.stringify(errorEcho('slow_down'))),
    echo(400, 'application/x-www-form-urlencoded', new URLSearchParams(errorEcho('x')).toString()),
    echo(503, 'text/html', '<p>SENTINEL-refresh-token</p>'),
    echo(200, 'application/json', '{"access_token":"at-1","note":"SENTINEL-refresh-token"}'),
  ];

  function errorEcho(error: string): Record<string, string> {
    return {
      error,
      error_description: 'got SENTINEL-refresh-token from SENTINEL-client-secret',
      error_uri: 'https://p.example/?t=SENTINEL-refresh-token',
    };
  }

  it('never carries the refresh token or client secret we sent', () =>
    withFake(answers, async (fake) => {
      const outcomes: TokenOutcome[] = [];
      for (const _ of answers) {
        const req = { refreshToken: 'SENTINEL-refresh-token' };
        outcomes.push(await refreshGrant(provider(fake.url), client, req, opts));
      }

      assert.doesNotMatch(JSON.stringify(outcomes), /SENTINEL/);
      assert.deepEqual(
        outcomes.map((o) => o.kind),
        ['reauth', 'misconfigured', 'transient', 'rejected', 'transient', 'tokens'],
      );
    }));
});
