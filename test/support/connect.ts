import assert from 'node:assert/strict';
import { completeAuthorization, type OidcFixture } from './oidc/index.ts';
import type { TestLatchkey } from './latchkey.ts';

export const testClient = { clientId: 'latchkey-e2e', clientSecret: 'made-up-client-secret-e2e' };

/** Registers the fixture as a custom app (by issuer discovery) and its OAuth client. */
export async function registerOidcApp(
  lk: TestLatchkey,
  fixture: OidcFixture,
  slug = 'acme',
): Promise<{ appId: string; oauthAppId: string }> {
  const app = await lk.api('POST', '/v1/apps', {
    name_slug: slug,
    name: 'Acme',
    auth_type: 'oauth',
    oauth: { issuer: fixture.issuer },
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const oauthApp = await lk.api('POST', '/v1/oauth_apps', {
    app: slug,
    client_id: testClient.clientId,
    client_secret: testClient.clientSecret,
    scopes: ['openid', 'email', 'profile', 'offline_access'],
  });
  assert.equal(oauthApp.status, 201, JSON.stringify(oauthApp.body));
  return { appId: app.body.data.id, oauthAppId: oauthApp.body.data.id };
}

/**
 * Runs the whole connect flow as a browser would: connect link → provider (auto-login) →
 * callback → success redirect. Returns the new account's id.
 */
export async function connectOAuthAccount(
  lk: TestLatchkey,
  body: Record<string, unknown> = { app: 'acme' },
  key?: string,
  reconnectAccountId?: string,
): Promise<string> {
  const success = 'http://127.0.0.1:9/connected';
  const token = await lk.api(
    'POST',
    '/v1/connect/tokens',
    { success_redirect_uri: success, ...body },
    key,
  );
  assert.equal(token.status, 201, JSON.stringify(token.body));

  const linkUrl = new URL(token.body.data.connect_link_url);
  if (reconnectAccountId) linkUrl.searchParams.set('account_id', reconnectAccountId);
  const link = await fetch(linkUrl, { redirect: 'manual' });
  assert.equal(link.status, 302, await link.text());
  const callback = await completeAuthorization(link.headers.get('location')!);

  const done = await fetch(callback, { redirect: 'manual' });
  assert.equal(done.status, 302, await done.text());
  const location = new URL(done.headers.get('location')!);
  assert.equal(location.origin + location.pathname, success);
  const accountId = location.searchParams.get('account_id');
  assert.ok(accountId?.startsWith('apn_'), `no account id in ${location}`);
  return accountId!;
}
