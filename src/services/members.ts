import type { Clock } from '../lib/clock.ts';
import { toIso } from '../lib/clock.ts';
import { ApiError } from '../lib/errors.ts';
import { tokenHash } from '../lib/hash.ts';
import { newId, randomSecret } from '../lib/ids.ts';
import type { IdentityRepository } from '../store/repos/identity.ts';
import type { Invitation, MemberRecord, MemberRepository } from '../store/repos/members.ts';
import type { Role } from '../store/schema.ts';
import { requireManager } from './access.ts';
import type { AuditLog } from './audit.ts';
import { keysetOf, pageFrom, type Page, type PageQuery } from './pagination.ts';
import { actorOf, type Principal } from './principal.ts';
import { normalizeEmail } from './users.ts';

export interface MemberView {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: string;
}

const view = (m: MemberRecord): MemberView => ({ ...m, created_at: toIso(m.created_at)! });

const invitationView = (r: Invitation): InvitationView => ({
  id: r.id,
  email: r.email,
  role: r.role,
  created_by: r.created_by,
  created_at: toIso(r.created_at)!,
  expires_at: toIso(r.expires_at)!,
});

/**
 * Who belongs to the workspace. Owners and admins invite, change roles and remove; only an
 * owner makes or unmakes an owner; the last owner can be neither demoted nor removed.
 */
export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  created_by: string | null;
  created_at: string;
  expires_at: string;
}

export class MemberService {
  constructor(
    private readonly deps: {
      members: MemberRepository;
      identity: IdentityRepository;
      audit: AuditLog;
      clock: Clock;
      publicUrl: string;
      invitationTtlMs: number;
      /** Called when a person's rights here change, so cached credentials checks are dropped. */
      onMemberChanged?: (userId: string) => void;
    },
  ) {}

  /** Every member may see who else belongs; oldest first. */
  async list(p: Principal, q: PageQuery): Promise<Page<MemberView>> {
    const { members } = this.deps;
    const rows = await members.page(p.workspaceId, keysetOf('members', q));
    const total = await members.count(p.workspaceId);
    return pageFrom(
      'members',
      rows,
      q,
      total,
      (m) => ({ created_at: m.created_at, id: m.user_id }),
      view,
    );
  }

  /** A single-use invitation link; the token is returned this once and stored hashed. */
  async invite(p: Principal, input: { email: string; role: Role }) {
    requireManager(p, 'invite people');
    if (input.role === 'owner' && p.role !== 'owner') {
      throw new ApiError('forbidden', 'Only an owner can invite an owner.');
    }
    const email = normalizeEmail(input.email);
    const existing = await this.deps.identity.userByEmail(email);
    if (existing && (await this.deps.identity.membership(p.workspaceId, existing.id))) {
      throw new ApiError('conflict', 'This person is already a member of the workspace.');
    }

    const token = `inv_${randomSecret(32)}`;
    const now = this.deps.clock.now();
    const expiresAt = now + this.deps.invitationTtlMs;
    const id = newId('inv');
    await this.deps.members.insertInvitation({
      id,
      workspace_id: p.workspaceId,
      email,
      role: input.role,
      token_hash: tokenHash(token),
      created_by: p.userId,
      created_at: now,
      expires_at: expiresAt,
      accepted_at: null,
    });
    this.deps.audit.record({
      workspaceId: p.workspaceId,
      action: 'member.invited',
      actor: actorOf(p),
      details: { invitation_id: id, email, role: input.role },
    });
    return {
      id,
      invitation: token,
      invitation_url: `${this.deps.publicUrl}/signup?invitation=${encodeURIComponent(token)}`,
      expires_at: toIso(expiresAt)!,
    };
  }

  /** Pending invitations (owners and admins); the links themselves cannot be shown again. */
  async invitations(p: Principal, q: PageQuery): Promise<Page<InvitationView>> {
    requireManager(p, 'see invitations');
    const { members } = this.deps;
    const now = this.deps.clock.now();
    const rows = await members.pendingInvitations(p.workspaceId, now, keysetOf('invitations', q));
    const total = await members.countPendingInvitations(p.workspaceId, now);
    return pageFrom('invitations', rows, q, total, (r) => r, invitationView);
  }

  /** Withdraws an invitation that was not used yet; its link stops working at once. */
  async revokeInvitation(p: Principal, id: string): Promise<void> {
    requireManager(p, 'withdraw invitations');
    if (!(await this.deps.members.deleteInvitation(p.workspaceId, id))) {
      throw new ApiError('not_found', `No pending invitation "${id}".`);
    }
    this.deps.audit.record({
      workspaceId: p.workspaceId,
      action: 'invitation.revoked',
      actor: actorOf(p),
      details: { invitation_id: id },
    });
  }

  async setRole(p: Principal, userId: string, role: Role): Promise<MemberView> {
    requireManager(p, 'change roles');
    const target = await this.member(p, userId);
    if ((target.role === 'owner' || role === 'owner') && p.role !== 'owner') {
      throw new ApiError('forbidden', 'Only an owner can make or unmake an owner.');
    }
    if (target.role === 'owner' && role !== 'owner') await this.keepAnOwner(p.workspaceId);

    await this.deps.members.setRole(p.workspaceId, userId, role);
    this.deps.onMemberChanged?.(userId);
    this.deps.audit.record({
      workspaceId: p.workspaceId,
      action: 'member.role_changed',
      actor: actorOf(p),
      details: { user_id: userId, from: target.role, to: role },
    });
    return view({ ...target, role });
  }

  /** Removes a member (or lets anyone leave); their keys and sessions stop working here. */
  async remove(p: Principal, userId: string): Promise<void> {
    if (userId !== p.userId) requireManager(p, 'remove members');
    const target = await this.member(p, userId);
    if (target.role === 'owner' && userId !== p.userId && p.role !== 'owner') {
      throw new ApiError('forbidden', 'Only an owner can remove an owner.');
    }
    if (target.role === 'owner') await this.keepAnOwner(p.workspaceId);

    await this.deps.members.remove(p.workspaceId, userId);
    this.deps.onMemberChanged?.(userId);
    this.deps.audit.record({
      workspaceId: p.workspaceId,
      action: 'member.removed',
      actor: actorOf(p),
      details: { user_id: userId, role: target.role },
    });
  }

  private async member(p: Principal, userId: string): Promise<MemberRecord> {
    const found = await this.deps.members.member(p.workspaceId, userId);
    if (!found) throw new ApiError('not_found', `No member "${userId}" in this workspace.`);
    return found;
  }

  private async keepAnOwner(workspaceId: string): Promise<void> {
    if ((await this.deps.members.countOwners(workspaceId)) <= 1) {
      throw new ApiError('conflict', 'A workspace keeps at least one owner.');
    }
  }
}
