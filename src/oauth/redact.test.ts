import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { basicAuthorization } from './client-auth.ts';
import { providerText, redact, redactor, requestSecrets, sanitize } from './redact.ts';

const SECRET = 'a b+c/d=e%f@g~h';

describe('redact', () => {
  it('replaces a secret in every spelling a request carried it', () => {
    const spellings = [
      SECRET,
      encodeURIComponent(SECRET),
      new URLSearchParams({ s: SECRET }).toString().slice(2),
      encodeURIComponent(SECRET).toLowerCase(),
      JSON.stringify(SECRET).slice(1, -1),
    ];
    for (const spelling of spellings) {
      assert.equal(redact(`<${spelling}>`, [SECRET]), '<[redacted]>', spelling);
    }
  });

  it('finds the Basic credential, its base64url form and the secret inside it', () => {
    const header = basicAuthorization('id 1', SECRET);
    const secrets = requestSecrets(new Headers({ authorization: header }), null);
    const credential = header.slice('Basic '.length);
    const base64url = Buffer.from(credential, 'base64').toString('base64url');
    assert.equal(redact(header, secrets), 'Basic [redacted]');
    for (const text of [credential, base64url, SECRET]) {
      assert.equal(redact(text, secrets), '[redacted]', text);
    }
  });

  it('collects secret body parameters and leaves others alone', () => {
    const body = new URLSearchParams({ code: 'c-123456', grant_type: 'authorization_code' });
    const secrets = requestSecrets(new Headers(), body, ['s-123456', null]);
    assert.deepEqual(secrets.sort(), ['c-123456', 's-123456']);
  });

  it('replaces overlapping secrets as one range, leaving no piece behind', () => {
    assert.equal(
      redact('x abcdefghij-klmnopqr y', ['abcdefghij-k', 'ij-klmnopqr']),
      'x [redacted] y',
    );
  });

  it('redacts a short secret only where it stands alone', () => {
    assert.equal(redact('about ab, secret=ab&x', ['ab']), 'about [redacted], secret=[redacted]&x');
    assert.equal(redact('invalid_grant', ['grant']), 'invalid_grant');
    assert.equal(redact('[redacted] red', ['red']), '[redacted] [redacted]');
  });

  it('sanitizes keys as well as values', () => {
    const secret = 'hunter2-value-123';
    assert.deepEqual(sanitize({ [secret]: `is ${secret}`, token: 'x' }, [secret]), {
      '[redacted]': 'is [redacted]',
    });
  });
});

describe('providerText', () => {
  const none = redactor([]);

  it('bounds text by code points and marks the cut', () => {
    const out = providerText('é'.repeat(10) + '😀'.repeat(10), none, 15);
    assert.equal(Array.from(out).length, 15);
    assert.ok(out.endsWith('😀…'));
  });

  it('turns control characters and lone surrogates into harmless ones', () => {
    assert.equal(providerText('a\u0000b\r\nc\ud800d', none), 'a b  c\ufffdd');
  });

  it('redacts before it cuts, so no prefix of a secret survives', () => {
    const secret = 'z'.repeat(40);
    assert.equal(providerText(`${'a'.repeat(5)}${secret}`, redactor([secret]), 8), 'aaaaa[r…');
  });
});
