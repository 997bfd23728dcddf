import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import { ApiError } from '../../lib/errors.ts';

/** Probes that must answer however busy the instance is. */
const unlimited = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Requests a minute per API key or signed-in person, and per IP for everything without valid
 * credentials (LATCHKEY_RATE_LIMIT_PER_MINUTE, LATCHKEY_ANONYMOUS_RATE_LIMIT_PER_MINUTE). Runs
 * after authentication, so a key is counted as itself and a bad key as its IP. Over the limit:
 * 429 `rate_limited` in our error shape, with Retry-After.
 *
 * TODO(several server processes): counts are kept per process (the plugin's memory store), so
 * N processes allow N times the limit; a shared store would need Redis, which we do not ship.
 */
export async function registerRateLimit(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    max: (_request, key) =>
      key.startsWith('ip:') ? config.auth.anonymousRateLimitPerMinute : config.rateLimitPerMinute,
    keyGenerator: limitKey,
    allowList: (request) => unlimited.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) =>
      new ApiError('rate_limited', `Too many requests; try again in ${context.after}.`),
  });
}

function limitKey(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.keyId) return `key:${p.keyId}`;
  if (p?.userId) return `user:${p.userId}`;
  return `ip:${request.ip}`;
}

/** The stricter per-IP limit of the login and sign-up routes, against password guessing. */
export const loginRateLimit = (config: Config) => ({
  max: config.auth.loginRateLimitPerMinute,
  timeWindow: 60_000,
  keyGenerator: (request: FastifyRequest) => `login:${request.ip}`,
});
