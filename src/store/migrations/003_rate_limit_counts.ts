import type { Kysely } from 'kysely';
import { columnTypes } from './types.ts';

/**
 * Request counts per rate-limit key and fixed window, summed over every server process on the
 * database (see src/http/plugins/shared-rate-limit-store.ts). Runs unchanged on SQLite and
 * PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);

  await db.schema
    .createTable('rate_limit_counts')
    // `key:<api key id>`, `user:<user id>`, `ip:<address>`, a route's `login:<address>`.
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_counts_pk', ['key', 'window_start'])
    .execute();

  // The sync deletes the rows of ended windows by age, without reading the whole table.
  await db.schema
    .createIndex('rate_limit_counts_expires')
    .on('rate_limit_counts')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limit_counts').execute();
}
