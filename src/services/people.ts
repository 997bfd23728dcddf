import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Clock } from '../lib/clock.ts';
import type { Store } from '../store/db.ts';
import { AccountRepository } from '../store/repos/accounts.ts';
import { LoginFailureRepository } from '../store/repos/login-failures.ts';
import type { AuditRepository } from '../store/repos/audit.ts';
import type { IdentityRepository } from '../store/repos/identity.ts';
import { MemberRepository } from '../store/repos/members.ts';
import { SessionRepository } from '../store/repos/sessions.ts';
import { AccountAccessService } from './account-access.ts';
import type { AuditLog } from './audit.ts';
import { AuditEventService } from './audit-events.ts';
import { LoginThrottle } from './login-throttle.ts';
import { MemberService } from './members.ts';
import { SessionService } from './sessions.ts';
import { UserService } from './users.ts';
import { WorkspaceService } from './workspaces.ts';

/** Wires people, sessions, workspaces and members; part of createServices. */
export function createPeopleServices(deps: {
  store: Store;
  identity: IdentityRepository;
  auditRepo: AuditRepository;
  audit: AuditLog;
  config: Config;
  clock: Clock;
  log: Logger;
  onMemberChanged?: (userId: string) => void;
}) {
  const { store, identity, auditRepo, audit, config, clock, log } = deps;
  const members = new MemberRepository(store.db);
  const sessions = new SessionService(
    new SessionRepository(store.db),
    identity,
    clock,
    config.auth.sessionTtlMs,
  );
  const throttle = new LoginThrottle(new LoginFailureRepository(store.db), clock, {
    maxFailuresPerPair: config.auth.loginMaxFailures,
    maxFailuresPerEmail: config.auth.loginMaxFailuresPerEmail,
    windowMs: config.auth.loginLockoutMs,
  });
  return {
    sessions,
    users: new UserService({ db: store.db, sessions, throttle, audit, clock, log }),
    workspaces: new WorkspaceService(identity, audit, clock),
    members: new MemberService({
      members,
      identity,
      audit,
      clock,
      publicUrl: config.publicUrl,
      invitationTtlMs: config.auth.invitationTtlMs,
      onMemberChanged: deps.onMemberChanged,
    }),
    auditEvents: new AuditEventService(auditRepo, audit),
    accountAccess: new AccountAccessService({
      accountRepo: new AccountRepository(store.db),
      members,
      audit,
      clock,
    }),
  };
}
