import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { applyClientAuth, basicAuthorization } from './client-auth.ts';
import type { ClientCredentials, TokenAuthMethod } from './types.ts';

function apply(method: TokenAuthMethod, client: ClientCredentials) {
  const headers = new Headers();
  const body = new URLSearchParams();
  applyClientAuth(method, client, headers, body);
  return { authorization: headers.get('authorization'), body: Object.fromEntries(body) };
}

const client = { clientId: 'id-1', clientSecret: 'secret-1' };

describe('client authentication', () => {
  it('client_secret_basic sends the pair in the Authorization header only', () => {
    const { authorization, body } = apply('client_secret_basic', client);
    assert.equal(authorization, `Basic ${Buffer.from('id-1:secret-1').toString('base64')}`);
    assert.deepEqual(body, {});
  });

  it('form-encodes id and secret before base64 (RFC 6749 §2.3.1)', () => {
    const header = basicAuthorization('my app', 'a:b%c+d/é');
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
    assert.equal(decoded, 'my+app:a%3Ab%25c%2Bd%2F%C3%A9');
  });

  it('client_secret_post sends both in the body', () => {
    const { authorization, body } = apply('client_secret_post', client);
    assert.equal(authorization, null);
    assert.deepEqual(body, { client_id: 'id-1', client_secret: 'secret-1' });
  });

  it('none sends only the client_id, for public clients', () => {
    const { authorization, body } = apply('none', client);
    assert.equal(authorization, null);
    assert.deepEqual(body, { client_id: 'id-1' });
  });

  it('falls back to the client_id in the body when there is no secret for Basic', () => {
    const { authorization, body } = apply('client_secret_basic', { ...client, clientSecret: null });
    assert.equal(authorization, null);
    assert.deepEqual(body, { client_id: 'id-1' });
  });
});
