import type { Kysely } from 'kysely';

/**
 * Keyset pagination of a workspace's API keys, members, invitations and OAuth clients reads
 * `(created_at, id)` within the workspace, as accounts and audit events do: with these indexes a
 * page costs the same with thousands of rows as with ten. Runs unchanged on SQLite and
 * PostgreSQL.
 */
const indexes = [
  ['api_keys_workspace_created', 'api_keys', ['workspace_id', 'created_at', 'id']],
  ['invitations_workspace_created', 'invitations', ['workspace_id', 'created_at', 'id']],
  ['oauth_apps_workspace_created', 'oauth_apps', ['workspace_id', 'created_at', 'id']],
  ['memberships_workspace_created', 'memberships', ['workspace_id', 'created_at', 'user_id']],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, table, columns] of indexes) {
    await db.schema
      .createIndex(name)
      .on(table)
      .columns([...columns])
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of indexes) await db.schema.dropIndex(name).execute();
}
