import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseScopes, readTokenAnswer, type ReadContext } from './token-response.ts';
import type { GrantType, TokenOutcome } from './types.ts';

const NOW = 1_700_000_000_000;
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

function read(
  status: number,
  body: string | Record<string, unknown>,
  options: { headers?: Record<string, string>; grant?: GrantType; ctx?: Partial<ReadContext> } = {},
): TokenOutcome {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = new Headers(options.headers ?? JSON_TYPE);
  const ctx: ReadContext = {
    grant: options.grant ?? 'refresh_token',
    receivedAt: NOW,
    quirks: [],
    sentSecrets: [],
    ...options.ctx,
  };

  return readTokenAnswer({ status, headers, body: text }, ctx);
}

function tokens(outcome: TokenOutcome) {
  assert.equal(outcome.kind, 'tokens', JSON.stringify(outcome));
  return (outcome as Extract<TokenOutcome, { kind: 'tokens' }>).tokens;
}

describe('token response: success', () => {
  it('keeps token values byte for byte', () => {
    const odd = 'a+b/c=d%20e "q" \u00e9\u{1F511}';
    const set = tokens(read(200, { access_token: odd, refresh_token: ` ${odd} ` }));
    assert.equal(set.accessToken, odd);
    assert.equal(set.refreshToken, ` ${odd} `);
  });

  it('reads a form-encoded body, decoding + and percent escapes', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const set = tokens(read(200, 'access_token=a%2Bb%3D&scope=repo%2Cgist', { headers: form }));
    assert.equal(set.accessToken, 'a+b=');
    assert.deepEqual(set.scopes, ['repo', 'gist']);
  });

  it('sniffs JSON labelled text/plain, and form bodies with no content type', () => {
    const plain = { 'content-type': 'text/plain' };
    assert.equal(tokens(read(200, '{"access_token":"at"}', { headers: plain })).accessToken, 'at');
    assert.equal(tokens(read(200, 'access_token=at', { headers: {} })).accessToken, 'at');
  });

  it('gives a null refresh token when none or an empty one is sent', () => {
    assert.equal(tokens(read(200, { access_token: 'at' })).refreshToken, null);
    assert.equal(tokens(read(200, { access_token: 'at', refresh_token: '' })).refreshToken, null);
  });

  it('keeps non-secret extras as metadata, and drops anything token-like', () => {
    const set = tokens(
      read(200, {
        access_token: 'at-long-enough',
        instance_url: 'https://eu1.example',
        signature: 'hmac',
        authed_user: { id: 'U1', access_token: 'xoxp', refresh_token: 'xoxe', scope: 'chat' },
        echo: 'see at-long-enough',
      }),
    );
    assert.deepEqual(set.metadata, {
      instance_url: 'https://eu1.example',
      authed_user: { id: 'U1', scope: 'chat' },
      echo: 'see [redacted]',
    });
  });

  it('accepts a 2xx other than 200', () => {
    assert.equal(read(201, { access_token: 'at' }).kind, 'tokens');
  });
});

