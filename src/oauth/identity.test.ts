import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  startFakeTokenEndpoint,
  type FakeResponse,
} from '../../test/support/fake-token-endpoint.ts';
import { decodeJwtPayload, fetchIdentity } from './identity.ts';
import type { ProviderConfig, TokenSet } from './types.ts';

function provider(userinfoUrl: string | null): ProviderConfig {
  return {
    authorizationUrl: 'https://provider.example/authorize',
    tokenUrl: 'https://provider.example/token',
    userinfoUrl,
    scopeSeparator: ' ',
    tokenAuthMethod: 'client_secret_basic',
    pkce: true,
    defaultScopes: [],
    authorizeParams: {},
    tokenParams: {},
    allowInsecureRequests: true,
  };
}

function tokenSet(idToken: string | null): TokenSet {
  return {
    accessToken: 'at-1',
    refreshToken: null,
    tokenType: 'Bearer',
    expiresAt: null,
    refreshTokenExpiresAt: null,
    scopes: null,
    idToken,
    metadata: {},
  };
}

const jwt = (claims: Record<string, unknown>) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

const json = (body: unknown): FakeResponse => ({
  status: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

describe('identity', () => {
  it('reads sub and email from the id_token without calling userinfo', async () => {
    const id = await fetchIdentity(provider(null), tokenSet(jwt({ sub: 'u-1', email: 'a@b.c' })));
    assert.equal(id.externalId, 'u-1');
    assert.equal(id.name, 'a@b.c');
  });

  it('reads a numeric id and login from userinfo with a bearer token (GitHub)', async () => {
    const fake = await startFakeTokenEndpoint([json({ id: 583231, login: 'octocat' })]);
    try {
      const id = await fetchIdentity(provider(`${fake.origin}/user`), tokenSet(null));
      assert.equal(id.externalId, '583231');
      assert.equal(id.name, 'octocat');
      assert.equal(fake.requests[0]!.headers.authorization, 'Bearer at-1');
      assert.equal(fake.requests[0]!.method, 'GET');
    } finally {
      await fake.close();
    }
  });

  it('discards userinfo for another subject than the id_token (OIDC Core §5.3.4)', async () => {
    const fake = await startFakeTokenEndpoint([json({ sub: 'u-2', email: 'evil@x.y' })]);
    try {
      const tokens = tokenSet(jwt({ sub: 'u-1', name: 'Ann' }));
      const id = await fetchIdentity(provider(`${fake.origin}/userinfo`), tokens);
      assert.equal(id.externalId, 'u-1');
      assert.equal(id.name, 'Ann');
    } finally {
      await fake.close();
    }
  });

  it('gives nulls, without throwing, when nothing can be read', async () => {
    const fake = await startFakeTokenEndpoint([{ status: 500, headers: {}, body: 'down' }]);
    const id = await fetchIdentity(
      provider(`${fake.origin}/userinfo`),
      tokenSet('fake.idtoken.sig'),
    );
    await fake.close();

    assert.deepEqual(id, { externalId: null, name: null, claims: {} });
  });

  it('decodes only a three-part JWT with a JSON object payload', () => {
    assert.equal(decodeJwtPayload('fake.idtoken.sig'), null);
    assert.equal(decodeJwtPayload('a.b'), null);
    assert.deepEqual(decodeJwtPayload(jwt({ sub: 'x' })), { sub: 'x' });
  });
});
