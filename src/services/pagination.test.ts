import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../lib/errors.ts';
import { decodeCursor, encodeCursor, pageInMemory } from './pagination.ts';

const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const refused = (fn: () => unknown) =>
  assert.throws(fn, (err) => err instanceof ApiError && err.code === 'invalid_cursor');

describe('cursors', () => {
  it('round-trip a position within their list', () => {
    const cursor = encodeCursor('api_keys', { created_at: 1_700_000_000_000, id: 'key_Ab-9_z' });
    assert.deepEqual(decodeCursor('api_keys', cursor), {
      createdAt: 1_700_000_000_000,
      id: 'key_Ab-9_z',
    });
  });

  it('are refused by another list', () => {
    refused(() => decodeCursor('accounts', encodeCursor('api_keys', { created_at: 1, id: 'a' })));
  });

  it('refuse ids no row has: NUL, other characters, empty, too long', () => {
    for (const id of ['a\u0000b', 'a b', "a'b", '', 'x'.repeat(201), 7]) {
      refused(() => decodeCursor('accounts', forged(['accounts', 1, id])));
    }
  });

  it('refuse broken shapes', () => {
    for (const value of ['zz', forged([1, 'a']), forged(['accounts', 1.5, 'a']), forged({})]) {
      refused(() => decodeCursor('accounts', value));
    }
  });
});

describe('pageInMemory', () => {
  const items = ['delta', 'alpha', 'charlie', 'bravo', 'echo'];
  const at = (slug: string) => ({ created_at: 0, id: slug });

  it('walks forwards and back in order, the last page with a null end_cursor', () => {
    const first = pageInMemory('apps', items, { limit: 2 }, at);
    assert.deepEqual(first.data, ['alpha', 'bravo']);
    const second = pageInMemory(
      'apps',
      items,
      { limit: 2, after: first.page_info.end_cursor! },
      at,
    );
    assert.deepEqual(second.data, ['charlie', 'delta']);
    const last = pageInMemory('apps', items, { limit: 2, after: second.page_info.end_cursor! }, at);
    assert.deepEqual(last.data, ['echo']);
    assert.equal(last.page_info.end_cursor, null);
    const back = pageInMemory(
      'apps',
      items,
      { limit: 2, before: last.page_info.start_cursor! },
      at,
    );
    assert.deepEqual(back.data, ['charlie', 'delta']);
    assert.equal(back.page_info.total_count, 5);
  });
});
