/**
 * Helpers shared by the refresh tests: connecting accounts over HTTP against a fake or real
 * provider, spawning real `latchkey serve` processes, and a small in-memory OAuth provider
 * whose token endpoint can be told to fail.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeResponse, RecordedRequest } from '../support/fake-token-endpoint.ts';
import { requestJson } from '../support/http.ts';
import { freePort } from '../support/latchkey.ts';
import { completeAuthorization } from '../support/oidc/index.ts';

export interface ApiResult {
  status: number;
  body: any;
  headers: Headers;
}

/** Anything that answers the Latchkey API: an in-process test server or a spawned process. */
export interface Api {
  readonly url: string;
  api(method: string, path: string, body?: unknown): Promise<ApiResult>;
}

export function apiClient(url: string, apiKey: string): Api {
  return {
    url,
    api: (method, path, body) =>
      requestJson(url + path, method, body, { authorization: `Bearer ${apiKey}` }),
  };
}

/** Registers a custom app whose endpoints are a fake's, and an OAuth client for it. */
export async function registerFakeApp(
  lk: Api,
  slug: string,
  origin: string,
  oauth: Record<string, unknown> = {},
): Promise<void> {
  const app = await lk.api('POST', '/v1/apps', {
    name_slug: slug,
    name: slug,
    auth_type: 'oauth',
    oauth: {
      authorization_url: `${origin}/authorize`,
      token_url: `${origin}/token`,
      token_auth_method: 'client_secret_post',
      ...oauth,
    },
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const client = await lk.api('POST', '/v1/oauth_apps', {
    app: slug,
    client_id: 'client-1',
    client_secret: 'made-up-secret-1',
    scopes: ['read'],
  });
  assert.equal(client.status, 201, JSON.stringify(client.body));
}

const SUCCESS = 'http://127.0.0.1:9/connected';

/**
 * Connects an account of `slug` as a browser would against a fake provider: the connect link
 * redirects to the fake's /authorize (not fetched), and the callback is called with a code,
 * which Latchkey exchanges at the fake's token endpoint. Returns the new account id, or null
 * when the connect failed (with the callback's status).
 */
export async function connectViaFake(
  lk: Api,
  slug: string,
  opts: { externalUserId?: string; reconnect?: string } = {},
): Promise<{ accountId: string | null; status: number }> {
  const token = await lk.api('POST', '/v1/connect/tokens', {
    app: slug,
    success_redirect_uri: SUCCESS,
    ...(opts.externalUserId ? { external_user_id: opts.externalUserId } : {}),
  });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  const link = new URL(token.body.data.connect_link_url);
  if (opts.reconnect) link.searchParams.set('account_id', opts.reconnect);
  const started = await fetch(link, { redirect: 'manual' });
  assert.equal(started.status, 302, await started.text());
  const authorize = new URL(started.headers.get('location')!);
  const state = authorize.searchParams.get('state')!;
  const callback = new URL('/v1/connect/callback', lk.url);
  callback.searchParams.set('code', `code-${randomBytes(4).toString('hex')}`);
  callback.searchParams.set('state', state);
  const done = await fetch(callback, { redirect: 'manual' });
  await done.text();
  const location = done.headers.get('location');
  if (done.status !== 302 || !location?.startsWith(SUCCESS)) {
    return { accountId: null, status: done.status };
  }
  return { accountId: new URL(location).searchParams.get('account_id'), status: done.status };
}

/** The connect flow against the real oidc-provider fixture, through any Latchkey process. */
export async function connectViaOidc(
  lk: Api,
  slug: string,
  externalUserId: string,
): Promise<string> {
  const token = await lk.api('POST', '/v1/connect/tokens', {
    app: slug,
    success_redirect_uri: SUCCESS,
    external_user_id: externalUserId,
  });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  const link = await fetch(token.body.data.connect_link_url, { redirect: 'manual' });
  assert.equal(link.status, 302, await link.text());
  const callback = await completeAuthorization(link.headers.get('location')!);
  const done = await fetch(callback, { redirect: 'manual' });
  assert.equal(done.status, 302, await done.text());
  const accountId = new URL(done.headers.get('location')!).searchParams.get('account_id');
  assert.ok(accountId?.startsWith('apn_'));
  return accountId!;
}

const BIN = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));

