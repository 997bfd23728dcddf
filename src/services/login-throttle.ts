import type { Clock } from '../lib/clock.ts';
import type { LoginFailureRepository } from '../store/repos/login-failures.ts';

export interface ThrottleOptions {
  /** Failed logins allowed for one email from one address within `windowMs`… */
  maxFailuresPerPair: number;
  /** …and for one email from all addresses together (much higher: see LoginThrottle). */
  maxFailuresPerEmail: number;
  /** A lock lasts until enough of the failures that caused it have left this window. */
  windowMs: number;
}

/** Why and for how long a login attempt is refused before its password is checked. */
export interface Lock {
  scope: 'pair' | 'email';
  retryAfterMs: number;
}

/**
 * Slows password guessing, with the failures kept in the database so that every process on it
 * counts the same ones. Two limits:
 *
 * - per (email, client IP): `maxFailuresPerPair`. The pair is refused, even with the right
 *   password, until its failures leave the window; a successful login clears the pair. So one
 *   address guessing at an account locks only itself out, not the owner logging in elsewhere.
 * - per email from all addresses: `maxFailuresPerEmail`, much higher, against a guessing run
 *   spread over many addresses. It locks the email everywhere, owner included: that is the price
 *   of stopping such a run.
 *
 * An attempt is counted as a failure before its (slow) password check and uncounted when it
 * succeeds, so concurrent attempts in several processes see each other; only attempts that
 * pass the check in the same few milliseconds can go over a limit together.
 */
export class LoginThrottle {
  constructor(
    private readonly failures: LoginFailureRepository,
    private readonly clock: Clock,
    private readonly opts: ThrottleOptions,
  ) {}

  /**
   * Starts a login attempt of `email` (normalised) from `ip`: returns the lock that refuses it,
   * or null after counting it as a failure until `succeed` says otherwise. One indexed read and,
   * when not locked, one insert.
   */
  async begin(email: string, ip: string): Promise<Lock | null> {
    const now = this.clock.now();
    const counts = await this.failures.counts(email, ip, now - this.opts.windowMs);
    const until = (oldest: number | null) =>
      Math.max(1, (oldest ?? now) + this.opts.windowMs - now);
    // With more failures than the limit (concurrent attempts), the oldest leaving the window
    // may not unlock yet: the next attempt then gets a fresh Retry-After.
    let lock: Lock | null = null;
    if (counts.pair >= this.opts.maxFailuresPerPair) {
      lock = { scope: 'pair', retryAfterMs: until(counts.pairOldest) };
    }
    if (counts.email >= this.opts.maxFailuresPerEmail) {
      const wait = until(counts.emailOldest);
      if (!lock || wait > lock.retryAfterMs) lock = { scope: 'email', retryAfterMs: wait };
    }
    if (lock) return lock;
    await this.failures.insert(email, ip, now);
    return null;
  }

  /** The attempt was right: forget the failures of this email from this address. */
  async succeed(email: string, ip: string): Promise<void> {
    await this.failures.clearPair(email, ip);
  }
}
