import type { Kysely, Selectable } from 'kysely';
import type { Database, InvitationRow, Role } from '../schema.ts';

export type Invitation = Selectable<InvitationRow>;

export interface MemberRecord {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: number;
}

/** Who belongs to a workspace, with which role, and the invitations to join it. */
export class MemberRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(workspaceId: string): Promise<MemberRecord[]> {
    return this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'memberships.user_id',
        'users.email',
        'users.name',
        'memberships.role',
        'memberships.created_at',
      ])
      .where('memberships.workspace_id', '=', workspaceId)
      .orderBy('memberships.created_at')
      .orderBy('memberships.user_id')
      .execute();
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

  /** Invitations not yet used and not expired, newest first. */
  async pendingInvitations(workspaceId: string, now: number): Promise<Invitation[]> {
    return this.db
      .selectFrom('invitations')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('accepted_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
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
