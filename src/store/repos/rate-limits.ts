import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Requests one process counted for a key in a window, not yet added to the shared total. */
export interface RateLimitIncrement {
  key: string;
  windowStart: number;
  /** End of the window (epoch ms): the row means nothing after it. */
  expiresAt: number;
  count: number;
}

/** Rows per statement: well under the bound-parameter limits of SQLite and PostgreSQL. */
export const rateLimitBatchSize = 500;

/**
 * Request counts per (rate-limit key, fixed window), summed over every process on the database.
 * Keys name an API key id, a person or a client IP (never a secret). See
 * src/http/plugins/shared-rate-limit-store.ts for how processes use them.
 */
export class RateLimitRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds the counts in one upsert (`count = count + excluded.count`); keys must be distinct. */
  async add(increments: readonly RateLimitIncrement[]): Promise<void> {
    if (increments.length === 0) return;
    await this.db
      .insertInto('rate_limit_counts')
      .values(
        increments.map((i) => ({
          key: i.key,
          window_start: i.windowStart,
          expires_at: i.expiresAt,
          count: i.count,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['key', 'window_start']).doUpdateSet((eb) => ({
          count: eb('rate_limit_counts.count', '+', eb.ref('excluded.count')),
        })),
      )
      .execute();
  }

  /** The shared totals of `keys` in the window starting at `windowStart`; absent keys are 0. */
  async totals(windowStart: number, keys: readonly string[]): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    if (keys.length === 0) return totals;
    const rows = await this.db
      .selectFrom('rate_limit_counts')
      .select(['key', 'count'])
      .where('window_start', '=', windowStart)
      .where('key', 'in', keys)
      .execute();
    for (const row of rows) totals.set(row.key, Number(row.count));
    return totals;
  }

  /** Deletes the counts of windows that ended before `cutoff`. */
  async deleteEndedBefore(cutoff: number): Promise<number> {
    const result = await this.db
      .deleteFrom('rate_limit_counts')
      .where('expires_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
