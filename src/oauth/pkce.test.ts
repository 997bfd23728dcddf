import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { createPkce, randomState } from './pkce.ts';

describe('PKCE', () => {
  it('makes a challenge that is the S256 of the verifier (RFC 7636 §4.2)', async () => {
    const { verifier, challenge } = await createPkce();
    assert.match(verifier, /^[A-Za-z0-9_-]{43,128}$/);
    assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'));
  });

  it('makes a new pair every time', async () => {
    const [a, b] = await Promise.all([createPkce(), createPkce()]);
    assert.notEqual(a.verifier, b.verifier);
  });
});

describe('state', () => {
  it('is base64url of at least 32 bytes and never repeats', () => {
    const state = randomState();
    assert.match(state, /^[A-Za-z0-9_-]{43,}$/);
    assert.notEqual(state, randomState());
  });
});
