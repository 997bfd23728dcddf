import type { Clock } from '../lib/clock.ts';

export interface ThrottleOptions {
  /** Failed logins allowed for one email within `windowMs`… */
  maxFailures: number;
  /** …after which that email is locked until the oldest failure leaves the window. */
  windowMs: number;
  /** Emails tracked at once; the oldest are forgotten first. */
  maxTracked?: number;
}

/**
 * Slows password guessing against one account, whatever address the guesses come from (the
 * per-IP limit on the login route covers the other axis). A locked email is refused before its
 * password is checked, so a correct guess during the lock is refused too.
 *
 * TODO(several server processes): the counts live in this process; each process allows its own
 * `maxFailures`, because they are not shared through the database.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: ThrottleOptions,
  ) {}

  /** Milliseconds until `email` may try again, or 0 when it may try now. */
  retryAfterMs(email: string): number {
    const recent = this.recent(email);
    if (recent.length < this.opts.maxFailures) return 0;
    const oldest = recent[recent.length - this.opts.maxFailures]!;
    return Math.max(1, oldest + this.opts.windowMs - this.clock.now());
  }

  fail(email: string): void {
    const recent = this.recent(email);
    recent.push(this.clock.now());
    this.failures.delete(email); // re-insert: Map order is then least recently failed first
    this.failures.set(email, recent.slice(-this.opts.maxFailures));
    const cap = this.opts.maxTracked ?? 100_000;
    for (const key of this.failures.keys()) {
      if (this.failures.size <= cap) break;
      this.failures.delete(key);
    }
  }

  succeed(email: string): void {
    this.failures.delete(email);
  }

  private recent(email: string): number[] {
    const since = this.clock.now() - this.opts.windowMs;
    return (this.failures.get(email) ?? []).filter((t) => t > since);
  }
}
