import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasPrefix, newId, newTimeOrderedId } from './ids.ts';

describe('ids', () => {
  it('makes random, prefixed, URL-safe ids of 128 bits', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('apn')));
    assert.equal(ids.size, 10_000);
    for (const id of ids) {
      assert.match(id, /^apn_[A-Za-z0-9_-]{22}$/);
      assert.ok(hasPrefix(id, 'apn'));
    }
  });

  it('makes time-ordered ids that sort as text in the order of their times', () => {
    const times = [0, 1, 999, 1_700_000_000_000, 1_700_000_000_001, 2 ** 47];
    const ids = times.map((t) => newTimeOrderedId('evt', t));
    assert.deepEqual([...ids].sort(), ids);
    for (const id of ids) assert.match(id, /^evt_[0-9a-f]{12}[A-Za-z0-9_-]{16}$/);
  });

  it('keeps 96 random bits in a time-ordered id, so ids made in one millisecond differ', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newTimeOrderedId('evt', 42)));
    assert.equal(ids.size, 10_000);
    const suffixes = [...ids].map((id) => id.slice(-16));
    assert.equal(new Set(suffixes).size, 10_000);
  });
});
