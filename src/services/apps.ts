import type { ProviderConfig } from '../oauth/index.ts';
import { builtinApps } from '../oauth/catalog.ts';
import { ApiError } from '../lib/errors.ts';
import type { Clock } from '../lib/clock.ts';
import { hasPrefix, newId } from '../lib/ids.ts';
import { AppRepository, type AppRecord } from '../store/repos/apps.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { discover } from '../oauth/index.ts';
import { pageInMemory, type Page, type PageQuery } from './pagination.ts';
import { isManager, requireScope } from './access.ts';
import { actorOf, type Principal } from './principal.ts';
import type { AuditLog } from './audit.ts';

export interface KeysField {
  name: string;
  label: string;
  secret: boolean;
  optional?: boolean;
}

/** An app as the services use it: the provider's facts, built-in or the workspace's own. */
export interface AppDefinition {
  id: string;
  slug: string;
  name: string;
  authType: 'oauth' | 'keys' | 'none';
  oauth: ProviderConfig | null;
  fields: KeysField[];
  builtin: boolean;
  createdAt: number | null;
  /**
   * Refresh a token that has no expiry once it is this old (a provider whose tokens never
   * expire but whose grants can be revoked): null to never.
   */
  maxTokenAgeMs: number | null;
}

export interface CustomAppInput {
  name_slug: string;
  name: string;
  auth_type: 'oauth' | 'keys' | 'none';
  oauth?: {
    issuer?: string;
    authorization_url?: string;
    token_url?: string;
    userinfo_url?: string;
    revocation_url?: string;
    scope_separator?: string;
    token_auth_method?: 'client_secret_basic' | 'client_secret_post';
    pkce?: boolean;
    default_scopes?: string[];
    authorize_params?: Record<string, string>;
    token_params?: Record<string, string>;
    max_token_age_seconds?: number;
  };
  fields?: KeysField[];
}

interface StoredConfig {
  oauth: ProviderConfig | null;
  fields: KeysField[];
  maxTokenAgeMs?: number | null;
}

export class AppService {
  /**
   * Custom apps by `workspace/slug-or-id`, for the read and refresh paths only (`cached`), which
   * keeps a credentials read to one database read. An app cannot be changed once created, and
   * is deleted only while no account uses it, so what those paths find here is never stale;
   * everything else (creating clients and links, connecting) reads the database.
   */
  private readonly cache = new Map<string, AppDefinition>();
  private static readonly cacheLimit = 10_000;

  constructor(
    private readonly repo: AppRepository,
    private readonly clock: Clock,
    private readonly opts: { allowInsecureProviders: boolean },
    private readonly audit?: AuditLog,
  ) {}

  /** The built-in catalog followed by the workspace's custom apps. */
  async list(workspaceId: string): Promise<AppDefinition[]> {
    const custom = (await this.repo.list(workspaceId)).map(fromRecord);
    const customSlugs = new Set(custom.map((a) => a.slug));
    return [...builtinApps.filter((a) => !customSlugs.has(a.slug)), ...custom];
  }

  /**
   * One page of `list` ordered by slug (unique in it: a custom app shadows a built-in one), in
   * memory: the catalog is small. A cursor holds a slug, so it stays valid as apps are added.
   */
  async page(workspaceId: string, q: PageQuery): Promise<Page<AppDefinition>> {
    return pageInMemory('apps', await this.list(workspaceId), q, (app) => ({
      created_at: 0,
      id: app.slug,
    }));
  }

  /** An app by slug or `app_…` id; a custom app shadows a built-in one of the same slug. */
  async find(workspaceId: string, slugOrId: string): Promise<AppDefinition | undefined> {
    return this.lookup(workspaceId, slugOrId);
  }

  /** `find` through this process's cache: for the app of an existing account. */
  async cached(workspaceId: string, slugOrId: string): Promise<AppDefinition | undefined> {
    const key = `${workspaceId}/${slugOrId}`;
    const cached = this.cache.get(key);
    if (cached) return cached;

    const found = await this.lookup(workspaceId, slugOrId);
    if (found && !found.builtin) {
      if (this.cache.size >= AppService.cacheLimit) this.cache.clear();
      this.cache.set(key, found);
    }
    return found;
  }