export interface LatchkeyProcess extends Api {
  readonly port: number;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for a clean exit (the audit log is flushed). */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface ProcessOptions {
  databaseUrl: string;
  masterKey: string;
  apiKey: string;
  port?: number;
  env?: Record<string, string>;
}

/** Shared secrets for a group of processes on one database. */
export function processSecrets() {
  return {
    masterKey: randomBytes(32).toString('base64'),
    apiKey: `lk_${randomBytes(32).toString('base64url')}`,
  };
}

/** Spawns `node bin/latchkey.js serve` and waits until /healthz answers. */
export async function spawnLatchkey(opts: ProcessOptions): Promise<LatchkeyProcess> {
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-proc-'));
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      LATCHKEY_DATABASE_URL: opts.databaseUrl,
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_PORT: String(port),
      LATCHKEY_PUBLIC_URL: url,
      LATCHKEY_MASTER_KEY: opts.masterKey,
      LATCHKEY_BOOTSTRAP_API_KEY: opts.apiKey,
      LATCHKEY_LOG_LEVEL: 'warn',
      LATCHKEY_RATE_LIMIT_PER_MINUTE: '1000000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`latchkey exited early:\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`latchkey did not start in 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const client = apiClient(url, opts.apiKey);
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  return {
    ...client,
    port,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      cleanup();
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      cleanup();
    },
  };
}

/**
 * A tiny provider for the fault-injection and background tests: rotating refresh tokens,
 * short access tokens, and a `fault` hook deciding per request whether to fail. It remembers
 * every access token it issued with its expiry, so tests can tell whether a served token was
 * valid at the provider.
 */
export class ProviderModel {
  private seq = 0;
  /** refresh token → grant id; a rotated one is removed (reuse is invalid_grant). */
  private readonly refreshTokens = new Map<string, string>();
  readonly issued = new Map<string, { grant: string; expiresAt: number }>();
  /** grant id → the newest access token's expiry (ms). */
  readonly latestExpiry = new Map<string, number>();
  refreshes = 0;
  invalidGrants = 0;
  faults = 0;
  /** Per grant, the times of successful refreshes. */
  readonly refreshTimes = new Map<string, number[]>();

  constructor(
    private readonly opts: {
      ttlSeconds: number;
      /** Returns a failure to send instead of tokens, or null; a `hang` never answers. */
      fault?: (req: RecordedRequest) => FakeResponse | 'hang' | null;
    },
  ) {}

  handler = async (req: RecordedRequest): Promise<FakeResponse> => {
    if (req.grantType === 'authorization_code') {
      const grant = `g${++this.seq}`;
      return this.tokens(grant);
    }
    if (req.grantType !== 'refresh_token') return json(400, { error: 'unsupported_grant_type' });
    const fault = this.opts.fault?.(req) ?? null;
    if (fault === 'hang') {
      this.faults += 1;
      // Answer long after any client gave up; the request changed nothing.
      return { ...json(503, { error: 'too_late' }), delayMs: 5_000 };
    }
    if (fault) {
      this.faults += 1;
      return fault;
    }
    const grant = this.refreshTokens.get(req.refreshToken ?? '');
    if (!grant) {
      this.invalidGrants += 1;
      return json(400, { error: 'invalid_grant' });
    }
    this.refreshTokens.delete(req.refreshToken!);
    this.refreshes += 1;
    const times = this.refreshTimes.get(grant) ?? [];
    times.push(Date.now());
    this.refreshTimes.set(grant, times);
    return this.tokens(grant);
  };

  private tokens(grant: string): FakeResponse {
    const n = ++this.seq;
    const access = `at-${grant}-${n}`;
    const refresh = `rt-${grant}-${n}`;
    this.refreshTokens.set(refresh, grant);
    const expiresAt = Date.now() + this.opts.ttlSeconds * 1000;
    this.issued.set(access, { grant, expiresAt });
    this.latestExpiry.set(grant, expiresAt);
    return json(200, {
      access_token: access,
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: this.opts.ttlSeconds,
    });
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
