import { ApiError } from '../lib/errors.ts';
import type { Clock } from '../lib/clock.ts';
import { toIso } from '../lib/clock.ts';
import { newId } from '../lib/ids.ts';
import { OAuthAppRepository, type OAuthAppRecord } from '../store/repos/apps.ts';
import type { Keyring } from '../vault/keyring.ts';
import { isManager, requireScope } from './access.ts';
import type { AccountRepository } from '../store/repos/accounts.ts';
import type { AppService } from './apps.ts';
import type { AuditLog } from './audit.ts';
import { keysetOf, pageFrom, type Page, type PageQuery } from './pagination.ts';
import { actorOf, type Principal } from './principal.ts';
import { sealClientSecret, type ProviderResolver } from './providers.ts';

export interface OAuthAppInput {
  app: string;
  client_id: string;
  client_secret?: string;
  scopes?: string[];
}

/** A workspace's own OAuth client for an app. Its secret is sealed and never returned. */
export class OAuthAppService {
  constructor(
    private readonly repo: OAuthAppRepository,
    private readonly apps: AppService,
    private readonly keyring: Keyring,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly providers: ProviderResolver,
    private readonly accounts: AccountRepository,
  ) {}

  async create(p: Principal, input: OAuthAppInput) {
    requireScope(p, 'apps:write');
    const app = await this.apps.get(p.workspaceId, input.app);
    if (app.authType !== 'oauth') {
      throw new ApiError('validation_failed', `app: "${app.slug}" is not an OAuth app.`);
    }
    const id = newId('oa');
    const record: OAuthAppRecord = {
      id,
      workspace_id: p.workspaceId,
      app_id: app.id,
      client_id: input.client_id,
      client_secret: input.client_secret
        ? sealClientSecret(this.keyring, id, input.client_secret)
        : null,
      scopes: JSON.stringify(input.scopes ?? []),
      created_by: p.userId,
      created_at: this.clock.now(),
    };
    await this.apps.using(p.workspaceId, app, (db) => new OAuthAppRepository(db).insert(record));
    this.audit.record({
      workspaceId: p.workspaceId,
      action: 'oauth_app.created',
      actor: actorOf(p),
      details: { oauth_app_id: id, app: app.slug },
    });
    return view(record, app.slug);
  }

  /** The workspace's OAuth clients (of one app with `q.app`), oldest first. */
  async list(p: Principal, q: PageQuery & { app?: string }): Promise<Page<OAuthAppView>> {
    requireScope(p, 'accounts:read');
    const appId = q.app ? (await this.apps.get(p.workspaceId, q.app)).id : undefined;
    const filter = { workspaceId: p.workspaceId, appId };
    const records = await this.repo.page({ ...filter, ...keysetOf('oauth_apps', q) });
    const total = await this.repo.count(filter);
    const slugs = new Map<string, string>();
    for (const app of await this.apps.list(p.workspaceId)) slugs.set(app.id, app.slug);
    return pageFrom(
      'oauth_apps',
      records,
      q,
      total,
      (r) => r,
      (r) => view(r, slugs.get(r.app_id) ?? 'unknown'),
    );
  }

  /**
   * Deletes an OAuth client: its creator, or an owner or admin, and only once no account
   * refreshes through it any more (deleting it would strand them).
   */
  async delete(p: Principal, id: string): Promise<void> {
    requireScope(p, 'apps:write');
    const record = await this.repo.get(p.workspaceId, id);
    if (!record) throw new ApiError('oauth_app_not_found', `No OAuth app "${id}".`);
    const creator = p.userId !== null && record.created_by === p.userId;
    if (!creator && !isManager(p)) {
      throw new ApiError('forbidden', 'Only its creator, an owner or an admin can delete it.');
    }
    const inUse = await this.accounts.countByOAuthApp(id);
    if (inUse > 0) {
      throw new ApiError(
        'conflict',
        `${inUse} account(s) still refresh through this OAuth client; delete them first.`,
      );
    }
    if (!(await this.repo.delete(p.workspaceId, id))) {
      throw new ApiError('oauth_app_not_found', `No OAuth app "${id}".`);
    }
    this.providers.forget(id);
    this.audit.record({
      workspaceId: p.workspaceId,
      action: 'oauth_app.deleted',
      actor: actorOf(p),
      details: { oauth_app_id: id },
    });
  }
}

export type OAuthAppView = ReturnType<typeof view>;

function view(r: OAuthAppRecord, slug: string) {
  return {
    id: r.id,
    app: { id: r.app_id, name_slug: slug },
    client_id: r.client_id,
    has_client_secret: r.client_secret !== null,
    scopes: JSON.parse(r.scopes) as string[],
    created_at: toIso(r.created_at),
  };
}