  private async lookup(workspaceId: string, slugOrId: string) {
    const record = hasPrefix(slugOrId, 'app')
      ? await this.repo.get(workspaceId, slugOrId)
      : await this.repo.bySlug(workspaceId, slugOrId);
    if (record) return fromRecord(record);
    return builtinApps.find((a) => a.id === slugOrId || a.slug === slugOrId);
  }

  async get(workspaceId: string, slugOrId: string): Promise<AppDefinition> {
    const app = await this.find(workspaceId, slugOrId);
    if (!app) throw new ApiError('app_not_found', `No app "${slugOrId}".`);
    return app;
  }

  /**
   * Deletes a custom app (owners and admins), once nothing uses it: no account, no OAuth
   * client, no connect link still open. Built-in apps stay.
   */
  async delete(p: Principal, slugOrId: string): Promise<void> {
    requireScope(p, 'apps:write');
    if (!isManager(p)) throw new ApiError('forbidden', 'Only owners and admins can delete apps.');
    const app = await this.get(p.workspaceId, slugOrId);
    if (app.builtin) {
      throw new ApiError('conflict', `"${app.slug}" is a built-in app and cannot be deleted.`);
    }
    await this.repo.locked(p.workspaceId, app.id, 'delete', async (trx, found) => {
      if (!found) throw new ApiError('app_not_found', `No app "${slugOrId}".`);
      const repo = new AppRepository(trx);
      const used = await repo.usage(p.workspaceId, app.id, this.clock.now());
      const uses = [
        used.accounts && `${used.accounts} account(s)`,
        used.oauthClients && `${used.oauthClients} OAuth client(s)`,
        used.openLinks && `${used.openLinks} unused connect link(s)`,
      ].filter(Boolean);
      if (uses.length > 0) {
        throw new ApiError(
          'conflict',
          `"${app.slug}" is still used by ${uses.join(', ')}; delete those first ` +
            '(connect links expire on their own).',
        );
      }
      await repo.delete(p.workspaceId, app.id);
    });
    for (const key of [app.id, app.slug]) this.cache.delete(`${p.workspaceId}/${key}`);
    this.audit?.record({
      workspaceId: p.workspaceId,
      action: 'app.deleted',
      actor: actorOf(p),
      details: { app_id: app.id, name_slug: app.slug },
    });
  }

  /**
   * Writes a row that refers to `app` (an OAuth client, a connect link) while the app cannot be
   * deleted: 404 if it was deleted since it was looked up. Built-in apps are always there.
   */
  async using<T>(
    workspaceId: string,
    app: AppDefinition,
    write: (db: Kysely<Database>) => Promise<T>,
  ): Promise<T> {
    if (app.builtin) return write(this.repo.db);
    return this.repo.locked(workspaceId, app.id, 'use', async (trx, found) => {
      if (!found) throw new ApiError('app_not_found', `No app "${app.slug}": it was just deleted.`);
      return write(trx);
    });
  }

  /** Registers a custom app; an `issuer` is discovered now and its facts stored. */
  async create(p: Principal, input: CustomAppInput): Promise<AppDefinition> {
    const workspaceId = p.workspaceId;
    if (/^(app|apn|oa|ctok|ws|usr|key)_/.test(input.name_slug)) {
      throw new ApiError('validation_failed', 'body.name_slug must not look like an id.');
    }
    if (builtinApps.some((a) => a.slug === input.name_slug)) {
      throw new ApiError(
        'app_exists',
        `"${input.name_slug}" is a built-in app; pick another slug.`,
      );
    }
    if (await this.repo.bySlug(workspaceId, input.name_slug)) {
      throw new ApiError('app_exists', `An app "${input.name_slug}" already exists.`);
    }
    const maxAge = input.oauth?.max_token_age_seconds;
    const config: StoredConfig = {
      oauth: null,
      fields: [],
      maxTokenAgeMs: maxAge ? maxAge * 1000 : null,
    };
    if (input.auth_type === 'oauth') config.oauth = await this.providerConfig(input);
    if (input.auth_type === 'keys') config.fields = this.keysFields(input);

    const record: AppRecord = {
      id: newId('app'),
      workspace_id: workspaceId,
      name_slug: input.name_slug,
      name: input.name,
      auth_type: input.auth_type,
      config: JSON.stringify(config),
      created_at: this.clock.now(),
    };
    try {
      await this.repo.insert(record);
    } catch (err) {
      // Two requests racing for one slug: the unique index decides.
      if (await this.repo.bySlug(workspaceId, input.name_slug)) {
        throw new ApiError('app_exists', `An app "${input.name_slug}" already exists.`);
      }
      throw err;
    }
    this.audit?.record({
      workspaceId,
      action: 'app.created',
      actor: actorOf(p),
      details: { app_id: record.id, name_slug: record.name_slug },
    });
    return fromRecord(record);
  }

