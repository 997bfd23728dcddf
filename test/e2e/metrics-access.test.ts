import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';

const metricsToken = 'made-up-metrics-token-0123456789';

describe('GET /metrics without a metrics token', () => {
  let lk: TestLatchkey;
  before(async () => {
    // The test's client connects from loopback; a trusted proxy lets it speak for another host.
    lk = await startTestLatchkey({ env: { LATCHKEY_TRUSTED_PROXIES: 'loopback' } });
  });
  after(() => lk.close());

  it('serves the figures to a client on this machine', async () => {
    const res = await fetch(`${lk.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^latchkey_credential_reads_total \d+$/m);
  });

  it('refuses a client on another machine, saying how to allow scraping', async () => {
    const res = await fetch(`${lk.url}/metrics`, {
      headers: { 'x-forwarded-for': '203.0.113.5' },
    });
    assert.equal(res.status, 403);
    const body = await res.json();
    assert.equal(body.code, 'forbidden');
    assert.match(body.error, /LATCHKEY_METRICS_TOKEN/);
    assert.match(body.request_id, /^req_/);
  });
});

describe('GET /metrics with a metrics token', () => {
  let lk: TestLatchkey;
  before(async () => {
    lk = await startTestLatchkey({ env: { LATCHKEY_METRICS_TOKEN: metricsToken } });
  });
  after(() => lk.close());

  it('refuses a scrape without the token or with another one, even from this machine', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer made-up-wrong-token-0123456789' },
      { authorization: `Bearer ${metricsToken}x` },
      { authorization: metricsToken },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${lk.url}/metrics`, { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal((await res.json()).code, 'unauthorized');
    }
  });

  it('serves the figures to a scraper that sends the token', async () => {
    const res = await fetch(`${lk.url}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^latchkey_http_request_duration_seconds_count/m);
  });

  it('never writes the token to the log, not even in the start-up configuration', () => {
    const logs = lk.logs();
    assert.match(logs, /"metricsToken":"\*\*\*"/);
    assert.equal(logs.includes(metricsToken), false);
  });
});
