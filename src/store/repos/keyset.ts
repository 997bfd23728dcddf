import { sql, type SelectQueryBuilder } from 'kysely';

export interface KeysetPosition {
  createdAt: number;
  id: string;
}

export interface KeysetPage {
  after?: KeysetPosition;
  before?: KeysetPosition;
  limit: number;
}

/** How a list is ordered: by which `(created_at, id)` columns, newest or oldest first. */
export interface KeysetOrder {
  /** The position's columns; `created_at` and `id` unless told (a join names its table). */
  createdAt?: string;
  id?: string;
  /** `desc` (the default) reads newest first, `asc` oldest first. */
  direction?: 'asc' | 'desc';
}

/**
 * One page of a table read by `(created_at, id)`, newest first unless `order` says otherwise:
 * rows strictly after `after`, or strictly before `before` (read backwards from it, then put
 * back in list order). Row-value comparisons, so a tie on `created_at` never skips or repeats
 * a row. Every table read this way has a `(workspace_id, created_at, id)` index for it.
 */
export async function keysetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: KeysetPage,
  order: KeysetOrder = {},
): Promise<O[]> {
  const { after, before } = page;
  const createdAt = sql.ref(order.createdAt ?? 'created_at');
  const id = sql.ref(order.id ?? 'id');
  const position = sql`(${createdAt}, ${id})`;
  const newestFirst = (order.direction ?? 'desc') === 'desc';
  // "Comes later in the list" is `<` newest first and `>` oldest first.
  const later = sql.raw(newestFirst ? '<' : '>');
  const earlier = sql.raw(newestFirst ? '>' : '<');
  const forwards = newestFirst ? 'desc' : 'asc';
  const backwards = newestFirst ? 'asc' : 'desc';

  if (after) {
    query = query.where(sql<boolean>`${position} ${later} (${after.createdAt}, ${after.id})`);
  }
  if (before) {
    const rows = await query
      .where(sql<boolean>`${position} ${earlier} (${before.createdAt}, ${before.id})`)
      .orderBy(createdAt, backwards)
      .orderBy(id, backwards)
      .limit(page.limit)
      .execute();
    return rows.reverse();
  }
  return query.orderBy(createdAt, forwards).orderBy(id, forwards).limit(page.limit).execute();
}
