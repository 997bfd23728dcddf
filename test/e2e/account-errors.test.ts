import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeTokenEndpoint, type RecordedRequest } from '../support/fake-token-endpoint.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { connectViaFake, json, registerFakeApp } from '../refresh/support.ts';

/**
 * Refreshes by refresh token: `rt-dead` is revoked, `rt-down` meets an outage, anything else
 * refreshes.
 */
function refresh(request: RecordedRequest) {
  if (request.refreshToken === 'rt-dead') return json(400, { error: 'invalid_grant' });
  if (request.refreshToken === 'rt-down') return json(503, { error: 'temporarily_unavailable' });
  return json(200, { access_token: 'at-fresh', expires_in: 3600 });
}

describe('one account’s trouble stays with that account', () => {
  let lk: TestLatchkey;
  let fake: Awaited<ReturnType<typeof startFakeTokenEndpoint>>;
  const ids: Record<string, string> = {};

  before(async () => {
    let codes = 0;
    const refreshTokens = ['rt-dead', 'rt-down', 'rt-ok'];
    fake = await startFakeTokenEndpoint((request) => {
      if (request.grantType !== 'authorization_code') return refresh(request);
      const rt = refreshTokens[codes++]!;
      return json(200, { access_token: `at-${rt}`, refresh_token: rt, expires_in: 2 });
    });
    lk = await startTestLatchkey({ env: { LATCHKEY_REFRESH_INTERVAL_MS: '0' } });
    await registerFakeApp(lk, 'flaky', fake.origin);
    for (const name of ['dead', 'down', 'ok']) {
      const { accountId } = await connectViaFake(lk, 'flaky');
      ids[name] = accountId!;
    }
    await new Promise((resolve) => setTimeout(resolve, 2100)); // every token has expired
  });

  after(async () => {
    await lk?.close();
    await fake?.close();
  });

  it('lists every account, with credentials where it can and why not where not', async () => {
    const res = await lk.api('GET', '/v1/accounts?include_credentials=1');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const byId = new Map(res.body.data.map((a: any) => [a.id, a]));
    const ok: any = byId.get(ids.ok);
    assert.equal(ok.credentials.oauth_access_token, 'at-fresh');
    const dead: any = byId.get(ids.dead);
    assert.equal(dead.dead, true);
    assert.equal(dead.credentials, undefined);
    assert.match(dead.error, /invalid_grant/);
    const down: any = byId.get(ids.down);
    assert.equal(down.healthy, false);
    assert.equal(down.credentials, undefined);
    assert.ok(down.error);
  });

  it('a forced refresh that fails says so', async () => {
    const down = await lk.api('POST', `/v1/accounts/${ids.down}/refresh`);
    assert.equal(down.status, 503);
    assert.equal(down.body.code, 'refresh_unavailable');
    assert.ok(Number(down.headers.get('retry-after')) >= 1);
    const dead = await lk.api('POST', `/v1/accounts/${ids.dead}/refresh`);
    assert.equal(dead.status, 409);
    assert.equal(dead.body.code, 'account_dead');
    const ok = await lk.api('POST', `/v1/accounts/${ids.ok}/refresh`);
    assert.equal(ok.status, 200);
  });

  it('an OAuth client that accounts still use cannot be deleted', async () => {
    const clients = await lk.api('GET', '/v1/oauth_apps?app=flaky');
    const res = await lk.api('DELETE', `/v1/oauth_apps/${clients.body.data[0].id}`);
    assert.equal(res.status, 409);
    assert.match(res.body.error, /3 account/);
  });

  it('keeps built-in and id-like slugs, and needs no link for an app without auth', async () => {
    const fields = [{ name: 'api_key', label: 'Key' }];
    const taken = await lk.api('POST', '/v1/apps', {
      name_slug: 'github',
      name: 'Not GitHub',
      auth_type: 'keys',
      fields,
    });
    assert.equal(taken.status, 409);
    const idLike = await lk.api('POST', '/v1/apps', {
      name_slug: 'app_github',
      name: 'Id-like',
      auth_type: 'keys',
      fields,
    });
    assert.equal(idLike.status, 400);
    const none = await lk.api('POST', '/v1/apps', {
      name_slug: 'open',
      name: 'Open',
      auth_type: 'none',
    });
    assert.equal(none.status, 201);
    const token = await lk.api('POST', '/v1/connect/tokens', { app: 'open' });
    assert.equal(token.status, 400);
    assert.match(token.body.error, /needs no connection/);
  });
});
