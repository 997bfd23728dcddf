import { toIso } from '../lib/clock.ts';
import { ApiError } from '../lib/errors.ts';
import type { AuditEvent, AuditRepository } from '../store/repos/audit.ts';
import { requireManager } from './access.ts';
import type { AuditLog } from './audit.ts';
import { decodeCursor, pageFrom, type Page } from './pagination.ts';
import type { Principal } from './principal.ts';

export interface AuditEventView {
  id: string;
  action: string;
  actor: { type: string; id: string | null };
  account_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
  created_at: string;
}

export interface AuditQuery {
  account_id?: string;
  actor_id?: string;
  action?: string;
  since?: string;
  until?: string;
  limit: number;
  after?: string;
  before?: string;
}

/** Reading the audit log: owners and admins of the workspace, newest first, keyset pages. */
export class AuditEventService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly log: AuditLog,
  ) {}

  async list(p: Principal, q: AuditQuery): Promise<Page<AuditEventView>> {
    requireManager(p, 'read the audit log');
    // Events wait in memory for up to a moment; show them to whoever asks now.
    await this.log.flush();
    const filter = {
      workspaceId: p.workspaceId,
      accountId: q.account_id,
      actorId: q.actor_id,
      action: q.action,
      since: time(q.since, 'since'),
      until: time(q.until, 'until'),
      limit: q.limit + 1,
      after: q.after ? decodeCursor('audit_events', q.after) : undefined,
      before: q.before ? decodeCursor('audit_events', q.before) : undefined,
    };
    const rows = await this.repo.list(filter);
    return pageFrom('audit_events', rows, q, await this.repo.count(filter), (row) => row, view);
  }
}

function time(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new ApiError('validation_failed', `querystring.${field} must be an ISO-8601 time.`);
  }
  return ms;
}

function view(e: AuditEvent): AuditEventView {
  return {
    id: e.id,
    action: e.action,
    actor: { type: e.actor_type, id: e.actor_id },
    account_id: e.account_id,
    ip: e.ip,
    user_agent: e.user_agent,
    details: JSON.parse(e.details) as Record<string, unknown>,
    created_at: toIso(e.created_at)!,
  };
}
