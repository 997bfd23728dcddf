import type { Logger } from 'pino';
import { revokeToken } from '../oauth/index.ts';
import { ApiError } from '../lib/errors.ts';
import type { Clock } from '../lib/clock.ts';
import { toIso } from '../lib/clock.ts';
import { hasPrefix } from '../lib/ids.ts';
import type { Account, AccountRepository } from '../store/repos/accounts.ts';
import type { Keyring } from '../vault/keyring.ts';
import { canManage, canReadCredentials, canSee, requireScope } from './access.ts';
import type { AppDefinition, AppService } from './apps.ts';
import type { AuditLog } from './audit.ts';
import { openCredentials, type StoredCredentials } from './credentials.ts';
import { decodeCursor, encodeCursor, type Page } from './pagination.ts';
import { actorOf, type Principal } from './principal.ts';
import type { ProviderResolver } from './providers.ts';
import type { RefreshEngine, RefreshResult } from './refresh/engine.ts';

/** The account object of API.md, as it goes on the wire. */
export interface AccountView {
  id: string;
  name: string | null;
  external_id: string | null;
  external_user_id: string | null;
  healthy: boolean;
  dead: boolean;
  error: string | null;
  app: { id: string; name_slug: string; name: string; auth_type: string };
  oauth_app_id: string | null;
  authorized_scopes: string[];
  owner_user_id: string | null;
  visibility: 'private' | 'workspace';
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  last_refreshed_at: string | null;
  next_refresh_at: string | null;
  credentials?: Record<string, string | null>;
  /** In lists: the members the account is shared with by name (see PUT …/access). */
  member_ids?: string[];
}

export interface ListQuery {
  app?: string;
  oauth_app_id?: string;
  external_user_id?: string;
  include_credentials?: boolean;
  limit: number;
  after?: string;
  before?: string;
}

export class AccountService {
  constructor(
    private readonly deps: {
      accounts: AccountRepository;
      apps: AppService;
      providers: ProviderResolver;
      engine: RefreshEngine;
      keyring: Keyring;
      clock: Clock;
      audit: AuditLog;
      log: Logger;
      defaultMinTtlMs: number;
      onCredentialsRead?: () => void;
    },
  ) {}

  async list(p: Principal, q: ListQuery): Promise<Page<AccountView>> {
    // credentials:read covers the accounts it reads, so a key may carry that scope alone.
    requireScope(p, q.include_credentials ? 'credentials:read' : 'accounts:read');
    const { accounts } = this.deps;

    let appId: string | undefined;
    if (q.app) appId = (await this.deps.apps.get(p.workspaceId, q.app)).id;

    const isManager = p.role === 'owner' || p.role === 'admin';
    const filter = {
      workspaceId: p.workspaceId,
      appId,
      oauthAppId: q.oauth_app_id,
      externalUserId: q.external_user_id,
      visibleTo:
        p.userId === null || isManager ? undefined : { userId: p.userId, includeEndUsers: true },
      limit: q.limit + 1,
      after: q.after ? decodeCursor('accounts', q.after) : undefined,
      before: q.before ? decodeCursor('accounts', q.before) : undefined,
    };
    const rows = await accounts.list(filter);
    const hasMore = rows.length > q.limit;
    const page = q.before ? rows.slice(-q.limit) : rows.slice(0, q.limit);
    const total = await accounts.count(filter);

    // Whom each account is shared with by name, for the whole page in one query.
    const shares = await accounts.sharesFor(page.map((row) => row.id));
    const data: AccountView[] = [];
    for (const row of page) {
      const entry = q.include_credentials ? await this.listEntry(p, row) : await this.view(row);
      if (entry) data.push({ ...entry, member_ids: shares.get(row.id) ?? [] });
    }
    const first = page[0];
    const last = page[page.length - 1];
    return {
      data,
      page_info: {
        count: data.length,
        total_count: total,
        start_cursor: first ? encodeCursor('accounts', first) : null,
        end_cursor: last && (hasMore || q.before) ? encodeCursor('accounts', last) : null,
      },
    };
  }

  /**
   * One account of a list with credentials. What would fail a single read (not shared with the
   * caller, dead, refresh unavailable) leaves only this entry without `credentials`, so one bad
   * account does not fail the whole list; its `healthy`, `dead` and `error` say why.
   */
  private async listEntry(p: Principal, row: Account): Promise<AccountView | null> {
    try {
      return await this.withCredentials(p, row);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const latest = await this.deps.accounts.get(row.id);
      if (!latest) return null; // deleted while the page was read
      const view = await this.view(latest);
      if (err.code === 'refresh_unavailable') {
        return { ...view, healthy: false, error: view.error ?? err.message };
      }
      return view;
    }
  }

