import type { Kysely } from 'kysely';

/**
 * The outcome of a connect token: the account its link connected or reconnected, so the one who
 * made the token can ask (POST /v1/connect/tokens/status). Null while unused, and on tokens used
 * before this column existed. Runs unchanged on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connect_tokens').addColumn('account_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connect_tokens').dropColumn('account_id').execute();
}
