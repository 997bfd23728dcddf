import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { finished, runCli, startCli } from './run-cli.ts';

/** Makes `count` things with `make(i)`, a few requests at a time. */
async function many(count: number, make: (i: number) => Promise<{ status: number }>) {
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: Math.min(20, count - i) }, (_, j) => make(i + j));
    for (const res of await Promise.all(batch)) assert.ok(res.status < 300, String(res.status));
  }
}

describe('CLI lists longer than one page of the API', () => {
  let lk: TestLatchkey;
  let server: { url: string; apiKey: string };
  const cli = (args: string[]) => runCli(server, args);

  /** What the server says the whole list holds. */
  const total = async (path: string) => {
    const res = await lk.api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=1`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.page_info.total_count as number;
  };
  /** How many GETs of `path` the server has logged so far. */
  const gets = (path: string) =>
    lk
      .logs()
      .split('\n')
      .filter((line) => line.includes(`"method":"GET","path":"${path}"`)).length;

  before(async () => {
    lk = await startTestLatchkey();
    server = { url: lk.url, apiKey: lk.apiKey };
    await many(105, (i) =>
      lk.api('POST', '/v1/api_keys', { name: `key-${i}`, scopes: ['accounts:read'] }),
    );
    await many(101, (i) =>
      lk.api('POST', '/v1/oauth_apps', { app: 'github', client_id: `client-${i}` }),
    );
    await many(100, (i) =>
      lk.api('POST', '/v1/apps', {
        name_slug: `custom-${i}`,
        name: `Custom ${i}`,
        auth_type: 'keys',
        fields: [{ name: 'api_key', label: 'API key' }],
      }),
    );
  });
  after(() => lk?.close());

  it('keys list shows every key, asking 100 a page', async () => {
    const expected = await total('/v1/api_keys');
    assert.ok(expected > 100);
    const before = gets('/v1/api_keys');
    const [json, table] = await Promise.all([
      cli(['keys', 'list', '--json']),
      cli(['keys', 'list']),
    ]);
    assert.equal(json.code, 0, json.stderr);
    const keys = JSON.parse(json.stdout) as Array<{ id: string }>;
    assert.equal(keys.length, expected);
    assert.equal(new Set(keys.map((k) => k.id)).size, expected);
    assert.equal(table.stdout.trim().split('\n').length, expected + 1);
    // Two runs of two pages each (100 + the rest), not five pages of the default 25.
    assert.equal(gets('/v1/api_keys') - before, 4);
  });

  it('oauth-apps list and apps list show every item', async () => {
    const [oauthExpected, appsExpected] = await Promise.all([
      total('/v1/oauth_apps'),
      total('/v1/apps'),
    ]);
    assert.ok(oauthExpected > 100 && appsExpected > 100);
    const [oauthApps, filtered, apps] = await Promise.all([
      cli(['oauth-apps', 'list', '--json']),
      cli(['oauth-apps', 'list', '--app', 'github']),
      cli(['apps', 'list', '--json']),
    ]);
    assert.equal(oauthApps.code, 0, oauthApps.stderr);
    assert.equal((JSON.parse(oauthApps.stdout) as unknown[]).length, oauthExpected);
    assert.equal(filtered.stdout.trim().split('\n').length, 101 + 1);
    assert.equal(apps.code, 0, apps.stderr);
    const slugs = (JSON.parse(apps.stdout) as Array<{ name_slug: string }>).map((a) => a.name_slug);
    assert.equal(slugs.length, appsExpected);
    assert.ok(
      slugs.includes('github') && slugs.includes('custom-0') && slugs.includes('custom-99'),
    );
  });

  it('audit tail -n beyond one page shows that many events, oldest first', async () => {
    let events: Array<{ id: string; created_at: string }> = [];
    for (let i = 0; i < 20 && events.length < 150; i += 1) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 250)); // batched writes
      const result = await cli(['audit', 'tail', '-n', '150', '--json']);
      assert.equal(result.code, 0, result.stderr);
      events = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
    }
    assert.equal(events.length, 150);
    assert.equal(new Set(events.map((e) => e.id)).size, 150);
    const times = events.map((e) => Date.parse(e.created_at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
  });

  it('audit tail --follow prints new events once, and nothing older than its window', async () => {
    const child = startCli(server, ['audit', 'tail', '-n', '3', '--follow', '--interval', '100']);
    const done = finished(child);
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const lines = () => printed.trim().split('\n').filter(Boolean);
    const until = async (test: () => boolean) => {
      for (let i = 0; i < 100 && !test(); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      await until(() => lines().length >= 3);
      assert.equal(lines().length, 3, printed);
      await many(5, (i) =>
        lk.api('POST', '/v1/api_keys', { name: `followed-${i}`, scopes: ['accounts:read'] }),
      );
      await until(() => lines().length >= 8);
      await new Promise((resolve) => setTimeout(resolve, 500)); // a few more polls
      assert.equal(lines().length, 8, printed);
      assert.equal(
        lines()
          .slice(3)
          .filter((l) => /api_key\.created/.test(l)).length,
        5,
      );
    } finally {
      child.kill('SIGTERM');
      await done;
    }
  });
});
