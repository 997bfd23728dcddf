import { clientIp } from '../client-ip.ts';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import { systemClock } from '../../lib/clock.ts';
import { ApiError } from '../../lib/errors.ts';
import type { Store } from '../../store/db.ts';
import { RateLimitRepository } from '../../store/repos/rate-limits.ts';
import { SharedRateLimitCounts, sharedStoreClass } from './shared-rate-limit-store.ts';

/** Probes that must answer however busy the instance is. */
const unlimited = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Requests a minute per API key or signed-in person, and per IP for everything without valid
 * credentials (LATCHKEY_RATE_LIMIT_PER_MINUTE, LATCHKEY_ANONYMOUS_RATE_LIMIT_PER_MINUTE). Runs
 * after authentication, so a key is counted as itself and a bad key as its IP. Over the limit:
 * 429 `rate_limited` in our error shape, with Retry-After.
 *
 * Windows are fixed minutes. With `shareRateLimits`, every process on the database counts
 * against the same limit, to within about a second of traffic (see shared-rate-limit-store.ts);
 * without it, counts are this process's own (the plugin's memory store).
 */
export async function registerRateLimit(app: FastifyInstance, config: Config): Promise<void> {
  const counts = shared.get(app);
  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    ...(counts ? { store: sharedStoreClass(counts) } : {}),
    max: (_request, key) =>
      key.startsWith('ip:') ? config.auth.anonymousRateLimitPerMinute : config.rateLimitPerMinute,
    keyGenerator: limitKey,
    allowList: (request) => unlimited.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) =>
      new ApiError('rate_limited', `Too many requests; try again in ${context.after}.`),
  });
}

const shared = new WeakMap<FastifyInstance, SharedRateLimitCounts>();

/**
 * Makes the rate limits `registerRateLimit` sets up on `app` shared through the database by every
 * process on it; call before it. Syncs every second until the app closes, then adds the last
 * counts.
 */
export function shareRateLimits(app: FastifyInstance, store: Store): void {
  const counts = new SharedRateLimitCounts({
    counts: new RateLimitRepository(store.db),
    clock: systemClock,
    log: app.log,
  });
  counts.start();
  app.addHook('onClose', () => counts.close());
  shared.set(app, counts);
}

function limitKey(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.keyId) return `key:${p.keyId}`;
  if (p?.userId) return `user:${p.userId}`;
  return `ip:${clientIp(request)}`;
}

/** The stricter per-IP limit of the login and sign-up routes, against password guessing. */
export const loginRateLimit = (config: Config) => ({
  max: config.auth.loginRateLimitPerMinute,
  timeWindow: 60_000,
  keyGenerator: (request: FastifyRequest) => `login:${clientIp(request)}`,
});
