import type { Logger } from 'pino';
import {
  buildAuthorizationUrl,
  createPkce,
  exchangeCode,
  fetchIdentity,
  randomState,
  type TokenSet,
  type WireOptions,
} from '../oauth/index.ts';
import { ApiError } from '../lib/errors.ts';
import type { Clock } from '../lib/clock.ts';
import { tokenHash } from '../lib/hash.ts';
import { hasPrefix, newId, randomSecret } from '../lib/ids.ts';
import type { Account, AccountRepository } from '../store/repos/accounts.ts';
import type { OAuthAppRepository } from '../store/repos/apps.ts';
import { ConnectRepository, type ConnectToken } from '../store/repos/connect.ts';
import type { IdentityRepository } from '../store/repos/identity.ts';
import type { Keyring } from '../vault/keyring.ts';
import { open, seal } from '../vault/seal.ts';
import { isManager, requireScope } from './access.ts';
import type { AppDefinition, AppService } from './apps.ts';
import type { AuditLog } from './audit.ts';
import {
  mergeTokens,
  openCredentials,
  sealCredentials,
  type StoredCredentials,
} from './credentials.ts';
import { actorOf, type Principal } from './principal.ts';
import type { ProviderResolver, ResolvedProvider } from './providers.ts';
import { nextRefreshAt, type FreshnessPolicy } from './refresh/policy.ts';

export interface ConnectTokenInput {
  app: string;
  oauth_app_id?: string;
  external_user_id?: string;
  success_redirect_uri?: string;
  error_redirect_uri?: string;
  expires_in?: number;
}

/** Where the browser goes once a connect attempt ends. */
export type ConnectEnd =
  | { kind: 'redirect'; url: string }
  | { kind: 'page'; ok: boolean; title: string; message: string; accountId?: string };

/** What the connect link shows: a redirect to the provider, or a form for a keys app. */
export type ConnectStart =
  | { kind: 'redirect'; url: string }
  | {
      kind: 'form';
      app: AppDefinition;
      token: string;
      accountId: string | null;
      /** Where the posted form may end up, for the page's form-action policy. */
      redirectUris: (string | null)[];
    }
  | ConnectEnd;

const stateTtlMs = 10 * 60_000;
const defaultTokenTtlSeconds = 4 * 3600;

export class ConnectService {
  constructor(
    private readonly deps: {
      connect: ConnectRepository;
      accounts: AccountRepository;
      identity: IdentityRepository;
      oauthApps: OAuthAppRepository;
      apps: AppService;
      providers: ProviderResolver;
      keyring: Keyring;
      fingerprint: (secret: string) => string;
      clock: Clock;
      audit: AuditLog;
      log: Logger;
      policy: FreshnessPolicy;
      publicUrl: string;
      wire?: WireOptions;
    },
  ) {}

  get callbackUrl(): string {
    return `${this.deps.publicUrl}/v1/connect/callback`;
  }

  /** A single-use, short-lived connect token and the link to hand to an end user. */
  async createToken(p: Principal, input: ConnectTokenInput) {
    requireScope(p, 'accounts:write');
    const { clock } = this.deps;
    const app = await this.deps.apps.get(p.workspaceId, input.app);
    if (app.authType === 'none') {
      throw new ApiError('validation_failed', `body.app: "${app.slug}" needs no connection.`);
    }
    if (app.authType === 'oauth') await this.oauthApp(p.workspaceId, app, input.oauth_app_id);

    const token = `ctok_${randomSecret(24)}`;
    const now = clock.now();
    const expiresAt = now + (input.expires_in ?? defaultTokenTtlSeconds) * 1000;
    const row: ConnectToken = {
      id: newId('ctok'),
      token_hash: tokenHash(token),
      workspace_id: p.workspaceId,
      created_by: p.userId,
      app_id: app.id,
      oauth_app_id: input.oauth_app_id ?? null,
      external_user_id: input.external_user_id ?? null,
      success_redirect_uri: input.success_redirect_uri ?? null,
      error_redirect_uri: input.error_redirect_uri ?? null,
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
      account_id: null,
    };
    await this.deps.apps.using(p.workspaceId, app, (db) =>
      new ConnectRepository(db).insertToken(row),
    );
    this.deps.audit.record({
      workspaceId: p.workspaceId,
      action: 'connect_token.created',
      actor: actorOf(p),
      details: { app: app.slug, external_user_id: row.external_user_id },
    });
    return {
      token,
      expires_at: new Date(expiresAt).toISOString(),
      connect_link_url: `${this.deps.publicUrl}/v1/connect/link?token=${token}`,
    };
  }