  /** Reads one account; with credentials, refreshing first so the token lives `minTtl`. */
  async get(
    p: Principal,
    id: string,
    opts: { includeCredentials: boolean; minTtlSeconds?: number },
  ): Promise<AccountView> {
    requireScope(p, opts.includeCredentials ? 'credentials:read' : 'accounts:read');
    const account = await this.visible(p, id);
    if (!opts.includeCredentials) return this.view(account);

    requireScope(p, 'credentials:read');
    const minTtlMs =
      opts.minTtlSeconds === undefined ? this.deps.defaultMinTtlMs : opts.minTtlSeconds * 1000;
    return this.withCredentials(p, account, minTtlMs);
  }

  /** Refreshes now, whatever the expiry (operators, tests). */
  async refresh(p: Principal, id: string): Promise<AccountView> {
    requireScope(p, 'accounts:write');
    const account = await this.visible(p, id);
    if (!canManage(p, account) && !(await this.sharedForCredentials(p, account))) {
      throw new ApiError('forbidden', 'Only people the account is shared with can refresh it.');
    }
    const result = await this.deps.engine.ensureFresh(account.id, { kind: 'force' });
    this.deps.audit.record({
      workspaceId: p.workspaceId,
      action: 'account.refresh_requested',
      actor: actorOf(p),
      accountId: account.id,
      details: { outcome: result.kind },
    });
    return this.view(await this.settleForced(result));
  }

  /**
   * A forced refresh reports its own failure, even while the current token is still valid:
   * the caller asked for a refresh, not for a token.
   */
  private async settleForced(result: RefreshResult): Promise<Account> {
    switch (result.kind) {
      case 'transient':
      case 'misconfigured': {
        const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
        const why = result.reason.replace(/^refresh failing: /, '');
        throw new ApiError('refresh_unavailable', `The refresh failed (${why}).`, {
          headers: { 'retry-after': String(seconds) },
          data: await this.view(result.account),
        });
      }
      case 'no_refresh_token':
        // Keys and other never-expiring credentials have nothing to refresh: fine as they are.
        if (result.account.expires_at === null) return result.account;
        throw new ApiError('conflict', 'The account has no refresh token; reconnect it instead.', {
          data: await this.view(result.account),
        });
      default:
        return this.settle(result);
    }
  }

  async delete(p: Principal, id: string): Promise<void> {
    requireScope(p, 'accounts:write');
    const account = await this.visible(p, id);
    if (!canManage(p, account)) {
      throw new ApiError('forbidden', 'Only the owner or an admin can delete this account.');
    }
    await this.revokeAtProvider(account);
    await this.deps.accounts.delete(account.id);
    this.deps.audit.record({
      workspaceId: p.workspaceId,
      action: 'account.deleted',
      actor: actorOf(p),
      accountId: account.id,
    });
  }

  /** The account if the caller may know of it; 404 otherwise, so ids do not leak. */
  async visible(p: Principal, id: string): Promise<Account> {
    const account = hasPrefix(id, 'apn') ? await this.deps.accounts.get(id) : undefined;
    if (!account || !(await canSee(p, account, () => this.deps.accounts.shares(account.id)))) {
      throw new ApiError('account_not_found', `No account "${id}".`);
    }
    return account;
  }

  private sharedForCredentials(p: Principal, account: Account) {
    return canReadCredentials(p, account, () => this.deps.accounts.shares(account.id));
  }

  private async withCredentials(
    p: Principal,
    account: Account,
    minTtlMs = this.deps.defaultMinTtlMs,
  ): Promise<AccountView> {
    if (!(await this.sharedForCredentials(p, account))) {
      throw new ApiError('forbidden', 'This account has not been shared with you.');
    }

    let current = account;
    if (account.dead) throw deadError(await this.view(account));
    const result = await this.deps.engine.ensureFresh(
      account.id,
      { kind: 'read', minTtlMs },
      account,
    );
    // Judged by the clock after the refresh: waiting for another process's lease takes time.
    current = await this.settle(result);

    const app = await this.appOf(current);
    const credentials = openCredentials(this.deps.keyring, current.id, current.credentials);
    this.deps.audit.record({
      workspaceId: p.workspaceId,
      action: 'credentials.read',
      actor: actorOf(p),
      accountId: current.id,
    });
    this.deps.onCredentialsRead?.();
    const view = this.render(current, app);
    view.credentials = await this.wireCredentials(current, app, credentials);
    return view;
  }

