import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.ts';
import { toIso } from '../lib/clock.ts';
import { ApiError } from '../lib/errors.ts';
import { tokenHash } from '../lib/hash.ts';
import { newId } from '../lib/ids.ts';
import type { Database, Role } from '../store/schema.ts';
import { IdentityRepository, type User } from '../store/repos/identity.ts';
import { MemberRepository, type Invitation } from '../store/repos/members.ts';
import type { AuditLog } from './audit.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.ts';
import type { NewSession, SessionService } from './sessions.ts';

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  created_at: string;
}

export interface SignupInput {
  email: string;
  password: string;
  name?: string;
  invitation?: string;
}

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export const userView = (u: User): UserView => ({
  id: u.id,
  email: u.email,
  name: u.name,
  created_at: toIso(u.created_at)!,
});

/** Emails are compared case-insensitively: stored trimmed and lower-cased. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Sign-up and login. Sign-up is open only on an instance without users (that person becomes
 * the owner of the first workspace) or with an invitation; login is throttled (LoginThrottle).
 */
export class UserService {
  private readonly identity: IdentityRepository;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      sessions: SessionService;
      throttle: LoginThrottle;
      audit: AuditLog;
      clock: Clock;
      log: Logger;
    },
  ) {
    this.identity = new IdentityRepository(deps.db);
  }

  async get(userId: string): Promise<User | undefined> {
    return this.identity.user(userId);
  }

  async signup(
    input: SignupInput,
    meta: RequestMeta,
  ): Promise<{ user: User; session: NewSession; workspaceId: string }> {
    const email = normalizeEmail(input.email);
    const invitation = input.invitation ? await this.usableInvitation(input.invitation) : null;
    if (invitation && invitation.email !== email) {
      throw new ApiError('validation_failed', 'body.email does not match the invitation.');
    }
    // The slow hash before the transaction, so that no lock is held while it runs.
    const passwordHash = await hashPassword(input.password);
    const now = this.deps.clock.now();
    const user: User = {
      id: newId('usr'),
      email,
      name: input.name?.trim() || null,
      password_hash: passwordHash,
      created_at: now,
    };

    const joined = await this.deps.db.transaction().execute(async (trx) => {
      const identity = new IdentityRepository(trx);
      if (invitation) {
        if (!(await new MemberRepository(trx).acceptInvitation(invitation.id, now))) {
          throw invitationInvalid();
        }
        await this.insertUser(identity, user);
        await identity.addMember(invitation.workspace_id, user.id, invitation.role, now);
        return { workspaceId: invitation.workspace_id, role: invitation.role };
      }
      return this.firstUser(trx, identity, user, now);
    });

    this.deps.audit.record({
      workspaceId: joined.workspaceId,
      action: 'user.signed_up',
      actor: { type: 'user', id: user.id, ip: meta.ip, userAgent: meta.userAgent },
      details: { role: joined.role, invitation_id: invitation?.id ?? null },
    });
    const session = await this.deps.sessions.create(user.id);
    return { user, session, workspaceId: joined.workspaceId };
  }

  /**
   * The first user of the instance: owner of the first workspace (the bootstrap one), or of a
   * new one. The update of the workspace row takes a lock (a row lock on PostgreSQL, the write
   * lock on SQLite), so two sign-ups racing on an empty instance cannot both become owner.
   */
  private async firstUser(
    trx: Kysely<Database>,
    identity: IdentityRepository,
    user: User,
    now: number,
  ): Promise<{ workspaceId: string; role: Role }> {
    let workspace = await identity.firstWorkspace();
    if (workspace) {
      await trx
        .updateTable('workspaces')
        .set({ name: sql`name` })
        .where('id', '=', workspace.id)
        .execute();
    }
    if ((await identity.countUsers()) > 0) throw new ApiError('signup_closed');

    if (!workspace) {
      workspace = { id: newId('ws'), name: 'Default workspace', created_at: now };
      await identity.insertWorkspace(workspace);
    }
    await this.insertUser(identity, user);
    await identity.addMember(workspace.id, user.id, 'owner', now);
    return { workspaceId: workspace.id, role: 'owner' };
  }

  private async insertUser(identity: IdentityRepository, user: User): Promise<void> {
    if (await identity.userByEmail(user.email)) {
      throw new ApiError('conflict', 'Someone already signed up with this email; log in instead.');
    }
    await identity.insertUser(user);
  }

  private async usableInvitation(token: string): Promise<Invitation> {
    const members = new MemberRepository(this.deps.db);
    const row = await members.invitationByHash(tokenHash(token));
    if (!row || row.accepted_at !== null || row.expires_at <= this.deps.clock.now()) {
      throw invitationInvalid();
    }
    return row;
  }

  /**
   * An invitation accepted by someone who already has an account: they join the invitation's
   * workspace with its role. Only the person it was sent to (same email) can use it.
   */
  async acceptInvitation(
    userId: string,
    token: string,
    meta: RequestMeta,
  ): Promise<{ workspaceId: string; role: Role }> {
    const user = await this.identity.user(userId);
    const invitation = await this.usableInvitation(token);
    if (!user || invitation.email !== user.email) {
      throw new ApiError('forbidden', 'This invitation was sent to someone else.');
    }
    if (await this.identity.membership(invitation.workspace_id, user.id)) {
      throw new ApiError('conflict', 'You are already a member of this workspace.');
    }
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (trx) => {
      if (!(await new MemberRepository(trx).acceptInvitation(invitation.id, now))) {
        throw invitationInvalid();
      }
      await new IdentityRepository(trx).addMember(
        invitation.workspace_id,
        user.id,
        invitation.role,
        now,
      );
    });
    this.deps.audit.record({
      workspaceId: invitation.workspace_id,
      action: 'member.joined',
      actor: { type: 'user', id: user.id, ip: meta.ip, userAgent: meta.userAgent },
      details: { role: invitation.role, invitation_id: invitation.id },
    });
    return { workspaceId: invitation.workspace_id, role: invitation.role };
  }

  /**
   * Checks a password; throttled per (email, address) and per email (LoginThrottle), audited
   * both ways, never says which part failed.
   */
  async login(
    input: { email: string; password: string },
    meta: RequestMeta,
  ): Promise<{ user: User; session: NewSession }> {
    const email = normalizeEmail(input.email);
    const ip = meta.ip ?? 'unknown';
    const lock = await this.deps.throttle.begin(email, ip);
    if (lock) {
      const where = lock.scope === 'pair' ? ' from this address' : '';
      const message = `Too many failed logins for this email${where}; wait a while.`;
      throw new ApiError('rate_limited', message, {
        headers: { 'retry-after': String(Math.ceil(lock.retryAfterMs / 1000)) },
      });
    }

    const user = await this.identity.userByEmail(email);
    let ok = false;
    if (user?.password_hash) ok = await verifyPassword(input.password, user.password_hash);
    else await burnPasswordCheck(input.password);

    const memberships = user ? await this.identity.memberships(user.id) : [];
    const actor = { type: 'user' as const, id: user?.id ?? null, ...metaOf(meta) };
    if (!user || !ok) {
      // The attempt stays counted as a failure (LoginThrottle.begin).
      for (const m of memberships) {
        this.deps.audit.record({ workspaceId: m.workspace_id, action: 'auth.login_failed', actor });
      }
      this.deps.log.info({ ip: meta.ip, known_user: Boolean(user) }, 'failed login');
      throw new ApiError('unauthorized', 'The email or password is wrong.');
    }

    await this.deps.throttle.succeed(email, ip);
    for (const m of memberships) {
      this.deps.audit.record({ workspaceId: m.workspace_id, action: 'auth.login', actor });
    }
    return { user, session: await this.deps.sessions.create(user.id) };
  }
}

const metaOf = (meta: RequestMeta) => ({ ip: meta.ip, userAgent: meta.userAgent });

const invitationInvalid = () =>
  new ApiError('signup_closed', 'This invitation is unknown, used or expired.');
