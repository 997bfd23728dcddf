import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../lib/errors.ts';
import type { Services } from '../../services/index.ts';
import { principalOf } from '../plugins/auth.ts';
import {
  accountSchema,
  emptyBody,
  errorResponses,
  idParam,
  isTrue,
  pageInfoSchema,
  paginationQuery,
  queryBoolean,
} from '../schemas.ts';

interface ListQuery {
  app?: string;
  oauth_app_id?: string;
  external_user_id?: string;
  include_credentials?: string;
  limit: number;
  after?: string;
  before?: string;
}

interface GetQuery {
  include_credentials?: string;
  /** Digits only (no 1e3, 0x10, Infinity); the handler reads it as a number. */
  min_ttl?: string;
}

const maxMinTtl = 86400;

export function accountRoutes(app: FastifyInstance, services: Services): void {
  const auth = { auth: true };

  app.get<{ Querystring: ListQuery }>(
    '/v1/accounts',
    {
      config: { ...auth, scope: ['accounts:read', 'credentials:read'] },
      schema: {
        tags: ['accounts'],
        summary: 'List the accounts the caller may see',
        querystring: {
          type: 'object',
          properties: {
            app: { type: 'string', maxLength: 200 },
            oauth_app_id: { type: 'string', maxLength: 200 },
            external_user_id: { type: 'string', maxLength: 500 },
            include_credentials: queryBoolean,
            ...paginationQuery,
          },
          // Unknown parameters (cache busters, a client's own) are ignored, as Pipedream does.
        },
        response: {
          200: {
            type: 'object',
            properties: {
              data: { type: 'array', items: accountSchema },
              page_info: pageInfoSchema,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return services.accounts.list(principalOf(request), {
        app: q.app,
        oauth_app_id: q.oauth_app_id,
        external_user_id: q.external_user_id,
        limit: q.limit,
        after: q.after,
        before: q.before,
        include_credentials: isTrue(q.include_credentials),
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: GetQuery }>(
    '/v1/accounts/:id',
    {
      config: { ...auth, scope: ['accounts:read', 'credentials:read'] },
      schema: {
        tags: ['accounts'],
        summary: 'Read an account; with include_credentials, a token valid for min_ttl seconds',
        params: idParam,
        querystring: {
          type: 'object',
          properties: {
            include_credentials: queryBoolean,
            min_ttl: { type: 'string', pattern: '^[0-9]{1,6}$' },
          },
        },
        response: {
          200: { type: 'object', properties: { data: accountSchema } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { min_ttl } = request.query;
      const minTtlSeconds = min_ttl === undefined ? undefined : Number(min_ttl);
      if (minTtlSeconds !== undefined && minTtlSeconds > maxMinTtl) {
        throw new ApiError('validation_failed', `querystring.min_ttl must be <= ${maxMinTtl}`);
      }
      const data = await services.accounts.get(principalOf(request), request.params.id, {
        includeCredentials: isTrue(request.query.include_credentials),
        minTtlSeconds,
      });
      return { data };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/accounts/:id/refresh',
    {
      config: { ...auth, scope: 'accounts:write' },
      schema: {
        tags: ['accounts'],
        summary: 'Refresh the access token now, whatever its expiry',
        params: idParam,
        body: emptyBody,
        response: {
          200: { type: 'object', properties: { data: accountSchema } },
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      data: await services.accounts.refresh(principalOf(request), request.params.id),
    }),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/accounts/:id',
    {
      config: { ...auth, scope: 'accounts:write' },
      schema: {
        tags: ['accounts'],
        summary: 'Delete an account: credentials destroyed, and revoked where the provider can',
        params: idParam,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.accounts.delete(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
