import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyRow, Database, MembershipRow, Role, UserRow, WorkspaceRow } from '../schema.ts';
import { keysetPage, type KeysetPage } from './keyset.ts';

export type Workspace = Selectable<WorkspaceRow>;
export type User = Selectable<UserRow>;
export type Membership = Selectable<MembershipRow>;
export type ApiKey = Selectable<ApiKeyRow>;

/** Which API keys a list shows: a workspace's, or of one user there when `userId`. */
export interface ApiKeyFilter {
  workspaceId: string;
  userId?: string;
}

/** Workspaces, users, memberships and API keys: who may act, and where. */
export class IdentityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertWorkspace(row: Workspace): Promise<void> {
    await this.db.insertInto('workspaces').values(row).execute();
  }

  async workspace(id: string): Promise<Workspace | undefined> {
    return this.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async countWorkspaces(): Promise<number> {
    const row = await this.db
      .selectFrom('workspaces')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async firstWorkspace(): Promise<Workspace | undefined> {
    return this.db
      .selectFrom('workspaces')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  }

  async insertUser(row: User): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async user(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async userByEmail(email: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async addMember(workspaceId: string, userId: string, role: Role, now: number): Promise<void> {
    await this.db
      .insertInto('memberships')
      .values({ workspace_id: workspaceId, user_id: userId, role, created_at: now })
      .execute();
  }

  async membership(workspaceId: string, userId: string): Promise<Membership | undefined> {
    return this.db
      .selectFrom('memberships')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  async memberships(userId: string): Promise<(Membership & { name: string })[]> {
    return this.db
      .selectFrom('memberships')
      .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
      .selectAll('memberships')
      .select('workspaces.name')
      .where('user_id', '=', userId)
      .orderBy('memberships.created_at')
      .execute();
  }

  async insertApiKey(row: ApiKey): Promise<void> {
    await this.db.insertInto('api_keys').values(row).execute();
  }

  async apiKeyByHash(hash: string): Promise<ApiKey | undefined> {
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('secret_hash', '=', hash)
      .executeTakeFirst();
  }

  async touchApiKey(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async apiKey(id: string): Promise<ApiKey | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A keyset page of the workspace's keys that are not revoked, newest first. */
  async apiKeysPage(filter: ApiKeyFilter & KeysetPage): Promise<ApiKey[]> {
    return keysetPage(this.apiKeysOf(filter).selectAll(), filter);
  }

  async countApiKeys(filter: ApiKeyFilter): Promise<number> {
    const row = await this.apiKeysOf(filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private apiKeysOf(filter: ApiKeyFilter) {
    let query = this.db
      .selectFrom('api_keys')
      .where('workspace_id', '=', filter.workspaceId)
      .where('revoked_at', 'is', null);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    return query;
  }

  async revokeApiKey(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }
}
