import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { completeAuthorization, DEFAULT_CLIENT, startOidcProvider } from './index.ts';
import type { OidcFixture, OidcFixtureClient } from './index.ts';

const client = DEFAULT_CLIENT;
const redirectUri = client.redirectUris[0] ?? '';

interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function authorizeUrl(
  fixture: OidcFixture,
  challenge: string | undefined,
  state: string,
  extra: Record<string, string> = {},
): string {
  const url = new URL(fixture.authorizationUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', extra.client_id ?? client.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', 'openid email profile offline_access');
  url.searchParams.set('state', state);
  if (challenge !== undefined) {
    url.searchParams.set('code_challenge', challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
  return url.href;
}

async function tokenRequest(
  fixture: OidcFixture,
  params: Record<string, string>,
  as: OidcFixtureClient = client,
): Promise<TokenResponse> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const body = new URLSearchParams(params);
  if (as.tokenEndpointAuthMethod === 'client_secret_post') {
    body.set('client_id', as.clientId);
    body.set('client_secret', as.clientSecret);
  } else {
    const basic = Buffer.from(`${as.clientId}:${as.clientSecret}`).toString('base64');
    headers.authorization = `Basic ${basic}`;
  }

  const response = await fetch(fixture.tokenUrl, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Runs the whole authorization step and exchanges the code. */
async function connect(
  fixture: OidcFixture,
  extra: Record<string, string> = {},
): Promise<TokenResponse> {
  const { verifier, challenge } = pkcePair();
  const location = await completeAuthorization(authorizeUrl(fixture, challenge, 'st', extra));
  const code = new URL(location).searchParams.get('code') ?? '';
  return tokenRequest(fixture, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  assert.equal(typeof value, 'string', `${name} in ${JSON.stringify(body)}`);
  return value as string;
}

describe('oidc fixture', () => {
  let fixture: OidcFixture;

  before(async () => {
    fixture = await startOidcProvider();
  });

  after(async () => {
    await fixture.close();
  });

  it('serves discovery at a loopback issuer', async () => {
    assert.match(fixture.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${fixture.issuer}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as Record<string, unknown>;
    assert.equal(metadata.issuer, fixture.issuer);
    assert.equal(metadata.authorization_endpoint, fixture.authorizationUrl);
    assert.equal(metadata.token_endpoint, fixture.tokenUrl);
    assert.equal(metadata.userinfo_endpoint, fixture.userinfoUrl);
    assert.equal(metadata.revocation_endpoint, fixture.revocationUrl);
  });

  it('completes authorization without a browser: redirect with code and state', async () => {
    const { challenge } = pkcePair();
    const location = await completeAuthorization(authorizeUrl(fixture, challenge, 'state-123'));

    const redirect = new URL(location);
    assert.equal(`${redirect.origin}${redirect.pathname}`, redirectUri);
    assert.equal(redirect.searchParams.get('state'), 'state-123');
    assert.ok(redirect.searchParams.get('code'));
    assert.equal(redirect.searchParams.get('iss'), fixture.issuer);
  });

  it('exchanges the code with client_secret_basic for access and refresh tokens', async () => {
    const before = fixture.stats.authorizationCodeGrants;
    const { status, body } = await connect(fixture);

    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    stringField(body, 'access_token');
    stringField(body, 'refresh_token');
    assert.equal(fixture.stats.authorizationCodeGrants, before + 1);
  });

  it('issues a refresh token even when offline_access is dropped (no prompt=consent)', async () => {
    const withoutPrompt = await connect(fixture);
    assert.equal(withoutPrompt.body.scope, 'openid email profile');
    stringField(withoutPrompt.body, 'refresh_token');

    const withConsent = await connect(fixture, { prompt: 'consent' });
    assert.equal(withConsent.body.scope, 'openid email profile offline_access');
    stringField(withConsent.body, 'refresh_token');
  });

  it('answers userinfo for the access token with sub, email and name', async () => {
    const { body } = await connect(fixture);
    const userinfo = await fixture.userinfo(stringField(body, 'access_token'));

    assert.equal(userinfo.status, 200);
    assert.deepEqual(userinfo.body, {
      sub: 'user-1',
      email: 'octocat@example.com',
      email_verified: true,
      name: 'Mona Octocat',
    });
  });

  it('rotates the refresh token and refuses the old one with invalid_grant', async () => {
    const { body } = await connect(fixture);
    const original = stringField(body, 'refresh_token');
    const stats = { ...fixture.stats };

    const refreshed = await tokenRequest(fixture, {
      grant_type: 'refresh_token',
      refresh_token: original,
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const rotated = stringField(refreshed.body, 'refresh_token');
    assert.notEqual(rotated, original);
    assert.notEqual(stringField(refreshed.body, 'access_token'), body.access_token);
    assert.equal(fixture.stats.refreshGrants, stats.refreshGrants + 1);

    const reused = await tokenRequest(fixture, {
      grant_type: 'refresh_token',
      refresh_token: original,
    });
    assert.equal(reused.status, 400);
    assert.equal(reused.body.error, 'invalid_grant');
    assert.equal(fixture.stats.refreshFailures, stats.refreshFailures + 1);
    assert.equal(fixture.stats.invalidGrants, stats.invalidGrants + 1);

    // Reuse is treated as theft: the whole grant goes, the rotated token with it.
    const afterReuse = await tokenRequest(fixture, {
      grant_type: 'refresh_token',
      refresh_token: rotated,
    });
    assert.equal(afterReuse.body.error, 'invalid_grant');
  });

  it('refuses an authorization request without code_challenge', async () => {
    await assert.rejects(
      completeAuthorization(authorizeUrl(fixture, undefined, 'st')),
      /authorization failed: invalid_request \(Authorization Server policy requires PKCE/,
    );
  });

  it('refuses a code exchange without code_verifier', async () => {
    const { challenge } = pkcePair();
    const location = await completeAuthorization(authorizeUrl(fixture, challenge, 'st'));
    const invalidGrants = fixture.stats.invalidGrants;

    const { status, body } = await tokenRequest(fixture, {
      grant_type: 'authorization_code',
      code: new URL(location).searchParams.get('code') ?? '',
      redirect_uri: redirectUri,
    });
    assert.equal(status, 400);
    assert.equal(body.error, 'invalid_grant');
    assert.equal(fixture.stats.invalidGrants, invalidGrants + 1);
  });

  it('revokes a refresh token at the revocation endpoint', async () => {
    const { body } = await connect(fixture);
    const refreshToken = stringField(body, 'refresh_token');
    const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');

    const revoked = await fetch(fixture.revocationUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}` },
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }),
    });
    assert.equal(revoked.status, 200);

    const refreshed = await tokenRequest(fixture, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    assert.equal(refreshed.body.error, 'invalid_grant');
  });

  it('reports an unregistered redirect_uri as an error page, not a redirect', async () => {
    const url = new URL(authorizeUrl(fixture, pkcePair().challenge, 'st'));
    url.searchParams.set('redirect_uri', 'http://127.0.0.1:1/elsewhere');
    await assert.rejects(completeAuthorization(url.href), /HTTP 400: error: invalid_redirect_uri/);
  });
});

describe('oidc fixture with short-lived access tokens', () => {
  let fixture: OidcFixture;

  before(async () => {
    fixture = await startOidcProvider({ accessTokenTtlSeconds: 2 });
  });

  after(async () => {
    await fixture.close();
  });

  it('rejects the access token at userinfo once it has expired', async () => {
    const { body } = await connect(fixture);
    const accessToken = stringField(body, 'access_token');
    assert.equal(body.expires_in, 2);
    assert.equal((await fixture.userinfo(accessToken)).status, 200);

    await sleep(3000);

    const expired = await fixture.userinfo(accessToken);
    assert.equal(expired.status, 401);
    assert.equal((expired.body as Record<string, unknown>).error, 'invalid_token');
  });
});

describe('oidc fixture with rotation and PKCE off', () => {
  const postClient: OidcFixtureClient = {
    ...DEFAULT_CLIENT,
    clientId: 'post-client',
    tokenEndpointAuthMethod: 'client_secret_post',
  };
  let fixture: OidcFixture;

  before(async () => {
    fixture = await startOidcProvider({
      rotateRefreshToken: false,
      pkceRequired: false,
      clients: [DEFAULT_CLIENT, postClient],
      accountId: 'user-42',
    });
  });

  after(async () => {
    await fixture.close();
  });

  it('allows a request without PKCE and keeps the refresh token on refresh', async () => {
    const location = await completeAuthorization(authorizeUrl(fixture, undefined, 'st'));
    const { body } = await tokenRequest(fixture, {
      grant_type: 'authorization_code',
      code: new URL(location).searchParams.get('code') ?? '',
      redirect_uri: redirectUri,
    });
    const refreshToken = stringField(body, 'refresh_token');

    for (let round = 0; round < 2; round += 1) {
      const refreshed = await tokenRequest(fixture, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(refreshed.body.refresh_token, refreshToken);
    }
    assert.equal(fixture.stats.refreshGrants, 2);

    const userinfo = await fixture.userinfo(stringField(body, 'access_token'));
    assert.equal((userinfo.body as Record<string, unknown>).sub, 'user-42');
  });

  it('accepts client_secret_post and counts a wrong secret as a failure', async () => {
    const location = await completeAuthorization(
      authorizeUrl(fixture, undefined, 'st', { client_id: postClient.clientId }),
    );
    const { body } = await tokenRequest(
      fixture,
      {
        grant_type: 'authorization_code',
        code: new URL(location).searchParams.get('code') ?? '',
        redirect_uri: redirectUri,
      },
      postClient,
    );
    const refreshToken = stringField(body, 'refresh_token');
    const { refreshFailures, invalidGrants } = fixture.stats;

    const wrongSecret = { ...postClient, clientSecret: 'wrong' };
    const refused = await tokenRequest(
      fixture,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      wrongSecret,
    );
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
    assert.equal(fixture.stats.refreshFailures, refreshFailures + 1);
    assert.equal(fixture.stats.invalidGrants, invalidGrants);
  });
});
