import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import { tokenHash } from '../lib/hash.ts';
import { newId, randomSecret } from '../lib/ids.ts';
import type { ApiKey, IdentityRepository } from '../store/repos/identity.ts';
import { scopes as allScopes, type Principal, type Scope } from './principal.ts';

/** An API key's secret: `lk_` and 32 random bytes. Only its SHA-256 is stored. */
export function newApiKeySecret(): string {
  return `lk_${randomSecret(32)}`;
}

/** The first characters of a secret, stored to tell keys apart in lists; never enough to use. */
export const secretPrefix = (secret: string) => secret.slice(0, 7);

export class ApiKeyService {
  constructor(
    private readonly repo: IdentityRepository,
    private readonly clock: Clock,
  ) {}

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
    const key = await this.repo.apiKeyByHash(hash);
    if (!key || !timingSafeEqual(Buffer.from(key.secret_hash), Buffer.from(hash))) return null;

    const now = this.clock.now();
    if (key.revoked_at !== null) return null;
    if (key.expires_at !== null && key.expires_at <= now) return null;

    let role: Principal['role'] = 'owner';
    if (key.user_id) {
      const membership = await this.repo.membership(key.workspace_id, key.user_id);
      if (!membership) return null; // the user left the workspace: their keys stop working
      role = membership.role;
    }
    // last_used_at to the minute: one write a minute per key, not one per request.
    if (key.last_used_at === null || now - key.last_used_at > 60_000) {
      await this.repo.touchApiKey(key.id, now);
    }
    const granted = (JSON.parse(key.scopes) as string[]).filter((s): s is Scope =>
      (allScopes as readonly string[]).includes(s),
    );
    return {
      workspaceId: key.workspace_id,
      userId: key.user_id,
      role,
      via: 'api_key',
      keyId: key.id,
      scopes: new Set(granted),
      ip: meta.ip,
      userAgent: meta.userAgent,
    };
  }
}
