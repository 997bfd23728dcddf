import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildAuthorizationUrl } from './authorization-url.ts';
import type { ProviderConfig } from './types.ts';

const p: ProviderConfig = {
  authorizationUrl: 'https://provider.example/authorize?tenant=t1',
  tokenUrl: 'https://provider.example/token',
  scopeSeparator: ' ',
  tokenAuthMethod: 'client_secret_basic',
  pkce: true,
  defaultScopes: ['openid', 'offline_access'],
  authorizeParams: { access_type: 'offline', state: 'must-not-win' },
  tokenParams: {},
};
const client = { clientId: 'client 1', clientSecret: 'secret-1' };
const req = {
  redirectUri: 'https://latchkey.example/v1/connect/callback',
  state: 'state-1',
  codeChallenge: 'challenge-1',
  scopes: ['email', 'openid'],
};

const params = (url: string) => new URL(url).searchParams;

describe('authorization request', () => {
  it('carries the protocol parameters (RFC 6749 §4.1.1) and the S256 challenge', () => {
    const q = params(buildAuthorizationUrl(p, client, req));
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), 'client 1');
    assert.equal(q.get('redirect_uri'), req.redirectUri);
    assert.equal(q.get('state'), 'state-1');
    assert.equal(q.get('code_challenge'), 'challenge-1');
    assert.equal(q.get('code_challenge_method'), 'S256');
  });

  it('keeps the query already in the URL and adds the app parameters', () => {
    const q = params(buildAuthorizationUrl(p, client, req));
    assert.equal(q.get('tenant'), 't1');
    assert.equal(q.get('access_type'), 'offline');
  });

  it('does not let app parameters replace protocol ones', () => {
    assert.equal(params(buildAuthorizationUrl(p, client, req)).get('state'), 'state-1');
  });

  it('joins default and requested scopes once each, with the app separator', () => {
    assert.equal(
      params(buildAuthorizationUrl(p, client, req)).get('scope'),
      'openid offline_access email',
    );
    const commas = buildAuthorizationUrl({ ...p, scopeSeparator: ',' }, client, req);
    assert.equal(params(commas).get('scope'), 'openid,offline_access,email');
  });

  it('omits scope when there is none', () => {
    const url = buildAuthorizationUrl({ ...p, defaultScopes: [] }, client, { ...req, scopes: [] });
    assert.equal(params(url).has('scope'), false);
  });

  it('adds a nonce when given', () => {
    const url = buildAuthorizationUrl(p, client, { ...req, nonce: 'n-1' });
    assert.equal(params(url).get('nonce'), 'n-1');
  });

  it('sends no challenge for an app without PKCE', () => {
    const q = params(buildAuthorizationUrl({ ...p, pkce: false }, client, req));
    assert.equal(q.has('code_challenge'), false);
    assert.equal(q.has('code_challenge_method'), false);
  });

  it('throws when a PKCE app gets no challenge: that is a bug in the caller', () => {
    assert.throws(
      () => buildAuthorizationUrl(p, client, { ...req, codeChallenge: null }),
      /code challenge is required/,
    );
  });
});
