import { keysetPage } from './keyset.ts';
import type { Kysely, Selectable } from 'kysely';
import type { AuditEventRow, Database } from '../schema.ts';

export type AuditEvent = Selectable<AuditEventRow>;

export interface AuditFilter {
  workspaceId: string;
  accountId?: string;
  actorId?: string;
  action?: string;
  since?: number;
  until?: number;
  /** Keyset position: rows strictly after / before (created_at, id) in newest-first order. */
  after?: { createdAt: number; id: string };
  before?: { createdAt: number; id: string };
  limit: number;
}

/** The audit log; append-only: there is no update or delete here on purpose. */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMany(rows: AuditEvent[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.insertInto('audit_events').values(rows).execute();
  }

  async list(filter: AuditFilter): Promise<AuditEvent[]> {
    return keysetPage(this.filtered(filter).selectAll(), filter);
  }

  async count(filter: AuditFilter): Promise<number> {
    const row = await this.filtered(filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private filtered(filter: AuditFilter) {
    let query = this.db.selectFrom('audit_events').where('workspace_id', '=', filter.workspaceId);
    if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
    if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('created_at', '<', filter.until);
    return query;
  }
}
