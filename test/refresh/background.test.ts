/**
 * The background refresher on its own: short tokens stay fresh with no reads at all, and a
 * batch is refreshed with bounded concurrency overall and per provider host.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFakeTokenEndpoint, type FakeResponse } from '../support/fake-token-endpoint.ts';
import { startTestLatchkey } from '../support/latchkey.ts';
import { connectViaFake, json, ProviderModel, registerFakeApp, sleep } from './support.ts';

describe('background refresher', () => {
  it('keeps every account fresh ahead of expiry without any reads', async () => {
    const model = new ProviderModel({ ttlSeconds: 3 });
    const fake = await startFakeTokenEndpoint(model.handler);
    const lk = await startTestLatchkey({ env: { LATCHKEY_REFRESH_INTERVAL_MS: '100' } });
    try {
      await registerFakeApp(lk, 'short', fake.origin);
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const { accountId } = await connectViaFake(lk, 'short', { externalUserId: `u${i}` });
        ids.push(accountId!);
      }
      const repo = lk.server.services.repos.accounts;
      const stopAt = Date.now() + 8_000;
      let samples = 0;
      while (Date.now() < stopAt) {
        for (const id of ids) {
          const row = (await repo.get(id))!;
          const now = Date.now();
          assert.ok(row.expires_at! > now, `${id} expired without reads`);
          assert.ok(row.next_refresh_at! < row.expires_at!, 'acts before expiry');
          samples += 1;
        }
        await sleep(100);
      }
      assert.ok(samples > 100);
      for (const id of ids) {
        const view = (await lk.api('GET', `/v1/accounts/${id}`)).body.data;
        assert.ok(view.last_refreshed_at, 'last_refreshed_at is shown');
        assert.ok(Date.parse(view.next_refresh_at) < Date.parse(view.expires_at));
      }
      assert.equal(model.invalidGrants, 0);
      for (const times of model.refreshTimes.values()) {
        // 3 s tokens, margin capped at half the lifetime: one refresh every ~1.5 s.
        assert.ok(times.length >= 4, `only ${times.length} refreshes in 8 s`);
        for (let i = 1; i < times.length; i += 1) {
          assert.ok(times[i]! - times[i - 1]! >= 1_000, 'not more than once per expiry');
        }
      }
      assert.equal(model.refreshTimes.size, ids.length);
    } finally {
      await lk.close();
      await fake.close();
    }
  });

  it('bounds concurrency overall and per provider host', async () => {
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    let peakAll = 0;
    let all = 0;
    const slowFake = async (name: string) =>
      startFakeTokenEndpoint(async (req): Promise<FakeResponse> => {
        if (req.grantType === 'authorization_code') {
          return json(200, { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3600 });
        }
        inFlight.set(name, (inFlight.get(name) ?? 0) + 1);
        all += 1;
        peak.set(name, Math.max(peak.get(name) ?? 0, inFlight.get(name)!));
        peakAll = Math.max(peakAll, all);
        await sleep(150);
        inFlight.set(name, inFlight.get(name)! - 1);
        all -= 1;
        return json(200, { access_token: 'at-2', refresh_token: 'rt-2', expires_in: 3600 });
      });
    const fakes = [await slowFake('a'), await slowFake('b'), await slowFake('c')];
    const lk = await startTestLatchkey({
      env: {
        LATCHKEY_REFRESH_INTERVAL_MS: '0',
        LATCHKEY_REFRESH_CONCURRENCY: '5',
        LATCHKEY_REFRESH_PER_HOST_CONCURRENCY: '2',
      },
    });
    try {
      const ids: string[] = [];
      for (const [i, fake] of fakes.entries()) {
        await registerFakeApp(lk, `host${i}`, fake.origin);
        for (let k = 0; k < 6; k += 1) {
          const { accountId } = await connectViaFake(lk, `host${i}`, { externalUserId: `u${k}` });
          ids.push(accountId!);
        }
      }
      const repo = lk.server.services.repos.accounts;
      for (const id of ids) await repo.update(id, { next_refresh_at: Date.now() - 1000 });

      const n = await lk.server.services.scheduler.tick();
      assert.equal(n, ids.length);
      for (const [name, p] of peak) assert.ok(p <= 2, `host ${name}: ${p} at once`);
      assert.ok(peakAll <= 5, `${peakAll} at once overall`);
      assert.ok(peakAll >= 4, 'hosts are refreshed side by side');
      for (const id of ids) {
        const row = (await repo.get(id))!;
        assert.ok(row.last_refreshed_at, `${id} refreshed`);
        assert.ok(row.next_refresh_at! > Date.now());
      }
      assert.equal(await lk.server.services.scheduler.tick(), 0, 'nothing due afterwards');
    } finally {
      await lk.close();
      await Promise.all(fakes.map((f) => f.close()));
    }
  });
});
