import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/config.ts';
import type { Clock } from '../../src/lib/clock.ts';
import type { WireOptions } from '../../src/oauth/index.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import type { Dialect } from '../../src/store/db.ts';
import { requestJson } from './http.ts';
import { createTestDatabase } from './stores.ts';

export interface TestLatchkey {
  readonly server: RunningServer;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** An owner (admin-scope) API key of the first workspace. */
  readonly apiKey: string;
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** Every log line the server wrote, as raw text. */
  logs(): string;
  /** fetch against the server with the owner key (or `key`), JSON in and out. */
  api(
    method: string,
    path: string,
    body?: unknown,
    key?: string | null,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export interface TestLatchkeyOptions {
  dialect?: Dialect;
  /** Reuse an existing database URL (e.g. several servers on one PostgreSQL). */
  databaseUrl?: string;
  env?: Record<string, string>;
  clock?: Clock;
  wire?: WireOptions;
  port?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A real Latchkey on a free loopback port, with its own data folder and database. */
export async function startTestLatchkey(opts: TestLatchkeyOptions = {}): Promise<TestLatchkey> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-data-'));
  const database = opts.databaseUrl
    ? { url: opts.databaseUrl, drop: async () => undefined }
    : await createTestDatabase(opts.dialect ?? 'sqlite');
  const port = opts.port ?? (await freePort());
  const apiKey = `lk_${randomBytes(32).toString('base64url')}`;
  const config = loadConfig({
    LATCHKEY_DATA_DIR: dataDir,
    LATCHKEY_DATABASE_URL: database.url,
    LATCHKEY_PORT: String(port),
    LATCHKEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    LATCHKEY_BOOTSTRAP_API_KEY: apiKey,
    LATCHKEY_LOG_LEVEL: 'debug',
    LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64'),
    ...opts.env,
  });

  let captured = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      captured += chunk.toString();
      done();
    },
  });
  const server = await startServer({
    config,
    clock: opts.clock,
    wire: opts.wire,
    logDestination: sink,
  });
  const url = `http://127.0.0.1:${port}`;

  return {
    server,
    url,
    apiKey,
    dataDir,
    databaseUrl: database.url,
    logs: () => captured,
    api(method, path, body, key = apiKey) {
      const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
      return requestJson(url + path, method, body, headers);
    },
    async close() {
      await server.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
