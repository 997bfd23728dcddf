import type { ClientCredentials, ProviderConfig } from '../oauth/index.ts';
import type { OAuthAppRecord, OAuthAppRepository } from '../store/repos/apps.ts';
import type { Keyring } from '../vault/keyring.ts';
import { open, seal, type Sealed } from '../vault/seal.ts';
import type { AppDefinition, AppService } from './apps.ts';

export interface ResolvedProvider {
  app: AppDefinition;
  provider: ProviderConfig;
  client: ClientCredentials;
}

const secretContext = (oauthAppId: string) => ({ rowId: oauthAppId, field: 'client_secret' });

export function sealClientSecret(keyring: Keyring, oauthAppId: string, secret: string): Sealed {
  return seal(keyring, secret, secretContext(oauthAppId));
}

export function openClientSecret(keyring: Keyring, record: OAuthAppRecord): string | null {
  if (!record.client_secret) return null;
  return open(keyring, record.client_secret, secretContext(record.id));
}

/** Finds the provider facts and the workspace's OAuth client that an account refreshes with. */
export class ProviderResolver {
  /**
   * OAuth client records (with their secret still sealed) for 30 s, so that serving
   * credentials does not read the client on every request. A deletion in this process is seen
   * at once (`forget`); one in another process within 30 s.
   */
  private readonly records = new Map<string, { record: OAuthAppRecord; until: number }>();

  constructor(
    private readonly apps: AppService,
    private readonly oauthApps: OAuthAppRepository,
    private readonly keyring: Keyring,
  ) {}

  async forAccount(account: {
    workspace_id: string;
    app_id: string;
    oauth_app_id: string | null;
  }): Promise<ResolvedProvider | null> {
    if (!account.oauth_app_id) return null;
    const [app, record] = await Promise.all([
      this.apps.cached(account.workspace_id, account.app_id),
      this.record(account.oauth_app_id),
    ]);
    if (!app?.oauth || !record) return null;
    return this.resolve(app, record);
  }

  forget(oauthAppId: string): void {
    this.records.delete(oauthAppId);
  }

  private async record(id: string): Promise<OAuthAppRecord | undefined> {
    const now = Date.now();
    const hit = this.records.get(id);
    if (hit && hit.until > now) return hit.record;
    const record = await this.oauthApps.byId(id);
    if (this.records.size > 10_000) this.records.clear();
    if (record) this.records.set(id, { record, until: now + 30_000 });
    else this.records.delete(id);
    return record;
  }

  resolve(app: AppDefinition, record: OAuthAppRecord): ResolvedProvider | null {
    if (!app.oauth) return null;
    return {
      app,
      provider: app.oauth,
      client: { clientId: record.client_id, clientSecret: openClientSecret(this.keyring, record) },
    };
  }
}
