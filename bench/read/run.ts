// bench/read: throughput and p99 latency of the credentials read, next to a bare Fastify route
// that returns the same bytes from memory. Prints the figures and their ratio.
//   npm run bench:read            (SQLite; PostgreSQL too when LATCHKEY_TEST_DATABASE_URL is set)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createTestDatabase } from '../../test/support/stores.ts';
import { freePort } from '../../test/support/latchkey.ts';

const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const duration = Number(process.env.BENCH_SECONDS ?? 10);
const root = new URL('../..', import.meta.url).pathname;

interface Result {
  rps: number;
  p99: number;
  errors: number;
}

async function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      if (process.env.BENCH_DEBUG) process.stderr.write(chunk);
      seen += chunk.toString();
      if (pattern.test(seen)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${seen.slice(-2000)}`)));
  });
}

/** Waits for /healthz (the start-up log line may be below the chosen log level). */
async function untilHealthy(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw new Error(`latchkey exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('latchkey did not become healthy in 30 s');
}

async function load(url: string, headers: Record<string, string> = {}): Promise<Result> {
  const run = (seconds: number) =>
    autocannon({ url, connections, duration: seconds, headers, pipelining: 1 });
  await run(2); // warm-up: JIT, connection pools, SQLite page cache
  const r = await run(duration);
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.non2xx + r.errors };
}

async function startLatchkey(databaseUrl: string, key: string) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the server there (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const child = spawn(process.execPath, [...profile, join(root, 'bin/latchkey.js'), 'serve'], {
    env: {
      ...process.env,
      LATCHKEY_PORT: String(port),
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_DATABASE_URL: databaseUrl,
      LATCHKEY_BOOTSTRAP_API_KEY: key,
      LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64'),
      LATCHKEY_LOG_LEVEL: process.env.LATCHKEY_LOG_LEVEL ?? 'info',
      LATCHKEY_RATE_LIMIT_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await untilHealthy(`http://127.0.0.1:${port}`, child);
  child.stdout?.resume();
  child.stderr?.resume();
  return { url: `http://127.0.0.1:${port}`, child, dataDir };
}

/** A keys account whose credentials the bench reads; no provider is involved. */
async function seedAccount(url: string, key: string): Promise<string> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { data: Record<string, string> };
  };
  await post('/v1/apps', {
    name_slug: 'bench',
    name: 'Bench',
    auth_type: 'keys',
    fields: [{ name: 'api_key', label: 'API key', secret: true }],
  });
  const token = await post('/v1/connect/tokens', { app: 'bench' });
  const done = await fetch(url + '/v1/connect/link', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: token.data.token, api_key: 'made-up-bench-key-0123456789' }),
  });
  const html = await done.text();
  const id = /apn_[\w-]+/.exec(html)?.[0];
  if (!id) throw new Error('no account created');
  return id;
}

async function benchDialect(dialect: 'sqlite' | 'postgres') {
  const database = await createTestDatabase(dialect);
  const key = `lk_${randomBytes(32).toString('base64url')}`;
  const lk = await startLatchkey(database.url, key);
  let bare: ChildProcess | undefined;
  try {
    const id = await seedAccount(lk.url, key);
    const path = `/v1/accounts/${id}?include_credentials=1`;
    const headers = { authorization: `Bearer ${key}` };
    const body = await (await fetch(lk.url + path, { headers })).text();

    const barePort = await freePort();
    bare = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/read/bare-server.ts')], {
      env: { ...process.env, PORT: String(barePort), BARE_BODY: body },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForLine(bare, /listening/);

    const ours = await load(lk.url + path, headers);
    const base = await load(`http://127.0.0.1:${barePort}${path}`, headers);
    const ratio = ours.rps / base.rps;
    console.log(
      `${dialect.padEnd(8)} credentials read: ${ours.rps.toFixed(0)} req/s, p99 ${ours.p99} ms` +
        ` (errors ${ours.errors}) | bare route: ${base.rps.toFixed(0)} req/s, p99 ${base.p99} ms` +
        ` | ratio ${ratio.toFixed(2)}`,
    );
  } finally {
    bare?.kill();
    lk.child.kill('SIGTERM');
    await new Promise((resolve) => lk.child.once('exit', resolve));
    rmSync(lk.dataDir, { recursive: true, force: true });
    await database.drop();
  }
}

console.log(
  `bench/read: ${connections} connections, ${duration} s per run, log level ` +
    `${process.env.LATCHKEY_LOG_LEVEL ?? 'info'}`,
);
await benchDialect('sqlite');
if (process.env.LATCHKEY_TEST_DATABASE_URL) await benchDialect('postgres');
else console.log('postgres skipped: LATCHKEY_TEST_DATABASE_URL is not set');
