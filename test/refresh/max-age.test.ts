import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeTokenEndpoint } from '../support/fake-token-endpoint.ts';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { connectViaFake, json, registerFakeApp, sleep } from './support.ts';

describe('tokens without expiry', () => {
  let lk: TestLatchkey;
  let fake: Awaited<ReturnType<typeof startFakeTokenEndpoint>>;

  before(async () => {
    let n = 0;
    // Tokens that never expire (no expires_in), with a refresh token, as some providers send.
    fake = await startFakeTokenEndpoint(() =>
      json(200, { access_token: `at-${++n}`, refresh_token: `rt-${n}`, token_type: 'bearer' }),
    );
    lk = await startTestLatchkey({ env: { LATCHKEY_REFRESH_INTERVAL_MS: '200' } });
    await registerFakeApp(lk, 'forever', fake.origin);
    await registerFakeApp(lk, 'aged', fake.origin, { max_token_age_seconds: 2 });
  });

  after(async () => {
    await lk?.close();
    await fake?.close();
  });

  it('are never refreshed, unless their app sets a maximum age', async () => {
    const forever = (await connectViaFake(lk, 'forever')).accountId!;
    const aged = (await connectViaFake(lk, 'aged')).accountId!;
    const read = async (id: string) => (await lk.api('GET', `/v1/accounts/${id}`)).body.data;
    assert.equal((await read(forever)).next_refresh_at, null);
    assert.ok((await read(aged)).next_refresh_at);

    await sleep(3000);
    const agedNow = await read(aged);
    assert.ok(agedNow.last_refreshed_at, 'refreshed once it was older than its maximum age');
    assert.equal(agedNow.expires_at, null, 'and still without expiry');
    const foreverNow = await read(forever);
    assert.equal(foreverNow.last_refreshed_at, null);
    const app = await lk.api('GET', '/v1/apps/aged');
    assert.equal(app.body.data.oauth.max_token_age_seconds, 2);
  });
});