describe('token response: failures', () => {
  it('checks error before access_token, whatever the status', () => {
    const outcome = read(200, { access_token: 'at', error: 'invalid_grant' });
    assert.equal(outcome.kind, 'reauth');
  });

  it('treats Slack ok:false as an error even without an error string', () => {
    const outcome = read(200, { ok: false, access_token: 'at' });
    assert.equal(outcome.kind, 'rejected');
    assert.equal('error' in outcome && outcome.error.code, 'unknown_error');
  });

  it('reads a nested error object', () => {
    const outcome = read(400, { error: { code: 'invalid_client', message: 'bad secret' } });
    assert.equal(outcome.kind, 'misconfigured');
    assert.equal('error' in outcome && outcome.error.description, 'bad secret');
  });

  it('never treats a 200 without a non-empty access_token as success', () => {
    for (const body of [{}, { access_token: '' }, { access_token: 42 }, { token_type: 'bearer' }]) {
      assert.equal(read(200, body).kind, 'transient', JSON.stringify(body));
    }
  });

  it('treats HTML and unparseable bodies as transient, whatever the status', () => {
    const html = { 'content-type': 'text/html' };
    for (const status of [200, 400, 403, 404, 502]) {
      const outcome = read(status, '<html>x</html>', { headers: html });
      assert.equal(outcome.kind, 'transient', String(status));
    }
    assert.equal(read(200, '{"access_token":', {}).kind, 'transient');
  });

  it('treats a 4xx without an OAuth error as transient, not as a dead grant', () => {
    assert.equal(read(401, { message: 'Bad credentials' }).kind, 'transient');
  });

  it('passes Retry-After through on transient outcomes', () => {
    const headers = { ...JSON_TYPE, 'retry-after': '30' };
    const outcome = read(503, { error: 'temporarily_unavailable' }, { headers });
    assert.deepEqual(outcome.kind === 'transient' && outcome.retryAfterMs, 30_000);
  });

  it('keeps allow-listed details and nothing else', () => {
    const outcome = read(400, {
      error: 'invalid_grant',
      error_codes: [50173],
      suberror: 'bad_token',
      refresh_token: 'rt-echo',
      anything: 'else',
    });
    assert.deepEqual('error' in outcome && outcome.error.details, {
      error_codes: [50173],
      suberror: 'bad_token',
    });
  });

  it('redacts sent secrets that a provider echoes back', () => {
    const outcome = read(
      400,
      { error: 'invalid_grant', error_description: 'refresh token rt-SENTINEL is unknown' },
      { ctx: { sentSecrets: ['rt-SENTINEL'] } },
    );
    assert.doesNotMatch(JSON.stringify(outcome), /SENTINEL/);
  });
});

describe('error classification', () => {
  const kindOf = (status: number, body: Record<string, unknown>, grant: GrantType) =>
    read(status, body, { grant }).kind;

  it('makes grant-gone codes reauth on a refresh, whatever the status', () => {
    const codes = [
      'invalid_grant',
      'invalid_refresh_token',
      'interaction_required',
      'consent_required',
      'login_required',
      'token_revoked',
      'invalid_code',
    ];
    for (const error of codes) {
      for (const status of [200, 400, 401, 403]) {
        assert.equal(kindOf(status, { error }, 'refresh_token'), 'reauth', `${error} ${status}`);
      }
    }
  });

  it('makes bad-code errors rejected on a code exchange, which has no grant to lose', () => {
    for (const error of ['invalid_grant', 'invalid_code', 'bad_verification_code']) {
      assert.equal(kindOf(200, { error }, 'authorization_code'), 'rejected', error);
    }
  });

  it('makes client errors misconfigured, never reauth', () => {
    for (const error of ['invalid_client', 'unauthorized_client', 'bad_client_secret']) {
      for (const grant of ['refresh_token', 'authorization_code'] as const) {
        assert.equal(kindOf(401, { error }, grant), 'misconfigured', `${error} ${grant}`);
      }
    }
  });

  it('makes throttles transient, including one described only in a 200 body', () => {
    assert.equal(kindOf(429, { error: 'invalid_request' }, 'refresh_token'), 'transient');
    assert.equal(kindOf(400, { error: 'slow_down' }, 'refresh_token'), 'transient');
    const zoho = { error: 'Access Denied', error_description: 'Too many requests, try later' };
    assert.equal(kindOf(200, zoho, 'refresh_token'), 'transient');
  });

  it('makes an unknown code transient on 5xx and rejected otherwise', () => {
    assert.equal(kindOf(500, { error: 'oops' }, 'refresh_token'), 'transient');
    assert.equal(kindOf(400, { error: 'invalid_request' }, 'refresh_token'), 'rejected');
  });
});

describe('scope', () => {
  it('splits on spaces and commas, and accepts arrays', () => {
    assert.deepEqual(parseScopes('a b  c'), ['a', 'b', 'c']);
    assert.deepEqual(parseScopes('a,b, c'), ['a', 'b', 'c']);
    assert.deepEqual(parseScopes(['a', 'b']), ['a', 'b']);
  });

  it('is null when absent, and empty when granted nothing', () => {
    assert.equal(parseScopes(undefined), null);
    assert.deepEqual(parseScopes(''), []);
  });
});
