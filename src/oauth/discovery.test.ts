import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  startFakeTokenEndpoint,
  type FakeHandler,
} from '../../test/support/fake-token-endpoint.ts';
import { discover } from './discovery.ts';

function serveMetadata(path: string, metadata: (origin: string) => Record<string, unknown>) {
  let origin = '';
  const handler: FakeHandler = (req) =>
    req.path === path
      ? {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(metadata(origin)),
        }
      : { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'not found' };

  return startFakeTokenEndpoint(handler).then((fake) => {
    origin = fake.origin;
    return fake;
  });
}

const endpoints = (origin: string) => ({
  issuer: origin,
  authorization_endpoint: `${origin}/authorize`,
  token_endpoint: `${origin}/token`,
});

describe('discovery', () => {
  it('reads OIDC metadata and picks Basic and PKCE from what is supported', async () => {
    const fake = await serveMetadata('/.well-known/openid-configuration', (origin) => ({
      ...endpoints(origin),
      userinfo_endpoint: `${origin}/me`,
      revocation_endpoint: `${origin}/revoke`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      code_challenge_methods_supported: ['plain', 'S256'],
    }));
    try {
      const p = await discover(fake.origin, { allowInsecureRequests: true });
      assert.equal(p.issuer, fake.origin);
      assert.equal(p.tokenUrl, `${fake.origin}/token`);
      assert.equal(p.userinfoUrl, `${fake.origin}/me`);
      assert.equal(p.revocationUrl, `${fake.origin}/revoke`);
      assert.equal(p.tokenAuthMethod, 'client_secret_basic');
      assert.equal(p.pkce, true);
      assert.equal(p.scopeSeparator, ' ');
    } finally {
      await fake.close();
    }
  });

  it('falls back to RFC 8414 metadata, defaulting to Basic and no PKCE', async () => {
    const fake = await serveMetadata('/.well-known/oauth-authorization-server', endpoints);
    try {
      const p = await discover(fake.origin, { allowInsecureRequests: true });
      assert.equal(p.tokenAuthMethod, 'client_secret_basic');
      assert.equal(p.pkce, false);
      assert.equal(p.userinfoUrl, null);
    } finally {
      await fake.close();
    }
  });

  it('picks client_secret_post when Basic is not offered', async () => {
    const fake = await serveMetadata('/.well-known/openid-configuration', (origin) => ({
      ...endpoints(origin),
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_post'],
    }));
    try {
      const p = await discover(fake.origin, { allowInsecureRequests: true });
      assert.equal(p.tokenAuthMethod, 'client_secret_post');
    } finally {
      await fake.close();
    }
  });

  it('throws a clear error for a document naming another issuer', async () => {
    const fake = await serveMetadata('/.well-known/openid-configuration', (origin) => ({
      ...endpoints(origin),
      issuer: 'https://other.example',
    }));
    try {
      await assert.rejects(
        discover(fake.origin, { allowInsecureRequests: true }),
        /discovery failed/,
      );
    } finally {
      await fake.close();
    }
  });

  it('throws a clear error when nothing answers', async () => {
    await assert.rejects(discover('not a url'), /is not a URL/);
    await assert.rejects(
      discover('http://127.0.0.1:9', { allowInsecureRequests: true }),
      /discovery failed for issuer http:\/\/127\.0\.0\.1:9/,
    );
  });

  it('refuses plain http unless allowed', async () => {
    await assert.rejects(discover('http://127.0.0.1:9'), /discovery failed/);
  });
});
