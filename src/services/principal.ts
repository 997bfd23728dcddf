import type { Role } from '../store/schema.ts';

export const scopes = [
  'accounts:read',
  'credentials:read',
  'accounts:write',
  'apps:write',
  'admin',
] as const;
export type Scope = (typeof scopes)[number];

/** Who is calling, in which workspace, with what rights; made once per request by the auth layer. */
export interface Principal {
  readonly workspaceId: string;
  /** The acting user; null for a workspace key (the bootstrap key) that acts as the workspace. */
  readonly userId: string | null;
  readonly role: Role;
  readonly via: 'api_key' | 'session';
  readonly keyId: string | null;
  readonly scopes: ReadonlySet<Scope>;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has('admin') || principal.scopes.has(scope);
}

export function actorOf(principal: Principal) {
  return {
    type: principal.via === 'api_key' ? ('api_key' as const) : ('user' as const),
    id: principal.via === 'api_key' ? principal.keyId : principal.userId,
    ip: principal.ip,
    userAgent: principal.userAgent,
  };
}