  /**
   * Turns a refresh result into the account to serve, or the error API.md prescribes: never a
   * 200 with an expired token; 409 for a dead account; 503 with Retry-After for a passing one.
   */
  private async settle(result: RefreshResult, now = this.deps.clock.now()): Promise<Account> {
    switch (result.kind) {
      case 'gone':
        throw new ApiError('account_not_found');
      case 'fresh':
      case 'refreshed': {
        const expires = result.account.expires_at;
        if (expires === null || expires > now) return result.account;
        // Only when a provider hands out an already-expired token: never serve it.
        throw new ApiError('refresh_unavailable', 'The provider returned an expired token.', {
          headers: { 'retry-after': '1' },
        });
      }
      case 'dead':
        throw deadError(await this.view(result.account));
      case 'no_refresh_token':
      case 'transient':
      case 'misconfigured': {
        const { account } = result;
        const valid = account.expires_at === null || account.expires_at > now + 1000;
        if (valid) return account; // still usable, if shorter-lived than asked
        if (result.kind === 'no_refresh_token') return this.expireWithoutRefresh(account);
        const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
        const why = result.reason.replace(/^refresh failing: /, '');
        const message = `The token expired and could not be refreshed just now (${why}).`;
        throw new ApiError('refresh_unavailable', message, {
          headers: { 'retry-after': String(seconds) },
        });
      }
    }
  }

  /** An expired token with no refresh token can only be fixed by reconnecting (case C05 B). */
  private async expireWithoutRefresh(account: Account): Promise<never> {
    const error = 'no_refresh_token: the token expired and the provider gave no refresh token';
    await this.deps.accounts.update(account.id, {
      dead: 1,
      healthy: 0,
      error,
      next_refresh_at: null,
      updated_at: this.deps.clock.now(),
    });
    throw deadError(await this.view({ ...account, dead: 1, healthy: 0, error }));
  }

  async view(account: Account): Promise<AccountView> {
    return this.render(account, await this.appOf(account));
  }

  private async appOf(account: Account): Promise<AppDefinition | undefined> {
    return this.deps.apps.cached(account.workspace_id, account.app_id);
  }

  private render(account: Account, app: AppDefinition | undefined): AccountView {
    const now = this.deps.clock.now();
    const expired = account.expires_at !== null && account.expires_at <= now;
    return {
      id: account.id,
      name: account.name,
      external_id: account.external_id,
      external_user_id: account.external_user_id,
      // Unhealthy while refreshes fail and the token has run out; dead is never healthy.
      healthy: !account.dead && !(account.refresh_failures > 0 && expired),
      dead: account.dead === 1,
      error: account.error,
      app: {
        id: account.app_id,
        name_slug: app?.slug ?? 'unknown',
        name: app?.name ?? 'Unknown app',
        auth_type: app?.authType ?? 'oauth',
      },
      oauth_app_id: account.oauth_app_id,
      authorized_scopes: JSON.parse(account.scopes) as string[],
      owner_user_id: account.owner_user_id,
      visibility: account.visibility,
      metadata: JSON.parse(account.metadata) as Record<string, unknown>,
      created_at: toIso(account.created_at)!,
      updated_at: toIso(account.updated_at)!,
      expires_at: toIso(account.expires_at),
      last_refreshed_at: toIso(account.last_refreshed_at),
      next_refresh_at: toIso(account.next_refresh_at),
    };
  }

  /** Pipedream's credential field names for OAuth apps; a keys app's own field names. */
  private async wireCredentials(
    account: Account,
    app: AppDefinition | undefined,
    c: StoredCredentials,
  ): Promise<Record<string, string | null>> {
    if (c.fields) return { ...c.fields };
    const resolved =
      app && account.oauth_app_id ? await this.deps.providers.forAccount(account) : null;
    return {
      oauth_access_token: c.accessToken ?? null,
      oauth_refresh_token: c.refreshToken ?? null,
      oauth_client_id: resolved?.client.clientId ?? null,
      oauth_uid: account.external_id,
      token_type: c.tokenType ?? null,
    };
  }

  private async revokeAtProvider(account: Account): Promise<void> {
    const resolved = await this.deps.providers.forAccount(account).catch(() => null);
    if (!resolved?.provider.revocationUrl) return;
    const c = openCredentials(this.deps.keyring, account.id, account.credentials);
    const token = c.refreshToken ?? c.accessToken;
    if (!token) return;
    const hint = c.refreshToken ? 'refresh_token' : 'access_token';
    const revoked = await revokeToken(resolved.provider, resolved.client, token, hint);
    this.deps.log.info({ account_id: account.id, revoked }, 'account revoked at provider');
  }
}

function deadError(view: AccountView): ApiError {
  const why = view.error ? ` (${view.error})` : '';
  return new ApiError('account_dead', `The account must be reconnected${why}.`, { data: view });
}
