import { ApiError } from '../lib/errors.ts';

export interface Page<T> {
  data: T[];
  page_info: {
    count: number;
    total_count: number;
    start_cursor: string | null;
    end_cursor: string | null;
  };
}

export interface Cursor {
  createdAt: number;
  id: string;
}

/** An opaque keyset cursor: the (created_at, id) of a row, base64url-encoded. */
export function encodeCursor(row: { created_at: number; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

/** Reads a cursor, or throws 400 invalid_cursor for anything this server did not make. */
export function decodeCursor(value: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string'
    ) {
      return { createdAt: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // reported below
  }
  throw new ApiError('invalid_cursor');
}

/** What a client asks of a list: `limit` (validated by the route), `after`, `before`. */
export interface PageQuery {
  limit: number;
  after?: string;
  before?: string;
}

/** A row's place in its list, as `encodeCursor` reads it. */
export type Position = { created_at: number; id: string };

/**
 * The keyset part of a repository filter: the decoded cursors (400 invalid_cursor for a bad
 * one) and one row more than the page, to tell whether more follow.
 */
export function keysetOf(q: PageQuery): { limit: number; after?: Cursor; before?: Cursor } {
  return {
    limit: q.limit + 1,
    after: q.after ? decodeCursor(q.after) : undefined,
    before: q.before ? decodeCursor(q.before) : undefined,
  };
}

/**
 * A page from what a keyset read returned (up to `limit + 1` rows, in list order), as
 * /v1/accounts answers: `end_cursor` null once nothing follows; after `before`, something
 * always follows.
 */
export function pageFrom<R, V>(
  rows: readonly R[],
  q: PageQuery,
  total: number,
  positionOf: (row: R) => Position,
  view: (row: R) => V,
): Page<V> {
  const hasMore = rows.length > q.limit;
  const page = q.before ? rows.slice(-q.limit) : rows.slice(0, q.limit);
  const first = page[0];
  const last = page[page.length - 1];
  return {
    data: page.map(view),
    page_info: {
      count: page.length,
      total_count: total,
      start_cursor: first ? encodeCursor(positionOf(first)) : null,
      end_cursor: last && (hasMore || q.before) ? encodeCursor(positionOf(last)) : null,
    },
  };
}

/**
 * One page of a small list held in memory, in ascending order of `positionOf`, with the same
 * cursors and the same after/before meaning as a keyset read: a cursor is a position, so it
 * stays valid when items come or go.
 */
export function pageInMemory<T>(
  items: readonly T[],
  q: PageQuery,
  positionOf: (item: T) => Position,
): Page<T> {
  const { limit, after, before } = keysetOf(q);
  // Negative when `a` comes before `b` in the list.
  const order = (a: Cursor, b: Cursor) =>
    a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const at = (item: T): Cursor => {
    const p = positionOf(item);
    return { createdAt: p.created_at, id: p.id };
  };
  const sorted = [...items].sort((a, b) => order(at(a), at(b)));
  const inRange = sorted.filter(
    (item) => (!after || order(at(item), after) > 0) && (!before || order(at(item), before) < 0),
  );
  const rows = before ? inRange.slice(-limit) : inRange.slice(0, limit);
  return pageFrom(rows, q, items.length, positionOf, (item) => item);
}
