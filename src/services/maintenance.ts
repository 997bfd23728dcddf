import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.ts';
import type { ConnectRepository } from '../store/repos/connect.ts';
import type { LoginFailureRepository } from '../store/repos/login-failures.ts';
import type { SessionRepository } from '../store/repos/sessions.ts';

/**
 * Deletes what can no longer be used: expired sessions, OAuth states, old connect tokens, and
 * failed logins older than the login lockout window.
 * Runs every `intervalMs` in every process; the deletes are idempotent, so several processes
 * doing it at once is harmless.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      connect: ConnectRepository;
      sessions: SessionRepository;
      loginFailures: LoginFailureRepository;
      /** The login lockout window: failed logins older than this no longer count. */
      loginWindowMs: number;
      clock: Clock;
      log: Logger;
      intervalMs: number;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async run(): Promise<void> {
    const now = this.deps.clock.now();
    try {
      await this.deps.connect.prune(now);
      await this.deps.sessions.deleteExpired(now);
      await this.deps.loginFailures.deleteOlderThan(now - this.deps.loginWindowMs);
    } catch (err) {
      this.deps.log.warn({ err }, 'maintenance pass failed');
    }
  }
}
