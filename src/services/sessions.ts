import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import { tokenHash } from '../lib/hash.ts';
import { randomSecret } from '../lib/ids.ts';
import type { IdentityRepository, User } from '../store/repos/identity.ts';
import type { Session, SessionRepository } from '../store/repos/sessions.ts';

export interface NewSession {
  /** The cookie value; only its SHA-256 is stored. */
  token: string;
  csrfToken: string;
  expiresAt: number;
}

/**
 * Dashboard login sessions. The cookie carries 256 random bits; the CSRF token is a second
 * random value tied to the session, returned in JSON and echoed in `x-csrf-token`, which a
 * cross-site page can neither read nor send.
 */
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly identity: IdentityRepository,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  async create(userId: string): Promise<NewSession> {
    const now = this.clock.now();
    const token = randomSecret(32);
    const csrfToken = randomSecret(24);
    const expiresAt = now + this.ttlMs;
    await this.sessions.insert({
      id_hash: tokenHash(token),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now,
      expires_at: expiresAt,
    });
    return { token, csrfToken, expiresAt };
  }

  /** The live session of a cookie value and its user, or null. */
  async resolve(token: string): Promise<{ session: Session; user: User } | null> {
    if (token.length < 20 || token.length > 200) return null;
    const session = await this.sessions.byHash(tokenHash(token));
    if (!session || session.expires_at <= this.clock.now()) return null;
    const user = await this.identity.user(session.user_id);
    return user ? { session, user } : null;
  }

  async destroy(token: string): Promise<void> {
    await this.sessions.delete(tokenHash(token));
  }

  /** Whether a request's `x-csrf-token` matches the session's, compared in constant time. */
  csrfMatches(session: Session, header: string | undefined): boolean {
    if (!header) return false;
    const expected = Buffer.from(session.csrf_token);
    const actual = Buffer.from(header);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}
