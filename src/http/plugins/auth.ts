import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../lib/errors.ts';
import type { Principal } from '../../services/principal.ts';
import type { Services } from '../../services/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The route needs an API key or a session. */
    auth?: boolean;
  }
}

/**
 * Authenticates `Authorization: Bearer lk_…` on every route that declares `config.auth`; the
 * handler then reads `request.principal` through `principalOf`, which throws 401 without one.
 */
export function registerAuth(app: FastifyInstance, services: Services): void {
  app.decorateRequest('principal', null);

  app.addHook('preHandler', async (request) => {
    if (!request.routeOptions.config?.auth) return;
    request.principal = await authenticate(request, services);
    if (!request.principal) throw new ApiError('unauthorized');
  });
}

async function authenticate(request: FastifyRequest, services: Services) {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return null;
  return services.apiKeys.authenticate(match[1], {
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  });
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError('unauthorized');
  return request.principal;
}
