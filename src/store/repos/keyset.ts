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

/**
 * One page of a table read newest first by `(created_at, id)`: rows strictly after `after`,
 * or strictly before `before` (read backwards from it, then put back in newest-first order).
 * Row-value comparisons, so a tie on `created_at` never skips or repeats a row.
 */
export async function keysetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: KeysetPage,
): Promise<O[]> {
  const { after, before } = page;
  if (after)
    query = query.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id})`);
  if (before) {
    const rows = await query
      .where(sql<boolean>`(created_at, id) > (${before.createdAt}, ${before.id})`)
      .orderBy(sql`created_at`, 'asc')
      .orderBy(sql`id`, 'asc')
      .limit(page.limit)
      .execute();
    return rows.reverse();
  }
  return query
    .orderBy(sql`created_at`, 'desc')
    .orderBy(sql`id`, 'desc')
    .limit(page.limit)
    .execute();
}
