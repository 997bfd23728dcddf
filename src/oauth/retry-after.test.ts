import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseRetryAfter } from './retry-after.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('Retry-After', () => {
  it('reads delay-seconds as milliseconds', () => {
    assert.equal(parseRetryAfter('120', NOW), 120_000);
  });

  it('reads an HTTP-date as the time left until then', () => {
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 12:01:30 GMT', NOW), 90_000);
  });

  it('never gives a negative wait for a date in the past', () => {
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', NOW), 0);
  });

  it('gives null when absent or unreadable', () => {
    assert.equal(parseRetryAfter(null, NOW), null);
    assert.equal(parseRetryAfter('soon', NOW), null);
    assert.equal(parseRetryAfter('-5', NOW), null);
  });
});
