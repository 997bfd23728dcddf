import { PostgresAdapter, sql, type Kysely, type Selectable } from 'kysely';
import type { AppRow, Database, OAuthAppRow } from '../schema.ts';
import { keysetPage, type KeysetPage } from './keyset.ts';

export type AppRecord = Selectable<AppRow>;
export type OAuthAppRecord = Selectable<OAuthAppRow>;

export class AppRepository {
  constructor(readonly db: Kysely<Database>) {}

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

  /** What still uses an app: its accounts, OAuth clients and connect links not yet used. */
  async usage(workspaceId: string, appId: string, now: number) {
    const count = async (table: 'accounts' | 'oauth_apps' | 'connect_tokens', open = false) => {
      let query = this.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('app_id', '=', appId);
      if (open) {
        query = query.where(sql.ref('used_at'), 'is', null).where(sql.ref('expires_at'), '>', now);
      }
      return Number((await query.executeTakeFirst())?.n ?? 0);
    };
    const [accounts, oauthClients, openLinks] = await Promise.all([
      count('accounts'),
      count('oauth_apps'),
      count('connect_tokens', true),
    ]);
    return { accounts, oauthClients, openLinks };
  }

  async delete(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('apps')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /**
   * Runs `work` in one transaction with the app's row locked, and tells it whether the row is
   * there: `use` (FOR SHARE) for whoever writes a row that refers to the app, `delete`
   * (FOR UPDATE) for whoever deletes it. On PostgreSQL the two wait for each other, so a
   * delete never misses a client or link written at the same time, and a writer never refers
   * to an app deleted under it. SQLite runs one write transaction at a time, which does the same.
   */
  async locked<T>(
    workspaceId: string,
    id: string,
    mode: 'use' | 'delete',
    work: (trx: Kysely<Database>, found: boolean) => Promise<T>,
  ): Promise<T> {
    const postgres = this.db.getExecutor().adapter instanceof PostgresAdapter;
    return this.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('apps')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id);
      if (postgres) query = mode === 'use' ? query.forShare() : query.forUpdate();
      return work(trx, (await query.executeTakeFirst()) !== undefined);
    });
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

export interface OAuthAppFilter {
  workspaceId: string;
  appId?: string;
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

  /** One keyset page of the workspace's OAuth clients, oldest first (the order of `list`). */
  async page(filter: OAuthAppFilter & KeysetPage): Promise<OAuthAppRecord[]> {
    return keysetPage(this.filtered(filter).selectAll(), filter, { direction: 'asc' });
  }

  async count(filter: OAuthAppFilter): Promise<number> {
    const row = await this.filtered(filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private filtered(filter: OAuthAppFilter) {
    let query = this.db.selectFrom('oauth_apps').where('workspace_id', '=', filter.workspaceId);
    if (filter.appId) query = query.where('app_id', '=', filter.appId);
    return query;
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
