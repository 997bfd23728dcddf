import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AccountDeadError,
  AuthenticationError,
  ForbiddenError,
  Latchkey,
  NotFoundError,
  RateLimitedError,
  RefreshUnavailableError,
} from '../src/index.ts';
import {
  connectOAuthAccount,
  countingFetch,
  revokeAtProvider,
  startWorld,
  type World,
} from './support.ts';

/** Answers the first `times` requests itself with `status`, then lets the rest through. */
function failingFirst(times: number, status: number, retryAfter: string) {
  let left = times;
  const wrapped: typeof fetch = async (input, init) => {
    if (left-- > 0) {
      const body = JSON.stringify({ error: 'Later.', code: 'rate_limited', request_id: 'req_x' });
      return new Response(body, {
        status,
        headers: { 'content-type': 'application/json', 'retry-after': retryAfter },
      });
    }
    return fetch(input, init);
  };
  return wrapped;
}

describe('typed errors and retries against a running Latchkey', () => {
  let world: World;
  let healthy: string;

  before(async () => {
    // acme: long-lived tokens; brief: four-second tokens; flaky: two-second tokens, and its
    // provider is stopped by one test.
    world = await startWorld({ acme: 3600, brief: 4, flaky: 2 });
    healthy = await connectOAuthAccount(world.lk, { app: 'acme' });
  });

  after(() => world?.close());

  const client = (extra = {}) =>
    new Latchkey({ apiKey: world.lk.apiKey, baseUrl: world.lk.url, ...extra });

  it('throws NotFoundError for an unknown account, with the code and request id', async () => {
    const error = await client()
      .getCredentials('apn_doesnotexist0000000000')
      .catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'account_not_found');
    assert.match(error.requestId ?? '', /^req_/);
  });

  it('throws AuthenticationError for a wrong API key', async () => {
    const latchkey = new Latchkey({
      apiKey: 'lk_made-up-wrong-key-000000000',
      baseUrl: world.lk.url,
    });
    await assert.rejects(latchkey.getCredentials(healthy), AuthenticationError);
  });

  it('throws ForbiddenError for a key without credentials:read', async () => {
    const row = await world.lk.server.services.repos.accounts.get(healthy);
    const { secret } = await world.lk.server.services.apiKeys.create({
      workspaceId: row!.workspace_id,
      userId: null,
      name: 'read-only',
      scopes: ['accounts:read'],
    });
    const latchkey = new Latchkey({ apiKey: secret, baseUrl: world.lk.url });
    assert.equal((await latchkey.accounts.get(healthy)).id, healthy);
    const error = await latchkey.getCredentials(healthy).catch((e: unknown) => e);
    assert.ok(error instanceof ForbiddenError);
    assert.equal(error.status, 403);
  });

  it('throws AccountDeadError, with the account, once the provider forgets the grant', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'brief' });
    const read = await world.lk.api('GET', `/v1/accounts/${id}?include_credentials=1`);
    await revokeAtProvider(world.providers.brief!, read.body.data.credentials.oauth_refresh_token);

    const counter = countingFetch();
    const latchkey = client({ fetch: counter.fetch });
    // A forced refresh meets invalid_grant at the provider; from then on reads answer 409 too.
    await assert.rejects(latchkey.accounts.refresh(id), AccountDeadError);
    const error = await latchkey.getCredentials(id).catch((e: unknown) => e);
    assert.ok(error instanceof AccountDeadError, String(error));
    assert.equal(error.status, 409);
    assert.equal(error.account?.id, id);
    assert.equal(error.account?.dead, true);
    assert.equal(error.account?.credentials, undefined);
    assert.equal(counter.count(), 2, 'a dead account is not retried');
  });

  it('throws RefreshUnavailableError with retryAfter when the provider is down', async () => {
    const id = await connectOAuthAccount(world.lk, { app: 'flaky' });
    const account = (await world.lk.api('GET', `/v1/accounts/${id}`)).body.data;
    await world.providers.flaky!.close();
    // The server serves a token while it has a second left; wait until it has less.
    await sleep(Math.max(0, Date.parse(account.expires_at) - Date.now() - 900));

    const counter = countingFetch();
    const started = Date.now();
    const error = await client({ fetch: counter.fetch, retry: { maxElapsedMs: 1500 } })
      .getCredentials(id)
      .catch((e: unknown) => e);
    assert.ok(error instanceof RefreshUnavailableError, String(error));
    assert.equal(error.status, 503);
    assert.ok(typeof error.retryAfter === 'number' && error.retryAfter >= 1, `${error.retryAfter}`);
    assert.ok(Date.now() - started < 3000, 'retries stay within their time bound');
    assert.ok(counter.count() >= 1);
  });

  it('retries 429 and 503 answers after Retry-After, then succeeds', async () => {
    for (const status of [429, 503]) {
      const counter = countingFetch(failingFirst(2, status, '0'));
      const credentials = await client({ fetch: counter.fetch }).getCredentials(healthy);
      assert.ok(credentials.accessToken);
      assert.equal(counter.count(), 3);
    }
  });

  it('throws RateLimitedError when Retry-After is beyond the retry budget', async () => {
    const counter = countingFetch(failingFirst(1, 429, '120'));
    const started = Date.now();
    const error = await client({ fetch: counter.fetch })
      .getCredentials(healthy)
      .catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfter, 120);
    assert.equal(counter.count(), 1);
    assert.ok(Date.now() - started < 1000);
  });

  it('does not retry when retries are turned off', async () => {
    const counter = countingFetch(failingFirst(1, 503, '0'));
    await assert.rejects(client({ fetch: counter.fetch, retry: false }).getCredentials(healthy));
    assert.equal(counter.count(), 1);
  });
});
