import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../../src/lib/clock.ts';
import { freePort, startTestLatchkey, type TestLatchkey } from '../support/latchkey.ts';
import { finished, lineMatching, runCli, startCli } from './run-cli.ts';

const ESC = '\u001b';
/** Clears the screen and turns the text red; then DEL, C1 CSI and bidi overrides. */
const hostile = `\u001b[2J\u001b[31mPWNED\u007f\u009b\u202eevil\u2066x\u2069`;

describe('the CLI without a database', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const serverEnv = (dataDir: string) => ({
    LATCHKEY_DATA_DIR: dataDir,
    LATCHKEY_DATABASE_URL: undefined,
    LATCHKEY_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    LATCHKEY_LOG_LEVEL: 'info',
  });
  const none = { url: 'http://127.0.0.1:9', apiKey: '' };

  it('keys rotate exits 2 with a sentence, and creates no database file', async () => {
    const dataDir = fresh();
    const result = await runCli(none, ['keys', 'rotate'], { env: serverEnv(dataDir) });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^No database at .*latchkey\.db: run this where the server/);
    assert.doesNotMatch(result.stderr, /SqliteError|\n\s+at /);
    assert.deepEqual(readdirSync(dataDir), []);
  });

  it('a --url that is not http(s) exits 2 before any request', async () => {
    for (const url of ['ftp://127.0.0.1:9', 'not a url']) {
      const result = await runCli({ url, apiKey: 'lk_made-up' }, ['accounts', 'list']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /--url \/ LATCHKEY_URL/);
    }
  });

  it('keys rotate on a file without Latchkey tables exits 2 and says to migrate', async () => {
    const dataDir = fresh();
    writeFileSync(join(dataDir, 'latchkey.db'), '');
    const result = await runCli(none, ['keys', 'rotate'], { env: serverEnv(dataDir) });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /no Latchkey tables: run `latchkey migrate`/);
    assert.doesNotMatch(result.stderr, /SqliteError|\n\s+at /);
  });

  it('serve still starts on a fresh folder and creates its database', async () => {
    const dataDir = fresh();
    const port = await freePort();
    const child = startCli(none, ['serve', '--port', String(port)], { ...serverEnv(dataDir) });
    const done = finished(child);
    try {
      await lineMatching(child, /latchkey is listening/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
      assert.ok(existsSync(join(dataDir, 'latchkey.db')));
      // Sealed credentials and key hashes: the file is readable by its owner only.
      assert.equal(statSync(join(dataDir, 'latchkey.db')).mode & 0o777, 0o600);
    } finally {
      child.kill('SIGTERM');
      await done;
    }
  });
});

describe('npm start', () => {
  it('passes SIGTERM on to the server, which stops (as a process manager expects)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-npm-start-'));
    const port = await freePort();
    const root = new URL('../..', import.meta.url).pathname;
    const npm = spawn('npm', ['start'], {
      cwd: root,
      env: {
        ...process.env,
        LATCHKEY_DATA_DIR: dataDir,
        LATCHKEY_DATABASE_URL: '',
        LATCHKEY_PORT: String(port),
        LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64'),
      },
      stdio: 'ignore',
    });
    const up = async () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
    try {
      for (let i = 0; i < 300 && !(await up()); i++) await sleep(100);
      assert.ok(await up(), 'the server answered');

      npm.kill('SIGTERM');
      let stopped = false;
      for (let i = 0; i < 100 && !stopped; i++) {
        stopped = !(await up());
        if (!stopped) await sleep(100);
      }
      assert.ok(stopped, 'the server still answers 10 s after npm got SIGTERM');
    } finally {
      npm.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the CLI against a server with hostile data', () => {
  let lk: TestLatchkey;
  let fake: Server;
  let server: { url: string; apiKey: string };

  before(async () => {
    lk = await startTestLatchkey();
    // Latchkey itself now refuses such names; a server that sends them anyway (an older one,
    // a proxy, a compromised one) must still not reach the terminal.
    fake = await hostileServer();
    const address = fake.address() as AddressInfo;
    server = { url: `http://127.0.0.1:${address.port}`, apiKey: 'lk_made-up' };
  });
  after(async () => {
    await lk?.close();
    await new Promise((resolve) => fake?.close(resolve));
  });

  it('tables show control and bidi characters as escapes', async () => {
    const result = await runCli(server, ['keys', 'list']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes(ESC), 'no escape character reaches the terminal');
    for (const c of ['\u007f', '\u009b', '\u202e', '\u2066', '\u2069']) {
      assert.ok(!result.stdout.includes(c), `U+${c.charCodeAt(0).toString(16)}`);
    }
    assert.ok(
      result.stdout.includes('\\u001b[2J\\u001b[31mPWNED\\u007f\\u009b\\u202eevil\\u2066x\\u2069'),
      result.stdout,
    );
  });

  it('--json keeps the exact value, with every control character escaped', async () => {
    const result = await runCli(server, ['keys', 'list', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(result.stdout.replaceAll('\n', '')));
    const keys = JSON.parse(result.stdout) as Array<{ name: string }>;
    assert.ok(keys.some((k) => k.name === hostile));
  });

  it('error messages from the server are escaped too', async () => {
    const result = await runCli(server, ['accounts', 'get', `apn_${ESC}[2Jx`]);
    assert.notEqual(result.code, 0);
    assert.ok(!result.stderr.includes(ESC), result.stderr);
    assert.ok(result.stderr.includes('apn_\\u001b[2Jx'), result.stderr);
  });

  it('a failed issuer discovery exits 2 and says what to check', async () => {
    const real = { url: lk.url, apiKey: lk.apiKey };
    const result = await runCli(real, ['apps', 'add', 'gone', '--issuer', 'http://127.0.0.1:9']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /discovery_failed/);
    assert.match(result.stderr, /hint: .*reachable from the server.*--authorization-url/);

    const json = await runCli(real, [
      'apps',
      'add',
      'gone',
      '--issuer',
      'http://127.0.0.1:9',
      '--json',
    ]);
    assert.equal(json.code, 2);
    const body = JSON.parse(json.stderr);
    assert.equal(body.code, 'discovery_failed');
    assert.match(body.hint, /--authorization-url/);
  });
});

/** Answers the CLI's key list and account reads with control and bidi characters. */
async function hostileServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/v1/api_keys') {
      const key = {
        id: 'key_hostile',
        name: hostile,
        prefix: 'lk_abc',
        scopes: ['accounts:read'],
        created_at: new Date().toISOString(),
        last_used_at: null,
        expires_at: null,
      };
      const pageInfo = { count: 1, total_count: 1, start_cursor: null, end_cursor: null };
      return send(200, { data: [key], page_info: pageInfo });
    }
    const id = path.replace('/v1/accounts/', '');
    send(404, { error: `No account ${id}.`, code: 'account_not_found', request_id: 'req_1' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
