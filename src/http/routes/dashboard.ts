import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build:web` (and `npm ci`, through `prepare`) puts the built dashboard. */
export const defaultDashboardDir = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Paths that belong to the API and operations; the dashboard never answers for them. */
const RESERVED = ['/v1', '/docs', '/healthz', '/readyz', '/metrics'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// Only our own files: no inline scripts, no remote hosts, no framing. Inline style attributes
// are not needed either (Preact sets styles through the CSSOM, which CSP does not restrict).
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

interface StaticFile {
  body: Buffer;
  type: string;
  cache: string;
}

export const isReserved = (path: string) =>
  RESERVED.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/**
 * Serves the built dashboard at `/`: its files by path, and index.html for any other GET so
 * that the dashboard's own paths (/accounts, /signup?invitation=…) load on a reload. The API,
 * /docs and the probes are never shadowed: their unknown paths keep the JSON 404. The files are
 * read once at start (a few hundred kB), so a request never touches the disk.
 */
export function dashboardRoutes(app: FastifyInstance, dir: string = defaultDashboardDir): void {
  const files = readDist(dir);
  const index = files.get('/index.html');
  if (index) {
    app.log.info({ dir, files: files.size }, 'dashboard served at /');
  } else {
    app.log.warn(
      { dir },
      'dashboard not built (web/dist/index.html is missing): run `npm run build:web`; ' +
        'the API works without it',
    );
  }

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = pathOf(request.url);
    if (path === null || isReserved(path)) return reply.callNotFound();

    const file = files.get(path);
    if (file) return send(reply, file);

    // A missing asset is a 404, not the page: a stale tab must not run HTML as a script.
    if (path.startsWith('/assets/') || extname(path) !== '') return reply.callNotFound();
    if (!index) return notBuilt(reply);
    return send(reply, index);
  });
}

function send(reply: FastifyReply, file: StaticFile) {
  return reply
    .header('content-type', file.type)
    .header('cache-control', file.cache)
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .send(file.body);
}

function notBuilt(reply: FastifyReply) {
  return reply
    .status(503)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      '<!doctype html><meta charset="utf-8"><title>Latchkey</title>' +
        '<h1>The dashboard is not built</h1><p>Run <code>npm run build:web</code> and restart. ' +
        'The HTTP API is running: see <a href="/docs">/docs</a>.</p>',
    );
}

/** The decoded path of a request URL, or null when it cannot be decoded. */
function pathOf(url: string): string | null {
  const raw = url.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

function readDist(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(join(dir, 'index.html'))) return files;

  for (const full of walk(dir)) {
    const path = `/${relative(dir, full).split(sep).join('/')}`;
    const hashed = path.startsWith('/assets/');
    files.set(path, {
      body: readFileSync(full),
      type: TYPES[extname(full)] ?? 'application/octet-stream',
      // Vite names assets by content hash: cache them for good. index.html names the current
      // ones, so browsers must revalidate it.
      cache: hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return files;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}
