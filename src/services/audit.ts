import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.ts';
import { newTimeOrderedId } from '../lib/ids.ts';
import type { AuditEvent, AuditRepository } from '../store/repos/audit.ts';

export interface Actor {
  type: 'user' | 'api_key' | 'system' | 'anonymous';
  id: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export interface AuditInput {
  workspaceId: string;
  action: string;
  actor: Actor;
  accountId?: string | null;
  /** Facts about the event; never a secret (callers pass ids, codes and names only). */
  details?: Record<string, unknown>;
}

/**
 * Records audit events in batches: a credential read must not wait for its own insert. Events
 * are written at most `flushMs` later, when `maxBatch` are waiting, and on close, so a clean
 * shutdown loses none.
 */
export class AuditLog {
  private pending: AuditEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: { flushMs: number; maxBatch: number } = { flushMs: 500, maxBatch: 500 },
  ) {}

  record(input: AuditInput): void {
    const now = this.clock.now();
    this.pending.push({
      id: newTimeOrderedId('evt', now),
      workspace_id: input.workspaceId,
      action: input.action,
      actor_type: input.actor.type,
      actor_id: input.actor.id,
      account_id: input.accountId ?? null,
      ip: input.actor.ip ?? null,
      user_agent: input.actor.userAgent?.slice(0, 512) ?? null,
      details: JSON.stringify(input.details ?? {}),
      created_at: now,
    });
    if (this.pending.length >= this.opts.maxBatch) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.opts.flushMs);
  }

  /** Writes every waiting event; resolves when they are stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: AuditEvent[]): Promise<void> {
    try {
      await this.repo.insertMany(batch);
    } catch (err) {
      // Put them back so the next flush tries again; an audit event is never dropped silently.
      this.pending.unshift(...batch);
      this.log.error({ err, events: batch.length }, 'audit events could not be written');
    }
  }
}
