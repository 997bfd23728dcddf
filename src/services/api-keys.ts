import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import { toIso } from '../lib/clock.ts';
import { ApiError } from '../lib/errors.ts';
import { tokenHash } from '../lib/hash.ts';
import { newId, randomSecret } from '../lib/ids.ts';
import type { ApiKey, IdentityRepository } from '../store/repos/identity.ts';
import { isManager, requireScope } from './access.ts';
import type { AuditLog } from './audit.ts';
import { keysetOf, pageFrom, type Page, type PageQuery } from './pagination.ts';
import { actorOf, scopes as allScopes, type Principal, type Scope } from './principal.ts';

/** An API key's secret: `lk_` and 32 random bytes. Only its SHA-256 is stored. */
export function newApiKeySecret(): string {
  return `lk_${randomSecret(32)}`;
}

/** The first characters of a secret, stored to tell keys apart in lists; never enough to use. */
export const secretPrefix = (secret: string) => secret.slice(0, 7);

/** An API key as listed: never its secret or hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  user_id: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

/** What authenticating a key found: the key and its user's role, before per-request facts. */
interface Verified {
  key: ApiKey;
  role: Principal['role'];
  scopes: ReadonlySet<Scope>;
  until: number;
}

/**
 * How long a verified key is trusted without reading it again. A revocation, a removal from the
 * workspace or a role change made in this process takes effect at once (the entry is dropped);
 * one made through another process sharing the database, within this time.
 */
const verifiedTtlMs = 1_000;

export class ApiKeyService {
  private readonly verified = new Map<string, Verified>();

  constructor(
    private readonly repo: IdentityRepository,
    private readonly clock: Clock,
    /** Audits key creation and revocation through the API (not the bootstrap key). */
    private readonly audit: AuditLog | null = null,
  ) {}

  /**
   * A key for the caller, in the caller's workspace, acting as the caller. Keys make keys only
   * with the admin scope; the new key's scopes are checked again on every use against the
   * person's role, so a member's key never does admin things.
   */
  async issue(
    p: Principal,
    input: { name: string; scopes: Scope[]; expires_in?: number },
  ): Promise<ApiKeyView & { secret: string }> {
    requireScope(p, 'admin');
    const expiresAt = input.expires_in ? this.clock.now() + input.expires_in * 1000 : null;
    const { key, secret } = await this.create({
      workspaceId: p.workspaceId,
      userId: p.userId,
      name: input.name,
      scopes: [...new Set(input.scopes)],
      expiresAt,
    });
    this.audit?.record({
      workspaceId: p.workspaceId,
      action: 'api_key.created',
      actor: actorOf(p),
      details: { key_id: key.id, name: key.name, scopes: input.scopes },
    });
    return { ...viewOf(key), secret };
  }

  /** Owners and admins see every key of the workspace; members their own. Newest first. */
  async list(p: Principal, q: PageQuery): Promise<Page<ApiKeyView>> {
    requireScope(p, 'admin');
    const own = isManager(p) ? undefined : (p.userId ?? undefined);
    const filter = { workspaceId: p.workspaceId, userId: own };
    const rows = await this.repo.apiKeysPage({ ...filter, ...keysetOf('api_keys', q) });
    return pageFrom('api_keys', rows, q, await this.repo.countApiKeys(filter), (k) => k, viewOf);
  }

  /** Revokes at once: the next request with the key is refused. */
  async revoke(p: Principal, id: string): Promise<void> {
    requireScope(p, 'admin');
    const key = await this.repo.apiKey(id);
    const mine = key?.user_id !== null && key?.user_id === p.userId;
    const visible =
      key &&
      key.workspace_id === p.workspaceId &&
      key.revoked_at === null &&
      (mine || isManager(p));
    if (!visible) throw new ApiError('not_found', `No API key "${id}".`);

    await this.repo.revokeApiKey(key.id, this.clock.now());
    this.verified.delete(key.secret_hash);
    this.audit?.record({
      workspaceId: p.workspaceId,
      action: 'api_key.revoked',
      actor: actorOf(p),
      details: { key_id: key.id, name: key.name },
    });
  }

