import { ApiError } from '../lib/errors.ts';
import type { Account } from '../store/repos/accounts.ts';
import { hasScope, type Principal, type Scope } from './principal.ts';

/** Throws 403 unless the caller's key or session carries the scope. */
export function requireScope(principal: Principal, scope: Scope): void {
  if (!hasScope(principal, scope)) {
    throw new ApiError('forbidden', `This needs the ${scope} scope.`);
  }
}

/** Throws 403 unless the caller holds the scope, or one of the scopes. */
export function requireAnyScope(principal: Principal, scopes: Scope | readonly Scope[]): void {
  const list = typeof scopes === 'string' ? [scopes] : scopes;
  if (list.some((scope) => hasScope(principal, scope))) return;
  throw new ApiError('forbidden', `This needs the ${list.join(' or ')} scope.`);
}

/** An owner or admin of the workspace (a workspace key counts as its owner). */
export const isManager = (p: Principal) => p.role === 'owner' || p.role === 'admin';

/**
 * Throws 403 unless the caller is an owner or admin *and* holds the admin scope: a key never
 * does more than the person who made it may, whatever scopes it carries.
 */
export function requireManager(p: Principal, what: string): void {
  requireScope(p, 'admin');
  if (!isManager(p)) throw new ApiError('forbidden', `Only owners and admins can ${what}.`);
}

/**
 * Whether the account is shared with the caller: theirs, shared with the workspace or with
 * them by name, or one of the workspace's own accounts (no person owns it) that the caller
 * holds for the workspace. `sharedWith` is consulted only when the cheaper checks fail.
 */
async function sharedWithCaller(
  p: Principal,
  account: Account,
  sharedWith: () => Promise<string[]>,
): Promise<boolean> {
  if (account.owner_user_id !== null && account.owner_user_id === p.userId) return true;
  if (account.visibility === 'workspace') return true;
  if (account.owner_user_id === null) {
    // An end user's account (connected for an external_user_id) belongs to the workspace: every
    // member may use it, by session or key alike. One connected through a workspace key, for no
    // end user, is held by the workspace's managers and keys.
    if (account.external_user_id !== null) return true;
    if (p.userId === null || isManager(p)) return true;
  }
  if (p.userId === null) return false;
  return (await sharedWith()).includes(p.userId);
}

/**
 * Whether the caller may know the account exists. Others get 404, not 403, so that ids do not
 * leak across people or workspaces. Owners and admins of the workspace see every account.
 */
export async function canSee(
  p: Principal,
  account: Account,
  sharedWith: () => Promise<string[]>,
): Promise<boolean> {
  if (account.workspace_id !== p.workspaceId) return false;
  if (isManager(p)) return true;
  return sharedWithCaller(p, account, sharedWith);
}

/** Whether the caller may read the credentials; admins too need the account shared with them. */
export async function canReadCredentials(
  p: Principal,
  account: Account,
  sharedWith: () => Promise<string[]>,
): Promise<boolean> {
  if (account.workspace_id !== p.workspaceId) return false;
  if (!hasScope(p, 'credentials:read')) return false;
  return sharedWithCaller(p, account, sharedWith);
}

/** Whether the caller may change who sees the account, reconnect it or delete it. */
export function canManage(p: Principal, account: Account): boolean {
  if (account.workspace_id !== p.workspaceId) return false;
  if (p.userId === null || isManager(p)) return true;
  return account.owner_user_id === p.userId;
}
