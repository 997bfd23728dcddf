import type { Clock } from '../lib/clock.ts';
import { ApiError } from '../lib/errors.ts';
import { hasPrefix } from '../lib/ids.ts';
import type { Account, AccountRepository } from '../store/repos/accounts.ts';
import type { MemberRepository } from '../store/repos/members.ts';
import { canManage, canSee, requireScope } from './access.ts';
import type { AuditLog } from './audit.ts';
import { actorOf, type Principal } from './principal.ts';

export interface AccessView {
  account_id: string;
  owner_user_id: string | null;
  visibility: 'private' | 'workspace';
  member_ids: string[];
}

export interface AccessInput {
  visibility: 'private' | 'workspace';
  member_ids?: string[];
}

/**
 * Who may use an account besides its owner: the whole workspace, or members by name. Only the
 * account's owner, or an owner or admin of the workspace, changes it.
 */
export class AccountAccessService {
  constructor(
    private readonly deps: {
      accountRepo: AccountRepository;
      members: MemberRepository;
      audit: AuditLog;
      clock: Clock;
    },
  ) {}

  async get(p: Principal, id: string): Promise<AccessView> {
    requireScope(p, 'accounts:read');
    const account = await this.visible(p, id);
    return {
      account_id: account.id,
      owner_user_id: account.owner_user_id,
      visibility: account.visibility,
      member_ids: await this.deps.accountRepo.shares(account.id),
    };
  }

  async set(p: Principal, id: string, input: AccessInput): Promise<AccessView> {
    requireScope(p, 'accounts:write');
    const account = await this.visible(p, id);
    if (!canManage(p, account)) {
      throw new ApiError('forbidden', 'Only the account’s owner or an admin can share it.');
    }
    const wanted = [...new Set(input.member_ids ?? [])];
    const members = await this.deps.members.membersAmong(p.workspaceId, wanted);
    const stranger = wanted.find((userId) => !members.includes(userId));
    if (stranger) {
      throw new ApiError(
        'validation_failed',
        `body.member_ids: "${stranger}" is not a member of this workspace.`,
      );
    }

    await this.deps.accountRepo.update(account.id, {
      visibility: input.visibility,
      updated_at: this.deps.clock.now(),
    });
    await this.deps.accountRepo.setShares(account.id, wanted);
    this.deps.audit.record({
      workspaceId: p.workspaceId,
      action: 'account.access_changed',
      actor: actorOf(p),
      accountId: account.id,
      details: {
        from: { visibility: account.visibility },
        visibility: input.visibility,
        member_ids: wanted,
      },
    });
    return {
      account_id: account.id,
      owner_user_id: account.owner_user_id,
      visibility: input.visibility,
      member_ids: wanted,
    };
  }

  /** The account if the caller may know of it; 404 otherwise, as for every account route. */
  private async visible(p: Principal, id: string): Promise<Account> {
    const repo = this.deps.accountRepo;
    const account = hasPrefix(id, 'apn') ? await repo.get(id) : undefined;
    if (!account || !(await canSee(p, account, () => repo.shares(account.id)))) {
      throw new ApiError('account_not_found', `No account "${id}".`);
    }
    return account;
  }
}
