/**
 * A process killed with SIGKILL while it holds an account's refresh lease (its provider call
 * still open): another process takes over once the lease has expired, refreshes with the same
 * refresh token, and nothing is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startFakeTokenEndpoint,
  type FakeTokenEndpoint,
  type RecordedRequest,
} from '../support/fake-token-endpoint.ts';
import { createTestDatabase, type TestDatabase } from '../support/stores.ts';
import {
  connectViaFake,
  json,
  processSecrets,
  registerFakeApp,
  sleep,
  spawnLatchkey,
  type LatchkeyProcess,
} from './support.ts';

const enabled = Boolean(process.env.LATCHKEY_TEST_DATABASE_URL);
if (!enabled) console.log('# lease-crash refresh test skipped: LATCHKEY_TEST_DATABASE_URL unset');

const LEASE_MS = 2000;

describe('a process killed while holding a refresh lease', { skip: !enabled }, () => {
  let db: TestDatabase;
  let fake: FakeTokenEndpoint;
  let a: LatchkeyProcess;
  let b: LatchkeyProcess;
  let arrived: (req: RecordedRequest) => void = () => undefined;

  before(async () => {
    db = await createTestDatabase('postgres');
    let refreshes = 0;
    fake = await startFakeTokenEndpoint((req) => {
      if (req.grantType === 'authorization_code') {
        return json(200, { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3 });
      }
      refreshes += 1;
      if (refreshes === 1) {
        arrived(req);
        // The first refresh never gets its answer to the caller: it is killed meanwhile.
        return { ...json(503, { error: 'late' }), delayMs: 5_000 };
      }
      const rt = req.refreshToken === 'rt-1' ? 'rt-2' : 'rt-x';
      return json(200, { access_token: 'at-2', refresh_token: rt, expires_in: 3600 });
    });
    const secrets = processSecrets();
    const env = { LATCHKEY_REFRESH_LEASE_MS: String(LEASE_MS), LATCHKEY_REFRESH_INTERVAL_MS: '0' };
    a = await spawnLatchkey({ databaseUrl: db.url, ...secrets, env });
    b = await spawnLatchkey({ databaseUrl: db.url, ...secrets, env });
  });

  after(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await fake?.close();
    await db?.drop();
  });

  it('lets another process refresh once the lease has expired, losing nothing', async () => {
    await registerFakeApp(a, 'crashy', fake.origin);
    const { accountId: id } = await connectViaFake(a, 'crashy');
    assert.ok(id);

    const inCall = new Promise<RecordedRequest>((resolve) => (arrived = resolve));
    void a.api('POST', `/v1/accounts/${id}/refresh`).catch(() => undefined);
    const first = await inCall;
    assert.equal(first.refreshToken, 'rt-1');
    const killedAt = Date.now();
    await a.kill();

    await sleep(3100 - (Date.now() - killedAt)); // at-1 (3 s) has expired by now
    const res = await b.api('GET', `/v1/accounts/${id}?include_credentials=1`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.credentials.oauth_access_token, 'at-2');
    assert.equal(res.body.data.credentials.oauth_refresh_token, 'rt-2');
    assert.equal(res.body.data.dead, false);
    assert.ok(Date.parse(res.body.data.expires_at) > Date.now() + 3000_000);
    assert.ok(Date.now() - killedAt >= LEASE_MS - 200, 'the dead holder kept the lease to expiry');

    const refreshTokens = fake.requests
      .filter((r) => r.grantType === 'refresh_token')
      .map((r) => r.refreshToken);
    assert.deepEqual(refreshTokens, ['rt-1', 'rt-1'], 'the taker sent the same refresh token');

    // Stored for good: another read serves it without a new call.
    const again = await b.api('GET', `/v1/accounts/${id}?include_credentials=1`);
    assert.equal(again.body.data.credentials.oauth_access_token, 'at-2');
    assert.equal(fake.requests.filter((r) => r.grantType === 'refresh_token').length, 2);
  });
});
