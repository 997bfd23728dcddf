import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  startFakeTokenEndpoint,
  type FakeResponse,
} from '../../test/support/fake-token-endpoint.ts';
import { revokeToken } from './revoke.ts';
import type { ProviderConfig } from './types.ts';

const client = { clientId: 'client-1', clientSecret: 'secret-1' };

function provider(revocationUrl: string | null): ProviderConfig {
  return {
    authorizationUrl: 'https://provider.example/authorize',
    tokenUrl: 'https://provider.example/token',
    revocationUrl,
    scopeSeparator: ' ',
    tokenAuthMethod: 'client_secret_basic',
    pkce: true,
    defaultScopes: [],
    authorizeParams: {},
    tokenParams: {},
    allowInsecureRequests: true,
  };
}

const answer = (status: number): FakeResponse => ({ status, headers: {}, body: '' });

describe('token revocation (RFC 7009)', () => {
  it('posts the token with its hint and client auth, and reports a 200 as done', async () => {
    const fake = await startFakeTokenEndpoint([answer(200)]);
    try {
      const done = await revokeToken(
        provider(`${fake.origin}/revoke`),
        client,
        'rt-1',
        'refresh_token',
      );
      assert.equal(done, true);

      const sent = fake.requests[0]!;
      assert.equal(sent.path, '/revoke');
      assert.equal(sent.form.get('token'), 'rt-1');
      assert.equal(sent.form.get('token_type_hint'), 'refresh_token');
      assert.deepEqual(sent.basic, { clientId: 'client-1', clientSecret: 'secret-1' });
    } finally {
      await fake.close();
    }
  });

  it('reports false, without throwing, on an error answer or no answer', async () => {
    const fake = await startFakeTokenEndpoint([answer(503)]);
    const p = provider(`${fake.origin}/revoke`);
    assert.equal(await revokeToken(p, client, 'at-1', 'access_token'), false);
    await fake.close();

    assert.equal(await revokeToken(p, client, 'at-1', 'access_token'), false);
  });

  it('reports false when the provider has no revocation endpoint', async () => {
    assert.equal(await revokeToken(provider(null), client, 'at-1', 'access_token'), false);
  });
});
