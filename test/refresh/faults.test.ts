/**
 * Fault injection: for a while the provider answers a share of refreshes with 5xx pages, 429
 * with Retry-After, or not at all (timeouts). No account is marked dead, no expired token is
 * served, and a read gets 503 only when the account's token has actually run out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFakeTokenEndpoint } from '../support/fake-token-endpoint.ts';
import { startTestLatchkey } from '../support/latchkey.ts';
import { connectViaFake, json, ProviderModel, registerFakeApp, sleep } from './support.ts';

const FAULT_SHARE = 0.4;
const RUN_MS = 10_000;

describe('a flaky provider', () => {
  it('never kills an account nor serves an expired token', async () => {
    let faulty = true;
    const model = new ProviderModel({
      ttlSeconds: 4,
      fault: () => {
        if (!faulty || Math.random() >= FAULT_SHARE) return null;
        const pick = Math.floor(Math.random() * 3);
        if (pick === 0) {
          return { status: 502, headers: { 'Content-Type': 'text/html' }, body: '<h1>502</h1>' };
        }
        if (pick === 1) return json(429, { error: 'rate_limited' }, { 'Retry-After': '1' });
        return 'hang';
      },
    });
    const fake = await startFakeTokenEndpoint(model.handler);
    const lk = await startTestLatchkey({
      wire: { timeoutMs: 400 },
      env: { LATCHKEY_REFRESH_INTERVAL_MS: '100' },
    });
    try {
      await registerFakeApp(lk, 'flaky', fake.origin);
      const ids: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        const { accountId } = await connectViaFake(lk, 'flaky', { externalUserId: `u${i}` });
        ids.push(accountId!);
      }
      const grantOf = new Map<string, string>();

      const outcomes = { ok: 0, unavailable: 0 };
      const stopAt = Date.now() + RUN_MS;
      const reader = async (n: number) => {
        for (let k = n; Date.now() < stopAt; k += 1) {
          const id = ids[k % ids.length]!;
          const res = await lk.api('GET', `/v1/accounts/${id}?include_credentials=1`);
          const at = Date.now();
          if (res.status === 200) {
            outcomes.ok += 1;
            const token = res.body.data.credentials.oauth_access_token as string;
            const issued = model.issued.get(token);
            assert.ok(issued, 'a token the provider issued');
            grantOf.set(id, issued.grant);
            assert.ok(Date.parse(res.body.data.expires_at) > at, 'expired token served');
            assert.ok(issued.expiresAt > at, 'token already expired at the provider');
          } else {
            assert.equal(res.status, 503, JSON.stringify(res.body));
            assert.equal(res.body.code, 'refresh_unavailable');
            assert.ok(Number(res.headers.get('retry-after')) >= 1);
            outcomes.unavailable += 1;
            const grant = grantOf.get(id);
            if (grant) {
              // 503 only when the newest token really is (about to be) expired.
              const latest = model.latestExpiry.get(grant)!;
              assert.ok(latest <= at + 1500, `503 with ${latest - at} ms of token left`);
            }
          }
          await sleep(20);
        }
      };
      await Promise.all([0, 1, 2].map(reader));

      for (const id of ids) {
        const view = (await lk.api('GET', `/v1/accounts/${id}`)).body.data;
        assert.equal(view.dead, false, `${id} marked dead by passing failures`);
      }
      assert.ok(model.faults > 0, 'faults were injected');
      assert.equal(model.invalidGrants, 0, 'no refresh token was lost to a timeout');

      // Once the provider recovers, every account comes back without a reconnect.
      faulty = false;
      for (const id of ids) {
        const res = await lk.api('POST', `/v1/accounts/${id}/refresh`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const read = await lk.api('GET', `/v1/accounts/${id}?include_credentials=1`);
        assert.equal(read.status, 200);
        assert.equal(read.body.data.healthy, true);
      }
      console.log(
        `${outcomes.ok} reads served, ${outcomes.unavailable} answered 503; ` +
          `${model.refreshes} refreshes, ${model.faults} injected faults`,
      );
    } finally {
      await lk.close();
      await fake.close();
    }
  });
});
