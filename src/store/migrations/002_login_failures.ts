import type { Kysely } from 'kysely';
import { columnTypes } from './types.ts';

/**
 * Failed logins, shared by every server process on the database (the login throttle counts
 * them). Runs unchanged on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { time } = columnTypes(db);

  await db.schema
    .createTable('login_failures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Normalised (trimmed, lower-cased), whether or not someone has that email.
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('failed_at', time, (c) => c.notNull())
    .execute();

  // The throttle's one query per login attempt (an email's failures within the window, split
  // by address) reads this index only; clearing a pair on success starts from it too.
  await db.schema
    .createIndex('login_failures_email_time')
    .on('login_failures')
    .columns(['email', 'failed_at', 'ip'])
    .execute();

  // Maintenance deletes failures that left the window by age, without reading the whole table.
  await db.schema
    .createIndex('login_failures_time')
    .on('login_failures')
    .column('failed_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('login_failures').execute();
}
