import type { Kysely, Selectable } from 'kysely';
import type { AppRow, Database, OAuthAppRow } from '../schema.ts';

export type AppRecord = Selectable<AppRow>;
export type OAuthAppRecord = Selectable<OAuthAppRow>;

export class AppRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: AppRecord): Promise<void> {
    await this.db.insertInto('apps').values(row).execute();
  }

  async get(workspaceId: string, id: string): Promise<AppRecord | undefined> {
    return this.db
      .selectFrom('apps')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async bySlug(workspaceId: string, slug: string): Promise<AppRecord | undefined> {
    return this.db
      .selectFrom('apps')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('name_slug', '=', slug)
      .executeTakeFirst();
  }

  async list(workspaceId: string): Promise<AppRecord[]> {
    return this.db
      .selectFrom('apps')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('name_slug')
      .execute();
  }
}

export class OAuthAppRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: OAuthAppRecord): Promise<void> {
    await this.db.insertInto('oauth_apps').values(row).execute();
  }

  async get(workspaceId: string, id: string): Promise<OAuthAppRecord | undefined> {
    return this.db
      .selectFrom('oauth_apps')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** By id alone: for the refresher, which acts for every workspace. */
  async byId(id: string): Promise<OAuthAppRecord | undefined> {
    return this.db.selectFrom('oauth_apps').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(workspaceId: string, appId?: string): Promise<OAuthAppRecord[]> {
    let query = this.db
      .selectFrom('oauth_apps')
      .selectAll()
      .where('workspace_id', '=', workspaceId);
    if (appId) query = query.where('app_id', '=', appId);
    return query.orderBy('created_at').orderBy('id').execute();
  }

  async delete(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('oauth_apps')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
