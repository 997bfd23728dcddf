import type { Kysely, Selectable } from 'kysely';
import type { Database, InvitationRow, Role } from '../schema.ts';
import { keysetPage, type KeysetPage } from './keyset.ts';

export type Invitation = Selectable<InvitationRow>;

export interface MemberRecord {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: number;
}

const memberColumns = [
  'memberships.user_id',
  'users.email',
  'users.name',
  'memberships.role',
  'memberships.created_at',
] as const;

/** Who belongs to a workspace, with which role, and the invitations to join it. */
export class MemberRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** A keyset page of the members, oldest first (the owner who made the workspace leads). */
  async page(workspaceId: string, page: KeysetPage): Promise<MemberRecord[]> {
    return keysetPage(this.membersOf(workspaceId).select(memberColumns), page, {
      createdAt: 'memberships.created_at',
      id: 'memberships.user_id',
      direction: 'asc',
    });
  }

  async count(workspaceId: string): Promise<number> {
    const row = await this.membersOf(workspaceId)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async member(workspaceId: string, userId: string): Promise<MemberRecord | undefined> {
    return this.membersOf(workspaceId)
      .select(memberColumns)
      .where('memberships.user_id', '=', userId)
      .executeTakeFirst();
  }

  private membersOf(workspaceId: string) {
    return this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .where('memberships.workspace_id', '=', workspaceId);
  }

  /** The subset of `userIds` that are members of the workspace. */
  async membersAmong(workspaceId: string, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('memberships')
      .select('user_id')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', 'in', userIds)
      .execute();
    return rows.map((r) => r.user_id);
  }

  async countOwners(workspaceId: string): Promise<number> {
    const row = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setRole(workspaceId: string, userId: string, role: Role): Promise<void> {
    await this.db
      .updateTable('memberships')
      .set({ role })
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .execute();
  }

  async remove(workspaceId: string, userId: string): Promise<void> {
    await this.db
      .deleteFrom('memberships')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .execute();
  }

  async insertInvitation(row: Invitation): Promise<void> {
    await this.db.insertInto('invitations').values(row).execute();
  }

  /** A keyset page of the invitations not yet used and not expired at `now`, newest first. */
  async pendingInvitations(
    workspaceId: string,
    now: number,
    page: KeysetPage,
  ): Promise<Invitation[]> {
    return keysetPage(this.pendingOf(workspaceId, now).selectAll(), page);
  }

  async countPendingInvitations(workspaceId: string, now: number): Promise<number> {
    const row = await this.pendingOf(workspaceId, now)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private pendingOf(workspaceId: string, now: number) {
    return this.db
      .selectFrom('invitations')
      .where('workspace_id', '=', workspaceId)
      .where('accepted_at', 'is', null)
      .where('expires_at', '>', now);
  }

  async deleteInvitation(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('invitations')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async invitationByHash(tokenHash: string): Promise<Invitation | undefined> {
    return this.db
      .selectFrom('invitations')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /** Marks an invitation used; false when another request used it first (single use). */
  async acceptInvitation(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('invitations')
      .set({ accepted_at: now })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
