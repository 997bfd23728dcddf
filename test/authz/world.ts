import { randomBytes } from 'node:crypto';
import { requestJson, type JsonAnswer } from '../support/http.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import type { Dialect } from '../../src/store/db.ts';

/** Someone calling the API: a session (cookie + CSRF header), an API key, or nobody. */
export interface Caller {
  readonly name: string;
  headers(): Record<string, string>;
}

export type Answer = JsonAnswer;

export const anonymous: Caller = { name: 'anonymous', headers: () => ({}) };

export function keyCaller(name: string, secret: string): Caller {
  return { name, headers: () => ({ authorization: `Bearer ${secret}` }) };
}

export interface SessionCaller extends Caller {
  readonly userId: string;
  readonly email: string;
  readonly cookie: string;
  readonly csrf: string;
}

/** A fetch against the test server as `caller`, JSON in and out, redirects not followed. */
export async function call(
  lk: TestLatchkey,
  caller: Caller,
  method: string,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<Answer> {
  return requestJson(lk.url + path, method, body, { ...caller.headers(), ...extra });
}

/** Reads the session cookie and CSRF token of a signup or login answer. */
function sessionOf(name: string, res: Answer, email: string): SessionCaller {
  if (res.status >= 300) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const csrf = res.body.data.csrf_token as string;
  return {
    name,
    email,
    userId: res.body.data.user.id,
    cookie,
    csrf,
    headers: () => ({ cookie, 'x-csrf-token': csrf }),
  };
}

export const uniqueEmail = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@example.test`;
export const password = 'correct horse battery staple';

export async function signup(
  lk: TestLatchkey,
  name: string,
  invitation?: string,
  email = uniqueEmail(name),
): Promise<SessionCaller> {
  const res = await call(lk, anonymous, 'POST', '/v1/auth/signup', {
    email,
    password,
    invitation,
  });
  return sessionOf(name, res, email);
}

export async function login(lk: TestLatchkey, name: string, email: string) {
  return sessionOf(
    name,
    await call(lk, anonymous, 'POST', '/v1/auth/login', { email, password }),
    email,
  );
}

/** Invites into the inviter's current workspace and signs the invitee up. */
export async function invite(
  lk: TestLatchkey,
  inviter: Caller,
  name: string,
  role: 'owner' | 'admin' | 'member',
  workspaceId?: string,
): Promise<SessionCaller> {
  const email = uniqueEmail(name);
  const extra: Record<string, string> = workspaceId ? { 'x-latchkey-workspace': workspaceId } : {};
  const res = await call(lk, inviter, 'POST', '/v1/workspace/members', { email, role }, extra);
  if (res.status !== 201)
    throw new Error(`invite ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return signup(lk, name, res.body.data.invitation, email);
}

export async function makeKey(lk: TestLatchkey, maker: Caller, scopes: string[]): Promise<string> {
  const res = await call(lk, maker, 'POST', '/v1/api_keys', { name: scopes.join('+'), scopes });
  if (res.status !== 201) throw new Error(`key: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.secret as string;
}

/** Connects an `openai` (keys) account as `caller`; returns its id. */
export async function connectAccount(
  lk: TestLatchkey,
  caller: Caller,
  apiKey = `sk-${randomBytes(6).toString('hex')}`,
  extra: Record<string, string> = {},
  externalUserId?: string,
): Promise<string> {
  const token = await call(
    lk,
    caller,
    'POST',
    '/v1/connect/tokens',
    {
      app: 'openai',
      success_redirect_uri: 'http://example.test/done',
      external_user_id: externalUserId,
    },
    extra,
  );
  if (token.status !== 201) throw new Error(`token: ${token.status} ${JSON.stringify(token.body)}`);
  const done = await call(lk, anonymous, 'POST', '/v1/connect/link', {
    token: token.body.data.token,
    api_key: apiKey,
  });
  const location = done.headers.get('location');
  const id = location ? new URL(location).searchParams.get('account_id') : null;
  if (!id) throw new Error(`connect: ${done.status} ${String(done.body).slice(0, 300)}`);
  return id;
}

/**
 * Two workspaces. A: an owner (the instance's first user), an admin, a member an account is
 * shared with, a member it is not shared with, and keys of the owner with one scope each plus
 * a member's key with the admin scope. B: an owner who belongs to B only.
 */
export async function buildWorld(dialect: Dialect) {
  const lk = await startTestLatchkey({
    dialect,
    env: {
      LATCHKEY_RATE_LIMIT_PER_MINUTE: '1000000',
      LATCHKEY_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
      LATCHKEY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000000',
      LATCHKEY_REFRESH_INTERVAL_MS: '0',
    },
  });
  const owner = await signup(lk, 'owner');
  const admin = await invite(lk, owner, 'admin', 'admin');
  const memberShared = await invite(lk, owner, 'memberShared', 'member');
  const memberNoShare = await invite(lk, owner, 'memberNoShare', 'member');

  const wsB = await call(lk, owner, 'POST', '/v1/workspaces', { name: 'B' });
  const workspaceB = wsB.body.data.id as string;
  const otherOwner = await invite(lk, owner, 'otherWorkspace', 'owner', workspaceB);
  // The owner of A leaves B, so B's only person is otherOwner.
  await call(lk, owner, 'DELETE', `/v1/workspace/members/${owner.userId}`, undefined, {
    'x-latchkey-workspace': workspaceB,
  });

  const keys: Record<string, string> = {};
  for (const scope of [
    'accounts:read',
    'credentials:read',
    'accounts:write',
    'apps:write',
    'admin',
  ]) {
    keys[scope] = await makeKey(lk, owner, [scope]);
  }
  const memberAdminKey = await makeKey(lk, memberNoShare, ['admin']);

  const callers = {
    anonymous,
    otherWorkspace: otherOwner as Caller,
    memberNoShare: memberNoShare as Caller,
    memberShared: memberShared as Caller,
    owner: owner as Caller,
    admin: admin as Caller,
    'key:accounts:read': keyCaller('key:accounts:read', keys['accounts:read']!),
    'key:credentials:read': keyCaller('key:credentials:read', keys['credentials:read']!),
    'key:accounts:write': keyCaller('key:accounts:write', keys['accounts:write']!),
    'key:apps:write': keyCaller('key:apps:write', keys['apps:write']!),
    'key:admin': keyCaller('key:admin', keys.admin!),
    'memberKey:admin': keyCaller('memberKey:admin', memberAdminKey),
  };

  const workspaceA = (await call(lk, owner, 'GET', '/v1/users/me')).body.data.current_workspace_id;
  return {
    lk,
    callers,
    people: { owner, admin, memberShared, memberNoShare, otherOwner },
    workspaceA: workspaceA as string,
    workspaceB,
  };
}

export type World = Awaited<ReturnType<typeof buildWorld>>;
export type CallerName = keyof World['callers'];
