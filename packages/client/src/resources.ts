import type { Transport } from './transport.ts';
import type { Account, Page, Query } from './types.ts';

/** A wire object the SDK passes through as the server sent it. */
export type Json = Record<string, unknown>;

export interface AccountListQuery {
  /** App slug or id. */
  app?: string;
  oauthAppId?: string;
  externalUserId?: string;
  includeCredentials?: boolean;
  /** Page size, 1–100. */
  limit?: number;
  after?: string;
  before?: string;
}

/** What became of a connect token (`admin.connectTokenStatus`). */
export interface ConnectTokenStatus {
  expires_at: string;
  /** When its link was used; null while unused. */
  used_at: string | null;
  /** The account its link connected or reconnected; null while unused. */
  account_id: string | null;
}

/** `/v1/accounts`: the part of the API Pipedream's accounts endpoints share. */
export class Accounts {
  constructor(
    private readonly http: Transport,
    private readonly onGone: (accountId: string) => Promise<void>,
  ) {}

  /** One page. */
  list(query: AccountListQuery = {}): Promise<Page<Account>> {
    return this.http.request('GET', '/v1/accounts', { query: accountQuery(query) });
  }

  /** Every account, page after page: `for await (const account of accounts.iterate())`. */
  iterate(query: AccountListQuery = {}): AsyncGenerator<Account> {
    return this.http.items('/v1/accounts', accountQuery(query));
  }

  /** Every page, for callers that want `page_info` too. */
  pages(query: AccountListQuery = {}): AsyncGenerator<Page<Account>> {
    return this.http.pages('/v1/accounts', accountQuery(query));
  }

  /**
   * One account. With `includeCredentials` this bypasses the client's cache; prefer
   * `getCredentials`, which caches.
   */
  async get(
    accountId: string,
    opts: { includeCredentials?: boolean; minTtl?: number } = {},
  ): Promise<Account> {
    const query: Query = {};
    if (opts.includeCredentials) query.include_credentials = 'true';
    if (opts.minTtl !== undefined) query.min_ttl = Math.ceil(opts.minTtl);
    const { data } = await this.http.request<{ data: Account }>('GET', accountPath(accountId), {
      query,
    });
    return data;
  }

  /** Refreshes the token now, whatever its expiry; the cached credentials are dropped. */
  async refresh(accountId: string): Promise<Account> {
    const path = `${accountPath(accountId)}/refresh`;
    const { data } = await this.http.request<{ data: Account }>('POST', path);
    await this.onGone(accountId);
    return data;
  }

  /** Deletes the account (its credentials are destroyed and revoked where possible). */
  async delete(accountId: string): Promise<void> {
    await this.http.request('DELETE', accountPath(accountId));
    await this.onGone(accountId);
  }
}

/** Where a page starts and how long it is (1–100, default 25), as in API.md. */
export type PageQuery = {
  limit?: number;
  after?: string;
  before?: string;
};

/** Apps, OAuth apps, connect tokens, API keys and the audit log: thin, wire-shaped. */
export class Admin {
  constructor(private readonly http: Transport) {}

  /** One page of apps (the built-in catalog, then custom apps); `limit` 1–100, `after`. */
  listApps(query: PageQuery = {}): Promise<Page<Json>> {
    return this.http.request('GET', '/v1/apps', { query });
  }

  /** Every app, page after page. */
  apps(): AsyncGenerator<Json> {
    return this.http.items('/v1/apps', { limit: 100 });
  }

  async getApp(slugOrId: string): Promise<Json> {
    return (await this.http.request<{ data: Json }>('GET', `/v1/apps/${enc(slugOrId)}`)).data;
  }

  async createApp(body: Json): Promise<Json> {
    return (await this.http.request<{ data: Json }>('POST', '/v1/apps', { body })).data;
  }

  /** Deletes a custom app that no account, OAuth client or open connect link uses. */
  async deleteApp(slugOrId: string): Promise<void> {
    await this.http.request('DELETE', `/v1/apps/${enc(slugOrId)}`);
  }

  /** One page of the workspace's OAuth clients, of one app if `app` is given. */
  listOAuthApps(query: { app?: string } & PageQuery = {}): Promise<Page<Json>> {
    return this.http.request('GET', '/v1/oauth_apps', { query });
  }

  /** Every OAuth client, page after page. */
  oauthApps(query: { app?: string } = {}): AsyncGenerator<Json> {
    return this.http.items('/v1/oauth_apps', { ...query, limit: 100 });
  }

  async createOAuthApp(body: {
    app: string;
    client_id: string;
    client_secret?: string;
    scopes?: string[];
  }): Promise<Json> {
    return (await this.http.request<{ data: Json }>('POST', '/v1/oauth_apps', { body })).data;
  }

  async deleteOAuthApp(id: string): Promise<void> {
    await this.http.request('DELETE', `/v1/oauth_apps/${enc(id)}`);
  }

  async createConnectToken(body: {
    app: string;
    oauth_app_id?: string;
    external_user_id?: string;
    success_redirect_uri?: string;
    error_redirect_uri?: string;
    expires_in?: number;
  }): Promise<{ token: string; expires_at: string; connect_link_url: string }> {
    type Answer = { data: { token: string; expires_at: string; connect_link_url: string } };
    return (await this.http.request<Answer>('POST', '/v1/connect/tokens', { body })).data;
  }

  /**
   * What became of a connect token this workspace made: null `used_at` and `account_id` while
   * its link is unused; once used, the account it connected or reconnected. The token travels
   * in the request body, never in a URL.
   */
  async connectTokenStatus(token: string): Promise<ConnectTokenStatus> {
    const body = { token };
    type Answer = { data: ConnectTokenStatus };
    return (await this.http.request<Answer>('POST', '/v1/connect/tokens/status', { body })).data;
  }

  /** The answer carries the key's `secret`, shown this once. */
  async createApiKey(body: { name: string; scopes?: string[] }): Promise<Json> {
    return (await this.http.request<{ data: Json }>('POST', '/v1/api_keys', { body })).data;
  }

  /** Every API key of the workspace (never their secrets), page after page. */
  apiKeys(): AsyncGenerator<Json> {
    return this.http.items('/v1/api_keys', { limit: 100 });
  }

  async revokeApiKey(id: string): Promise<void> {
    await this.http.request('DELETE', `/v1/api_keys/${enc(id)}`);
  }

  /** Audit events, newest first, across pages. */
  auditEvents(query: Query = {}): AsyncGenerator<Json> {
    return this.http.items('/v1/audit_events', query);
  }

  auditPage(query: Query = {}): Promise<Page<Json>> {
    return this.http.request('GET', '/v1/audit_events', { query });
  }
}

function accountQuery(q: AccountListQuery): Query {
  return {
    app: q.app,
    oauth_app_id: q.oauthAppId,
    external_user_id: q.externalUserId,
    include_credentials: q.includeCredentials ? 'true' : undefined,
    limit: q.limit,
    after: q.after,
    before: q.before,
  };
}

const enc = encodeURIComponent;
const accountPath = (accountId: string) => `/v1/accounts/${enc(accountId)}`;
