import { clientIp } from '../client-ip.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../lib/errors.ts';
import type { Metrics } from '../../lib/metrics.ts';

/**
 * `GET /metrics` in Prometheus text format, and the request timing that feeds it. With a
 * token configured, a scraper sends it as a bearer token; without one, only clients on this
 * machine may read the figures.
 */
export function metricsRoutes(app: FastifyInstance, metrics: Metrics, token: string | null): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: true } },
    async (request, reply) => {
      allowScrape(request, token);
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}

function allowScrape(request: FastifyRequest, token: string | null): void {
  if (token === null) {
    if (isLoopback(clientIp(request))) return;
    throw new ApiError(
      'forbidden',
      'Metrics are served to this machine only; set LATCHKEY_METRICS_TOKEN to scrape them.',
    );
  }
  const sent = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  // Digests compared in constant time, so the comparison says nothing about the token's length.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  if (!timingSafeEqual(digest(sent), digest(token))) {
    throw new ApiError('unauthorized', 'Send the metrics token as a bearer token.');
  }
}

const isLoopback = (ip: string) =>
  ip === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
