import { clientIp } from '../client-ip.ts';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import { ApiError } from '../../lib/errors.ts';
import type { Principal, Scope } from '../../services/principal.ts';
import { requireAnyScope } from '../../services/access.ts';
import type { Services } from '../../services/index.ts';
import type { Session } from '../../store/repos/sessions.ts';
import type { User } from '../../store/repos/identity.ts';
import { registerRateLimit } from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The signed-in person when the request came with a valid session cookie. */
    session: { session: Session; user: User; token: string } | null;
    /** Why authentication failed; thrown once the rate limiter has counted the request. */
    authError: ApiError | null;
  }
  interface FastifyContextConfig {
    /** The route needs an API key or a session. */
    auth?: boolean;
    /** A session suffices even when its person belongs to no workspace (GET /v1/users/me). */
    workspaceOptional?: boolean;
    /**
     * A scope every caller of the route needs (or one of several), checked before the body and
     * query are validated, so a key without it learns nothing from validation. Services check
     * again, with finer rules.
     */
    scope?: Scope | readonly Scope[];
  }
}

export const sessionCookie = 'latchkey_session';
export const workspaceHeader = 'x-latchkey-workspace';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates routes that declare `config.auth`: `Authorization: Bearer lk_…`, else the
 * session cookie. A cookie-authenticated request that changes state must echo the session's
 * CSRF token in `x-csrf-token`; a bearer key needs none, since a browser never sends one by
 * itself. Both end as the same `request.principal`, which the handlers read via `principalOf`.
 *
 * Order per request: authenticate (onRequest) → rate limit, keyed by the principal or the IP
 * (route onRequest) → refuse an unauthenticated request (preParsing, before the body). Failed
 * attempts thus count against their IP's limit before they are refused.
 */
export async function registerAuth(
  app: FastifyInstance,
  services: Services,
  config: Config,
): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);
  app.decorateRequest('authError', null);

  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.config?.auth) return;
    try {
      request.principal = await authenticate(request, services);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      request.authError = err;
    }
  });

  await registerRateLimit(app, config);

  // Before the body is read, so a caller without valid credentials learns nothing from
  // content types or validation (and after the rate limiter has counted the request).
  app.addHook('preParsing', async (request) => {
    const routeConfig = request.routeOptions.config;
    if (!routeConfig?.auth) return;
    if (request.principal) {
      if (routeConfig.scope) requireAnyScope(request.principal, routeConfig.scope);
      return;
    }
    if (routeConfig.workspaceOptional && request.session) return;
    throw request.authError ?? new ApiError('unauthorized');
  });
}

async function authenticate(request: FastifyRequest, services: Services) {
  const meta = { ip: clientIp(request), userAgent: request.headers['user-agent'] ?? null };
  const requested = headerValue(request.headers[workspaceHeader]);
  const header = request.headers.authorization;

  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match?.[1] ? await services.apiKeys.authenticate(match[1], meta) : null;
    if (!principal) throw new ApiError('unauthorized', 'The API key is not valid.');
    // A key belongs to one workspace; naming another must not silently act in this one.
    if (requested && requested !== principal.workspaceId) {
      throw new ApiError('not_found', `No workspace "${requested}" for this API key.`);
    }
    return principal;
  }

  const token = request.cookies[sessionCookie];
  if (!token) return null;
  const resolved = await services.sessions.resolve(token);
  if (!resolved) throw new ApiError('unauthorized', 'The session has ended; log in again.');
  if (!safeMethods.has(request.method)) {
    const csrf = headerValue(request.headers['x-csrf-token']);
    if (!services.sessions.csrfMatches(resolved.session, csrf)) throw new ApiError('csrf_failed');
  }
  request.session = { ...resolved, token };
  return services.workspaces.principalForSession(resolved.user.id, requested, meta);
}

const headerValue = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value[0] : value;

/** The session cookie: HttpOnly, SameSite=Lax, Secure when the public URL is https. */
export function setSessionCookie(
  reply: FastifyReply,
  config: Config,
  token: string,
  expiresAt: number,
): void {
  void reply.setCookie(sessionCookie, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.publicUrl.startsWith('https:'),
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  void reply.clearCookie(sessionCookie, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.publicUrl.startsWith('https:'),
  });
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError('unauthorized');
  return request.principal;
}