  /** Stores a key for `secret` (a new one, or the operator's bootstrap key). */
  async create(input: {
    workspaceId: string;
    userId: string | null;
    name: string;
    scopes: readonly Scope[];
    secret?: string;
    expiresAt?: number | null;
  }): Promise<{ key: ApiKey; secret: string }> {
    const secret = input.secret ?? newApiKeySecret();
    const key: ApiKey = {
      id: newId('key'),
      workspace_id: input.workspaceId,
      user_id: input.userId,
      name: input.name,
      prefix: secretPrefix(secret),
      secret_hash: tokenHash(secret),
      scopes: JSON.stringify(input.scopes),
      created_at: this.clock.now(),
      last_used_at: null,
      expires_at: input.expiresAt ?? null,
      revoked_at: null,
    };
    await this.repo.insertApiKey(key);
    return { key, secret };
  }

  /**
   * The principal of a bearer secret, or null. Looked up by the secret's hash, then compared
   * in constant time, so neither the lookup nor the comparison leaks how much of it matched.
   */
  async authenticate(
    secret: string,
    meta: { ip: string | null; userAgent: string | null },
  ): Promise<Principal | null> {
    if (!secret.startsWith('lk_') || secret.length > 200) return null;
    const hash = tokenHash(secret);
    const now = this.clock.now();
    let verified = this.verified.get(hash) ?? null;
    if (!verified || verified.until <= now) {
      this.verified.delete(hash);
      verified = await this.verify(hash, now);
    }
    if (!verified) return null;
    const { key, role, scopes } = verified;
    if (key.expires_at !== null && key.expires_at <= now) return null;
    return {
      workspaceId: key.workspace_id,
      userId: key.user_id,
      role,
      via: 'api_key',
      keyId: key.id,
      scopes,
      ip: meta.ip,
      userAgent: meta.userAgent,
    };
  }

  /** Drops what is remembered of a person's keys: their role or membership just changed. */
  forgetUser(userId: string): void {
    for (const [hash, verified] of this.verified) {
      if (verified.key.user_id === userId) this.verified.delete(hash);
    }
  }

  /**
   * Reads a key by its secret's hash and checks it: found (compared in constant time), not
   * revoked, its user still a member. Remembered for `verifiedTtlMs`.
   */
  private async verify(hash: string, now: number): Promise<Verified | null> {
    const key = await this.repo.apiKeyByHash(hash);
    if (!key || !timingSafeEqual(Buffer.from(key.secret_hash), Buffer.from(hash))) return null;
    if (key.revoked_at !== null) return null;
    // An expired key is refused before it counts as used.
    if (key.expires_at !== null && key.expires_at <= now) return null;

    let role: Principal['role'] = 'owner';
    if (key.user_id) {
      const membership = await this.repo.membership(key.workspace_id, key.user_id);
      if (!membership) return null; // the user left the workspace: their keys stop working
      role = membership.role;
    }
    // last_used_at to the minute: one write a minute per key, not one per request.
    // Bookkeeping, not part of the check: a busy or unreachable database must not refuse the
    // key for it (a later check writes it), so a failure here is let go.
    if (key.last_used_at === null || now - key.last_used_at > 60_000) {
      const touched = await this.repo.touchApiKey(key.id, now).then(
        () => true,
        () => false,
      );
      if (touched) key.last_used_at = now;
    }
    const scopes = new Set(
      (JSON.parse(key.scopes) as string[]).filter((s): s is Scope =>
        (allScopes as readonly string[]).includes(s),
      ),
    );
    const verified = { key, role, scopes, until: now + verifiedTtlMs };
    if (this.verified.size >= 10_000) this.verified.clear();
    this.verified.set(hash, verified);
    return verified;
  }
}

function viewOf(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: JSON.parse(key.scopes) as Scope[],
    user_id: key.user_id,
    created_at: toIso(key.created_at)!,
    last_used_at: toIso(key.last_used_at),
    expires_at: toIso(key.expires_at),
  };
}
