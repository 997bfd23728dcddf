import { api } from './api.ts';

interface ConnectToken {
  data: { token: string; expires_at: string; connect_link_url: string };
}

/**
 * Starts a connection the way an embedding product would: a connect token, then the browser
 * goes to its link (the provider's consent screen, or the keys form). The provider's answer
 * comes back to the accounts page, where the server has added `account_id` (or `error`).
 */
export async function startConnect(opts: {
  app: string;
  oauthAppId?: string | null;
  /** Reconnect this account: new credentials, same id. */
  accountId?: string;
}): Promise<void> {
  const back = `${location.origin}/accounts`;
  const { data } = await api.post<ConnectToken>('/v1/connect/tokens', {
    app: opts.app,
    ...(opts.oauthAppId ? { oauth_app_id: opts.oauthAppId } : {}),
    success_redirect_uri: `${back}?connected=1`,
    error_redirect_uri: `${back}?connect_failed=1`,
  });

  const link = new URL(data.connect_link_url, location.origin);
  if (opts.accountId) link.searchParams.set('account_id', opts.accountId);
  location.assign(link.toString());
}