  private keysFields(input: CustomAppInput): KeysField[] {
    const fields = input.fields ?? [];
    if (fields.length === 0) {
      throw new ApiError('validation_failed', 'fields: a keys app needs at least one field.');
    }
    const names = new Set(fields.map((f) => f.name));
    if (names.size !== fields.length) {
      throw new ApiError('validation_failed', 'fields: each field name must be unique.');
    }
    return fields.map((f) => ({
      name: f.name,
      label: f.label,
      secret: f.secret,
      optional: f.optional ?? false,
    }));
  }

  private async providerConfig(input: CustomAppInput): Promise<ProviderConfig> {
    const o = input.oauth;
    if (!o) throw new ApiError('validation_failed', 'oauth: an oauth app needs its oauth facts.');

    let discovered: Partial<ProviderConfig> = {};
    if (o.issuer) {
      this.checkEndpoint('oauth.issuer', o.issuer);
      try {
        discovered = await discover(o.issuer, {
          allowInsecureRequests: this.insecureAllowed(o.issuer),
        });
      } catch (err) {
        const why = err instanceof Error ? err.message : 'unknown error';
        throw new ApiError('discovery_failed', `Discovery at oauth.issuer failed: ${why}`);
      }
    }

    const authorizationUrl = o.authorization_url ?? discovered.authorizationUrl;
    const tokenUrl = o.token_url ?? discovered.tokenUrl;
    if (!authorizationUrl) {
      throw new ApiError(
        'validation_failed',
        'oauth.authorization_url (or oauth.issuer) is required.',
      );
    }
    if (!tokenUrl) {
      throw new ApiError('validation_failed', 'oauth.token_url (or oauth.issuer) is required.');
    }
    const urls = {
      authorizationUrl: this.checkEndpoint('oauth.authorization_url', authorizationUrl),
      tokenUrl: this.checkEndpoint('oauth.token_url', tokenUrl),
      userinfoUrl: this.optionalEndpoint(
        'oauth.userinfo_url',
        o.userinfo_url ?? discovered.userinfoUrl,
      ),
      revocationUrl: this.optionalEndpoint(
        'oauth.revocation_url',
        o.revocation_url ?? discovered.revocationUrl,
      ),
    };

    return {
      ...urls,
      issuer: o.issuer ?? null,
      scopeSeparator: o.scope_separator ?? ' ',
      tokenAuthMethod: o.token_auth_method ?? discovered.tokenAuthMethod ?? 'client_secret_basic',
      pkce: o.pkce ?? discovered.pkce ?? true,
      defaultScopes: o.default_scopes ?? discovered.defaultScopes ?? [],
      authorizeParams: o.authorize_params ?? {},
      tokenParams: o.token_params ?? {},
      quirks: [],
      allowInsecureRequests: this.insecureAllowed(tokenUrl),
    };
  }

  private optionalEndpoint(field: string, url: string | null | undefined): string | null {
    return url ? this.checkEndpoint(field, url) : null;
  }

  /** Provider endpoints must be https, except on loopback or when the operator allows http. */
  private checkEndpoint(field: string, url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ApiError('validation_failed', `${field} is not a valid URL.`);
    }
    if (parsed.protocol === 'https:') return url;
    if (parsed.protocol === 'http:' && this.insecureAllowed(url)) return url;
    throw new ApiError('validation_failed', `${field} must be an https URL.`);
  }

  private insecureAllowed(url: string): boolean {
    return this.opts.allowInsecureProviders || isLoopback(url);
  }
}

export function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function fromRecord(record: AppRecord): AppDefinition {
  const config = JSON.parse(record.config) as StoredConfig;
  return {
    id: record.id,
    slug: record.name_slug,
    name: record.name,
    authType: record.auth_type,
    oauth: config.oauth,
    fields: config.fields,
    builtin: false,
    createdAt: record.created_at,
    maxTokenAgeMs: config.maxTokenAgeMs ?? null,
  };
}
