import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { accessTokenExpiresAt, refreshTokenExpiresAt, toNumber } from './expiry.ts';

const NOW = 1_700_000_000_000;
const at = (body: Record<string, unknown>, quirks: string[] = []) =>
  accessTokenExpiresAt(body, NOW, quirks);

describe('toNumber', () => {
  it('accepts JSON numbers and strings of digits', () => {
    assert.equal(toNumber(3599), 3599);
    assert.equal(toNumber('3599'), 3599);
    assert.equal(toNumber(' 12.5 '), 12.5);
  });

  it('gives null for anything else, never 0', () => {
    for (const value of ['soon', '', '-5', -5, Number.NaN, Infinity, null, undefined, {}, '1e3']) {
      assert.equal(toNumber(value), null, `for ${String(value)}`);
    }
  });
});

describe('access-token expiry', () => {
  it('counts expires_in seconds from our clock at receipt', () => {
    assert.equal(at({ expires_in: 3599 }), NOW + 3_599_000);
    assert.equal(at({ expires_in: '3599' }), NOW + 3_599_000);
  });

  it('is unknown (null) when expires_in is missing, non-numeric, or 0', () => {
    assert.equal(at({}), null);
    assert.equal(at({ expires_in: 'never' }), null);
    assert.equal(at({ expires_in: 0 }), null);
  });

  it('prefers an explicit seconds field over a millisecond expires_in (Zoho)', () => {
    assert.equal(at({ expires_in: 3_600_000, expires_in_sec: 3600 }), NOW + 3_600_000);
  });

  it('reads expires_in as milliseconds for a provider with the expires_in_ms quirk', () => {
    assert.equal(at({ expires_in: 3_600_000 }, ['expires_in_ms']), NOW + 3_600_000);
  });

  it('prefers relative expires_in over absolute expires_on, whose clock may differ', () => {
    const body = { expires_in: '3599', expires_on: String(NOW / 1000 + 9999) };
    assert.equal(at(body), NOW + 3_599_000);
  });

  it('uses absolute expires_at or expires_on (epoch seconds) when there is no expires_in', () => {
    assert.equal(at({ expires_at: NOW / 1000 + 60 }), NOW + 60_000);
    assert.equal(at({ expires_on: String(NOW / 1000 + 60) }), NOW + 60_000);
  });

  it('takes an absolute value too large for seconds as milliseconds', () => {
    assert.equal(at({ expires_at: NOW + 60_000 }), NOW + 60_000);
  });

  it('ignores ext_expires_in', () => {
    assert.equal(at({ ext_expires_in: 7200 }), null);
  });
});

describe('refresh-token expiry', () => {
  it('reads each provider spelling as seconds from receipt', () => {
    for (const field of [
      'refresh_token_expires_in',
      'x_refresh_token_expires_in',
      'refresh_expires_in',
    ]) {
      assert.equal(refreshTokenExpiresAt({ [field]: '8726400' }, NOW), NOW + 8_726_400_000);
    }
  });

  it('is null when absent or 0 (a Keycloak offline token)', () => {
    assert.equal(refreshTokenExpiresAt({}, NOW), null);
    assert.equal(refreshTokenExpiresAt({ refresh_expires_in: 0 }, NOW), null);
  });
});
