import assert from 'node:assert/strict';
import { connectOAuthAccount, registerOidcApp, testClient } from '../../../test/support/connect.ts';
import { freePort, startTestLatchkey, type TestLatchkey } from '../../../test/support/latchkey.ts';
import { startOidcProvider, type OidcFixture } from '../../../test/support/oidc/index.ts';
import { Latchkey, type LatchkeyOptions } from '../src/index.ts';

export { connectOAuthAccount, testClient };

/** A fetch that counts the requests it passes on, by method and path. */
export function countingFetch(inner: typeof fetch = fetch) {
  const seen: string[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    seen.push(`${init?.method ?? 'GET'} ${url.pathname}`);
    return inner(input, init);
  };
  return {
    fetch: wrapped,
    count: (prefix = '') => seen.filter((line) => line.startsWith(prefix)).length,
    reset: () => void seen.splice(0),
  };
}

/** A client of `world`'s Latchkey with its owner key, counting its requests with `counter`. */
export function clientOf(
  world: World,
  counter: ReturnType<typeof countingFetch>,
  extra: Partial<LatchkeyOptions> = {},
): Latchkey {
  return new Latchkey({
    apiKey: world.lk.apiKey,
    baseUrl: world.lk.url,
    fetch: counter.fetch,
    ...extra,
  });
}

export interface World {
  lk: TestLatchkey;
  providers: Record<string, OidcFixture>;
  close(): Promise<void>;
}

/**
 * A Latchkey (background refresher off, so only reads refresh) with one OIDC provider per
 * entry of `ttls`, each registered as an app of that slug with its OAuth client.
 */
export async function startWorld(ttls: Record<string, number>): Promise<World> {
  const port = await freePort();
  const redirectUris = [`http://127.0.0.1:${port}/v1/connect/callback`];
  const providers: Record<string, OidcFixture> = {};
  for (const [slug, ttl] of Object.entries(ttls)) {
    providers[slug] = await startOidcProvider({
      accessTokenTtlSeconds: ttl,
      clients: [{ ...testClient, redirectUris }],
    });
  }

  const lk = await startTestLatchkey({ port, env: { LATCHKEY_REFRESH_INTERVAL_MS: '0' } });
  for (const [slug, fixture] of Object.entries(providers)) {
    await registerOidcApp(lk, fixture, slug);
  }

  return {
    lk,
    providers,
    async close() {
      await lk.close();
      for (const fixture of Object.values(providers)) await fixture.close().catch(() => {});
    },
  };
}

/** Registers a keys app with a single secret `api_key` field. */
export async function addKeysApp(lk: TestLatchkey, slug: string): Promise<void> {
  const res = await lk.api('POST', '/v1/apps', {
    name_slug: slug,
    name: slug,
    auth_type: 'keys',
    fields: [{ name: 'api_key', label: 'API key', secret: true }],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}

/** Connects a keys account through the connect link, as the form would; returns its id. */
export async function connectKeysAccount(
  lk: TestLatchkey,
  app: string,
  apiKey: string,
  reconnect?: string,
): Promise<string> {
  const token = await lk.api('POST', '/v1/connect/tokens', {
    app,
    success_redirect_uri: 'http://127.0.0.1:9/done',
  });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  const body: Record<string, string> = { token: token.body.data.token, api_key: apiKey };
  if (reconnect) body.account_id = reconnect;

  const res = await fetch(`${lk.url}/v1/connect/link`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    redirect: 'manual',
  });
  assert.equal(res.status, 302, await res.text());
  const id = new URL(res.headers.get('location')!).searchParams.get('account_id');
  assert.ok(id?.startsWith('apn_'));
  return id!;
}

/** Revokes a token at the provider (RFC 7009), as a user or the provider itself might. */
export async function revokeAtProvider(fixture: OidcFixture, token: string): Promise<void> {
  const basic = Buffer.from(`${testClient.clientId}:${testClient.clientSecret}`).toString('base64');
  const res = await fetch(fixture.revocationUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}` },
    body: new URLSearchParams({ token }),
  });
  assert.equal(res.status, 200, await res.text());
}
