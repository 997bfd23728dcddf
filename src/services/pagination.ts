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

/** The lists that page, each with cursors of its own: one list's cursor is refused by another. */
export type ListName =
  'accounts' | 'audit_events' | 'api_keys' | 'apps' | 'oauth_apps' | 'members' | 'invitations';

/** Ids and slugs: what a cursor's id may hold (it reaches SQL as a bound value). */
const cursorId = /^[A-Za-z0-9_-]{1,200}$/;

/** An opaque keyset cursor: the list, and the (created_at, id) of a row, base64url-encoded. */
export function encodeCursor(list: ListName, row: { created_at: number; id: string }): string {
  return Buffer.from(JSON.stringify([list, row.created_at, row.id])).toString('base64url');
}

/**
 * Reads a cursor of `list`, or throws 400 invalid_cursor for anything else: another list's
 * cursor, or one this server would not have made.
 */
export function decodeCursor(list: ListName, value: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed[0] === list &&
      Number.isSafeInteger(parsed[1]) &&
      typeof parsed[2] === 'string' &&
      cursorId.test(parsed[2])
    ) {
      return { createdAt: parsed[1] as number, id: parsed[2] };
    }
  } catch {
    // reported below
  }
  throw new ApiError('invalid_cursor', `The cursor is not one of this ${list} list's cursors.`);
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
export function keysetOf(
  list: ListName,
  q: PageQuery,
): { limit: number; after?: Cursor; before?: Cursor } {
  return {
    limit: q.limit + 1,
    after: q.after ? decodeCursor(list, q.after) : undefined,
    before: q.before ? decodeCursor(list, q.before) : undefined,
  };
}

/**
 * A page from what a keyset read returned (up to `limit + 1` rows, in list order), as
 * /v1/accounts answers: `end_cursor` null once nothing follows; after `before`, something
 * always follows.
 */
export function pageFrom<R, V>(
  list: ListName,
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
      start_cursor: first ? encodeCursor(list, positionOf(first)) : null,
      end_cursor: last && (hasMore || q.before) ? encodeCursor(list, positionOf(last)) : null,
    },
  };
}

/**
 * One page of a small list held in memory, in ascending order of `positionOf`, with the same
 * cursors and the same after/before meaning as a keyset read: a cursor is a position, so it
 * stays valid when items come or go.
 */
export function pageInMemory<T>(
  list: ListName,
  items: readonly T[],
  q: PageQuery,
  positionOf: (item: T) => Position,
): Page<T> {
  const { limit, after, before } = keysetOf(list, q);
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
  return pageFrom(list, rows, q, items.length, positionOf, (item) => item);
}
