import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { registerErrorHandling } from '../../src/http/plugins/errors.ts';
import { dashboardRoutes } from '../../src/http/routes/dashboard.ts';

/** A bare app with the JSON error handling, one API route and the dashboard from `dir`. */
async function appWith(dir: string): Promise<{ app: FastifyInstance; logs: () => string }> {
  let captured = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      captured += chunk.toString();
      done();
    },
  });
  const app = Fastify({ loggerInstance: pino(sink) }) as unknown as FastifyInstance;
  registerErrorHandling(app);
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/v1/accounts', () => ({ data: [] }));
  dashboardRoutes(app, dir);
  await app.ready();
  return { app, logs: () => captured };
}

describe('the dashboard route', () => {
  let dist: string;
  let app: FastifyInstance;

  before(async () => {
    dist = mkdtempSync(join(tmpdir(), 'latchkey-web-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Latchkey</title>');
    writeFileSync(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
    ({ app } = await appWith(dist));
  });

  after(async () => {
    await app.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves index.html at / and at any dashboard path, with a strict CSP', async () => {
    for (const url of ['/', '/accounts', '/signup?invitation=inv_x', '/connect?app=github']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assert.match(res.body, /<title>Latchkey<\/title>/);
      assert.match(res.headers['content-security-policy'] as string, /script-src 'self'/);
      assert.equal(res.headers['cache-control'], 'no-cache');
    }
  });

  it('serves hashed assets as immutable, with their content type', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/javascript/);
    assert.match(res.headers['cache-control'] as string, /immutable/);
  });

  it('answers a missing asset with the JSON 404, never with the page', async () => {
    for (const url of ['/assets/index-old.js', '/favicon.ico', '/robots.txt']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, 'not_found');
    }
  });

  it('never shadows /v1, /docs, /healthz, /readyz or /metrics', async () => {
    const urls = ['/v1', '/v1/nope', '/v1/accounts/x/y', '/docs/x', '/readyz', '/metrics'];
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, 'not_found', url);
    }
    assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/accounts' })).json(), {
      data: [],
    });
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).json().status, 'ok');
  });

  it('leaves other methods to the JSON 404', async () => {
    const res = await app.inject({ method: 'POST', url: '/accounts' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'not_found');
  });
});

describe('the dashboard route without a build', () => {
  it('logs one clear line, answers pages with 503 and keeps the API 404s', async () => {
    const missing = join(tmpdir(), 'latchkey-no-such-dist');
    const { app, logs } = await appWith(missing);
    try {
      assert.match(logs(), /dashboard not built.*npm run build:web/);
      const page = await app.inject({ method: 'GET', url: '/accounts' });
      assert.equal(page.statusCode, 503);
      assert.match(page.body, /npm run build:web/);
      const api = await app.inject({ method: 'GET', url: '/v1/nope' });
      assert.equal(api.statusCode, 404);
      assert.equal(api.json().code, 'not_found');
    } finally {
      await app.close();
    }
  });
});
