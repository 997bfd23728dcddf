import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { fingerprintKeyId, Keyring, parseMasterKeys } from './keyring.ts';
import { open, seal, sealedKeyId, VaultError } from './seal.ts';

const keyA = { id: 'a', key: randomBytes(32) };
const keyB = { id: 'b', key: randomBytes(32) };
const ctx = { rowId: 'apn_1', field: 'credentials' };
const secret = '{"access_token":"made-up-token"}';

const rejects = (fn: () => unknown, reason: VaultError['reason']) =>
  assert.throws(fn, (err) => err instanceof VaultError && err.reason === reason);

describe('vault', () => {
  it('opens what it sealed, and the ciphertext does not hold the plaintext', () => {
    const ring = new Keyring([keyA]);
    const sealed = seal(ring, secret, ctx);
    assert.equal(open(ring, sealed, ctx), secret);
    assert.equal(sealed.includes(Buffer.from('made-up-token')), false);
  });

  it('uses a fresh nonce each time', () => {
    const ring = new Keyring([keyA]);
    assert.notDeepEqual(seal(ring, secret, ctx), seal(ring, secret, ctx));
  });

  it('refuses tampered ciphertext', () => {
    const ring = new Keyring([keyA]);
    const sealed = seal(ring, secret, ctx);
    sealed[sealed.length - 1]! ^= 1;
    rejects(() => open(ring, sealed, ctx), 'auth_failed');
  });

  it('refuses a tampered tag', () => {
    const ring = new Keyring([keyA]);
    const sealed = seal(ring, secret, ctx);
    sealed[2 + 1 + 12]! ^= 1;
    rejects(() => open(ring, sealed, ctx), 'auth_failed');
  });

  it('refuses a ciphertext moved to another row or field', () => {
    const ring = new Keyring([keyA]);
    const sealed = seal(ring, secret, ctx);
    rejects(() => open(ring, sealed, { rowId: 'apn_2', field: 'credentials' }), 'auth_failed');
    rejects(() => open(ring, sealed, { rowId: 'apn_1', field: 'client_secret' }), 'auth_failed');
  });

  it('refuses the wrong key under the same id', () => {
    const sealed = seal(new Keyring([keyA]), secret, ctx);
    const impostor = new Keyring([{ id: 'a', key: randomBytes(32) }]);
    rejects(() => open(impostor, sealed, ctx), 'auth_failed');
  });

  it('refuses an unknown key id', () => {
    const sealed = seal(new Keyring([keyA]), secret, ctx);
    rejects(() => open(new Keyring([keyB]), sealed, ctx), 'unknown_key');
  });

  it('refuses truncated or foreign bytes', () => {
    const ring = new Keyring([keyA]);
    rejects(() => open(ring, Buffer.from([1, 1, 97]), ctx), 'malformed');
    rejects(() => open(ring, Buffer.from('plain text'), ctx), 'malformed');
  });

  it('seals with the first key and opens with any key of the ring', () => {
    const old = seal(new Keyring([keyA]), secret, ctx);
    const ring = new Keyring([keyB, keyA]);
    assert.equal(open(ring, old, ctx), secret);
    assert.equal(sealedKeyId(seal(ring, secret, ctx)), 'b');
  });

  it('parses LATCHKEY_MASTER_KEYS and rejects short keys', () => {
    const value = `new:${keyB.key.toString('base64')},old:${keyA.key.toString('base64')}`;
    assert.deepEqual(
      parseMasterKeys(value).map((k) => k.id),
      ['new', 'old'],
    );
    assert.throws(() => parseMasterKeys('x:' + randomBytes(16).toString('base64')), /32 bytes/);
    assert.throws(() => parseMasterKeys(':abc'), /id:base64key/);
    assert.throws(() => parseMasterKeys('tooshort'), /32 bytes/);
  });

  it('gives a key listed without an id the id it has when given alone', () => {
    const [entry] = parseMasterKeys(keyA.key.toString('base64'));
    assert.equal(entry?.id, fingerprintKeyId(keyA.key));
  });
});