  /**
   * What became of a connect token, for whoever may make them in its workspace: when it
   * expires, and once its link was used, when and which account it connected or reconnected.
   * Unknown tokens and those of another workspace are `not_found` alike.
   */
  async tokenStatus(p: Principal, token: string) {
    requireScope(p, 'accounts:write');
    const row = token.startsWith('ctok_')
      ? await this.deps.connect.tokenByHash(tokenHash(token))
      : undefined;
    // Its maker's, or a manager's, to know: a private account's id is not for other members.
    const mayKnow =
      row && (isManager(p) || (row.created_by !== null && row.created_by === p.userId));
    if (!row || row.workspace_id !== p.workspaceId || !mayKnow) {
      throw new ApiError('connect_token_invalid', 'No such connect token.');
    }
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      expires_at: iso(row.expires_at)!,
      used_at: iso(row.used_at),
      account_id: row.used_at === null ? null : row.account_id,
    };
  }

  /** Opening the connect link: sends the browser to the provider, or asks for a keys form. */
  async start(token: string, accountId: string | null): Promise<ConnectStart> {
    const row = await this.usableToken(token);
    if (accountId) await this.reconnectTarget(row, accountId);
    const app = await this.deps.apps.get(row.workspace_id, row.app_id);
    if (app.authType !== 'oauth') {
      const redirectUris = [row.success_redirect_uri, row.error_redirect_uri];
      return { kind: 'form', app, token, accountId, redirectUris };
    }

    const resolved = await this.oauthApp(row.workspace_id, app, row.oauth_app_id);
    const state = randomState();
    const pkce = resolved.provider.pkce ? await createPkce() : null;
    const stateHash = tokenHash(state);
    const now = this.deps.clock.now();
    await this.deps.connect.insertState({
      state_hash: stateHash,
      connect_token_id: row.id,
      account_id: accountId,
      code_verifier: pkce
        ? seal(this.deps.keyring, pkce.verifier, { rowId: stateHash, field: 'code_verifier' })
        : null,
      nonce: null,
      created_at: now,
      expires_at: now + stateTtlMs,
      used_at: null,
    });

    const record = await this.deps.oauthApps.byId(resolved.oauthAppId);
    const scopes = JSON.parse(record?.scopes ?? '[]') as string[];
    const url = buildAuthorizationUrl(resolved.provider, resolved.client, {
      redirectUri: this.callbackUrl,
      state,
      codeChallenge: pkce?.challenge ?? null,
      scopes: scopes.length > 0 ? scopes : resolved.provider.defaultScopes,
    });
    return { kind: 'redirect', url };
  }

  /** The provider's redirect back: checks state, exchanges the code, stores the account. */
  async callback(query: Record<string, string | undefined>): Promise<ConnectEnd> {
    const state = query.state;
    if (!state) return failPage('The provider did not send back a state.');
    const stateHash = tokenHash(state);
    const saved = await this.deps.connect.consumeState(stateHash, this.deps.clock.now());
    if (!saved) return failPage('This sign-in link was already used or has expired. Start again.');

    const row = await this.deps.connect.tokenById(saved.connect_token_id);
    if (!row) return failPage('This connect link was already used.');
    // A quick refusal before asking the provider; the claim that counts is in write().
    if (row.used_at !== null) return this.alreadyUsed(row);
    if (query.error) return this.fail(row, query.error);
    if (!query.code) return this.fail(row, 'missing_code');

    const app = await this.deps.apps.get(row.workspace_id, row.app_id);
    const resolved = await this.oauthApp(row.workspace_id, app, row.oauth_app_id);
    const verifier = saved.code_verifier
      ? open(this.deps.keyring, saved.code_verifier, { rowId: stateHash, field: 'code_verifier' })
      : null;
    const outcome = await exchangeCode(
      resolved.provider,
      resolved.client,
      { code: query.code, redirectUri: this.callbackUrl, codeVerifier: verifier },
      this.deps.wire,
    );
    if (outcome.kind !== 'tokens') {
      this.deps.log.warn({ code: outcome.error.code, kind: outcome.kind }, 'code exchange failed');
      return this.fail(row, outcome.error.code);
    }

    const identity = await fetchIdentity(resolved.provider, outcome.tokens, this.deps.wire);
    const account = await this.saveOAuth(row, app, resolved, saved.account_id, outcome.tokens, {
      externalId: identity.externalId,
      name: identity.name,
    });
    // Another callback of the same link won the claim: these tokens are not stored.
    if (!account) return this.alreadyUsed(row);
    return this.succeed(row, account);
  }

  /** A keys app's form, posted back with the token: stores the fields as the credentials. */
  async submitKeys(
    token: string,
    accountId: string | null,
    values: Record<string, unknown>,
  ): Promise<ConnectEnd> {
    const row = await this.usableToken(token);
    const app = await this.deps.apps.get(row.workspace_id, row.app_id);
    if (app.authType !== 'keys') {
      throw new ApiError('validation_failed', 'This connect link is not for a keys app.');
    }
    const known = new Set(app.fields.map((f) => f.name));
    const unknown = Object.keys(values).find((name) => !known.has(name));
    if (unknown !== undefined) {
      const name = unknown.length > 100 ? `${unknown.slice(0, 100)}…` : unknown;
      const expected = app.fields.map((f) => f.name).join(', ');
      throw new ApiError(
        'validation_failed',
        `body.${name} is not a field of this form (its fields: ${expected}).`,
      );
    }
    const fields: Record<string, string> = {};
    for (const field of app.fields) {
      const value = values[field.name];
      if (typeof value === 'string' && value.trim() !== '') {
        fields[field.name] = value.trim();
      } else if (!field.optional) {
        throw new ApiError('validation_failed', `${field.name}: ${field.label} is required.`);
      }
    }
    const target = accountId ? await this.reconnectTarget(row, accountId) : null;
    const account = await this.write(row, app, target, {
      credentials: { fields },
      tokens: null,
      externalId: null,
      name: null,
      oauthAppId: null,
    });
    if (!account) throw new ApiError('connect_token_invalid');
    return this.succeed(row, account);
  }

  private async saveOAuth(
    row: ConnectToken,
    app: AppDefinition,
    resolved: ResolvedProvider & { oauthAppId: string },
    reconnectId: string | null,
    tokens: TokenSet,
    identity: { externalId: string | null; name: string | null },
  ): Promise<Account | null> {
    let target = reconnectId ? await this.reconnectTarget(row, reconnectId) : null;
    // The same provider identity connected again through the same client is the same
    // account: keep its id, and its refresh token if the provider sends none (case C05 A).
    target ??= identity.externalId
      ? ((
          await this.deps.accounts.list({
            workspaceId: row.workspace_id,
            appId: app.id,
            oauthAppId: resolved.oauthAppId,
            externalUserId: row.external_user_id ?? undefined,
            limit: 50,
          })
        ).find(
          (a) =>
            a.external_id === identity.externalId && a.external_user_id === row.external_user_id,
        ) ?? null)
      : null;

    const previous = target
      ? openCredentials(this.deps.keyring, target.id, target.credentials)
      : {};
    return this.write(row, app, target, {
      credentials: mergeTokens(previous, tokens),
      tokens,
      externalId: identity.externalId,
      name: identity.name,
      oauthAppId: resolved.oauthAppId,
    });
  }

  /**
   * Stores the account a connect token's use made, and claims the token in the same
   * transaction (see ConnectRepository.claimTokenAndWrite); null when another use of the token
   * claimed it first, and then nothing was written.
   *
   * The claim is made here, at the write, rather than when a callback arrives: a code exchange
   * that fails (or a keys form that is refused) has written nothing and claimed nothing, so the
   * link still works for another try; and since the claim and the write commit together there
   * is no window in which two callbacks of one link both write, nor one in which a claimed token
   * has no account. The cost: a losing callback has already exchanged its code at the provider,
   * and those tokens are dropped unstored.
   */
  private async write(
    row: ConnectToken,
    app: AppDefinition,
    target: Account | null,
    input: {
      credentials: StoredCredentials;
      tokens: TokenSet | null;
      externalId: string | null;
      name: string | null;
      oauthAppId: string | null;
    },
  ): Promise<Account | null> {
    const { accounts, keyring, fingerprint, clock, policy } = this.deps;
    const now = clock.now();
    const id = target?.id ?? newId('apn');
    const refreshToken = input.credentials.refreshToken ?? null;
    const times = { expires_at: input.tokens?.expiresAt ?? null, token_issued_at: now };
    const noRefresh = input.tokens !== null && !refreshToken && times.expires_at !== null;
    const fields = {
      credentials: sealCredentials(keyring, id, input.credentials),
      refresh_fingerprint: refreshToken ? fingerprint(refreshToken) : null,
      oauth_app_id: input.oauthAppId,
      external_id: input.externalId ?? target?.external_id ?? null,
      name: input.name ?? target?.name ?? null,
      scopes: JSON.stringify(input.tokens?.scopes ?? []),
      metadata: JSON.stringify({
        ...(target ? (JSON.parse(target.metadata) as object) : {}),
        ...(input.tokens?.metadata ?? {}),
      }),
      ...times,
      refresh_token_expires_at: input.tokens?.refreshTokenExpiresAt ?? null,
      next_refresh_at: refreshToken
        ? nextRefreshAt(policy, times, Math.random, app.maxTokenAgeMs)
        : null,
      healthy: 1,
      dead: 0,
      // An expiring token without a refresh token will need a reconnect (case C05 B).
      error: noRefresh ? 'no_refresh_token: reconnect before the token expires' : null,
      refresh_failures: 0,
      updated_at: now,
    };

    const outcome = await this.deps.connect.claimTokenAndWrite(
      row.id,
      now,
      id,
      target
        ? { kind: 'update', id: target.id, patch: fields }
        : {
            kind: 'insert',
            row: {
              id,
              workspace_id: row.workspace_id,
              app_id: app.id,
              owner_user_id: row.external_user_id ? null : row.created_by,
              external_user_id: row.external_user_id,
              visibility: 'private',
              last_refreshed_at: null,
              lease_owner: null,
              lease_expires_at: null,
              created_at: now,
              ...fields,
            },
          },
    );
    if (outcome === 'token_used') return null;
    if (outcome === 'account_gone') {
      throw new ApiError('account_not_found', `No account "${id}" to reconnect.`);
    }
    this.deps.audit.record({
      workspaceId: row.workspace_id,
      action: target ? 'account.reconnected' : 'account.connected',
      actor: { type: row.created_by ? 'user' : 'system', id: row.created_by },
      accountId: id,
      details: { app: app.slug, external_user_id: row.external_user_id },
    });
    return (await accounts.get(id))!;
  }

  /** The token was claimed by write(), with the account. */
  private succeed(row: ConnectToken, account: Account): ConnectEnd {
    if (row.success_redirect_uri) {
      return {
        kind: 'redirect',
        url: withParam(row.success_redirect_uri, 'account_id', account.id),
      };
    }
    return {
      kind: 'page',
      ok: true,
      title: 'Account connected',
      message: 'You can close this window.',
      accountId: account.id,
    };
  }

  /** A callback of a link that another callback (or form) already used. */
  private alreadyUsed(row: ConnectToken): ConnectEnd {
    if (row.error_redirect_uri) {
      const url = withParam(row.error_redirect_uri, 'error', 'connect_token_invalid');
      return { kind: 'redirect', url };
    }
    return failPage('This connect link was already used.');
  }

  private fail(row: ConnectToken, code: string): ConnectEnd {
    if (row.error_redirect_uri) {
      return { kind: 'redirect', url: withParam(row.error_redirect_uri, 'error', code) };
    }
    return failPage(`The provider did not connect the account (${code}).`);
  }

  private async usableToken(token: string): Promise<ConnectToken> {
    const row = token.startsWith('ctok_')
      ? await this.deps.connect.tokenByHash(tokenHash(token))
      : undefined;
    if (!row || row.used_at !== null) throw new ApiError('connect_token_invalid');
    if (row.expires_at <= this.deps.clock.now()) throw new ApiError('connect_token_expired');
    return row;
  }

  private async reconnectTarget(row: ConnectToken, accountId: string): Promise<Account> {
    const account = hasPrefix(accountId, 'apn') ? await this.deps.accounts.get(accountId) : null;
    const matches =
      account && account.workspace_id === row.workspace_id && account.app_id === row.app_id;
    if (!matches)
      throw new ApiError('account_not_found', `No account "${accountId}" to reconnect.`);
    if (!(await this.mayReconnect(row, account))) {
      throw new ApiError('account_not_found', `No account "${accountId}" to reconnect.`);
    }
    return account;
  }

  /**
   * A connect token reconnects only an account of its own end user (the same
   * `external_user_id`, or none on both), so one end user's link cannot overwrite another's
   * credentials. Among those: an account connected for an end user by whoever holds a token for
   * that user; otherwise only the account's owner or a workspace owner/admin (a workspace key
   * acts as the workspace).
   */
  private async mayReconnect(row: ConnectToken, account: Account): Promise<boolean> {
    if (account.external_user_id !== row.external_user_id) return false;
    if (account.owner_user_id === null && account.external_user_id !== null) return true;
    if (row.created_by === null) return true;
    if (account.owner_user_id === row.created_by) return true;
    const membership = await this.deps.identity.membership(row.workspace_id, row.created_by);
    return membership?.role === 'owner' || membership?.role === 'admin';
  }

  /** The workspace's OAuth client for the app: the one named, or its first one. */
  private async oauthApp(
    workspaceId: string,
    app: AppDefinition,
    oauthAppId: string | null | undefined,
  ): Promise<ResolvedProvider & { oauthAppId: string }> {
    const record = oauthAppId
      ? await this.deps.oauthApps.get(workspaceId, oauthAppId)
      : (await this.deps.oauthApps.list(workspaceId, app.id))[0];
    if (oauthAppId && !record) {
      throw new ApiError('oauth_app_not_found', `No OAuth app "${oauthAppId}" in this workspace.`);
    }
    if (record && record.app_id !== app.id) {
      throw new ApiError(
        'validation_failed',
        `oauth_app_id: "${record.id}" is a client of another app, not of "${app.slug}".`,
      );
    }
    if (!record) {
      throw new ApiError(
        'oauth_app_not_found',
        `No OAuth app for "${app.slug}": create one with POST /v1/oauth_apps first.`,
      );
    }
    const resolved = this.deps.providers.resolve(app, record);
    if (!resolved) throw new ApiError('app_not_found', `"${app.slug}" is not an OAuth app.`);
    return { ...resolved, oauthAppId: record.id };
  }
}

function failPage(message: string): ConnectEnd {
  return { kind: 'page', ok: false, title: 'Connection failed', message };
}

function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}
