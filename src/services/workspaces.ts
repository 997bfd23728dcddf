import type { Clock } from '../lib/clock.ts';
import { toIso } from '../lib/clock.ts';
import { ApiError } from '../lib/errors.ts';
import { hasPrefix, newId } from '../lib/ids.ts';
import type { IdentityRepository } from '../store/repos/identity.ts';
import type { Role } from '../store/schema.ts';
import { requireScope } from './access.ts';
import type { AuditLog } from './audit.ts';
import { actorOf, scopes, type Principal } from './principal.ts';
import type { RequestMeta } from './users.ts';

export interface WorkspaceView {
  id: string;
  name: string;
  role: Role;
  created_at: string;
}

/** Workspaces and the principal a signed-in person acts as in one of them. */
export class WorkspaceService {
  constructor(
    private readonly identity: IdentityRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** The user's workspaces with their role in each, oldest membership first. */
  async of(userId: string): Promise<WorkspaceView[]> {
    const rows = await this.identity.memberships(userId);
    return rows.map((m) => ({
      id: m.workspace_id,
      name: m.name,
      role: m.role,
      created_at: toIso(m.created_at)!,
    }));
  }

  async describe(workspaceId: string, role: Role): Promise<WorkspaceView> {
    const workspace = await this.identity.workspace(workspaceId);
    if (!workspace) throw new ApiError('not_found', 'The workspace no longer exists.');
    const { id, name, created_at } = workspace;
    return { id, name, role, created_at: toIso(created_at)! };
  }

  /**
   * A session's principal in the workspace it names (`x-latchkey-workspace`), else in its
   * first. A session carries every scope; what it may do is bounded by the role.
   */
  async principalForSession(
    userId: string,
    requested: string | undefined,
    meta: RequestMeta,
  ): Promise<Principal> {
    const memberships = await this.identity.memberships(userId);
    const chosen = requested
      ? memberships.find((m) => m.workspace_id === requested)
      : memberships[0];
    if (!chosen && requested) {
      throw new ApiError('not_found', `No workspace "${requested}" that you belong to.`);
    }
    if (!chosen) throw new ApiError('forbidden', 'You are not a member of any workspace.');
    return {
      workspaceId: chosen.workspace_id,
      userId,
      role: chosen.role,
      via: 'session',
      keyId: null,
      scopes: new Set(scopes),
      ip: meta.ip,
      userAgent: meta.userAgent,
    };
  }

  /** A new workspace owned by the caller; a person's act, so a workspace key cannot. */
  async create(p: Principal, name: string): Promise<WorkspaceView> {
    requireScope(p, 'admin');
    if (p.userId === null) {
      throw new ApiError('forbidden', 'A workspace key has no person to own a new workspace.');
    }
    const now = this.clock.now();
    const workspace = { id: newId('ws'), name: name.trim(), created_at: now };
    await this.identity.insertWorkspace(workspace);
    await this.identity.addMember(workspace.id, p.userId, 'owner', now);
    this.audit.record({
      workspaceId: workspace.id,
      action: 'workspace.created',
      actor: actorOf(p),
      details: { name: workspace.name },
    });
    return { id: workspace.id, name: workspace.name, role: 'owner', created_at: toIso(now)! };
  }
}

/** Whether a header value could be a workspace id at all (saves a lookup of junk). */
export const looksLikeWorkspaceId = (value: string) => hasPrefix(value, 'ws') && value.length < 100;
