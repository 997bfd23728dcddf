import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.ts';
import { scopes, type Scope } from '../../services/principal.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses, idParam, listSchema, paginationQuery, timestamp } from '../schemas.ts';
import type { PageQuery } from '../../services/pagination.ts';

const keyProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  prefix: { type: 'string' },
  scopes: { type: 'array', items: { type: 'string' } },
  user_id: { type: ['string', 'null'] },
  created_at: timestamp,
  last_used_at: timestamp,
  expires_at: timestamp,
} as const;

interface CreateBody {
  name: string;
  scopes: Scope[];
  expires_in?: number;
}

export function apiKeyRoutes(app: FastifyInstance, services: Services): void {
  const auth = { auth: true };

  app.post<{ Body: CreateBody }>(
    '/v1/api_keys',
    {
      config: { ...auth, scope: 'admin' },
      schema: {
        tags: ['workspace'],
        summary: 'A new API key acting as the caller; its secret is shown this once',
        body: {
          type: 'object',
          required: ['name', 'scopes'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            scopes: {
              type: 'array',
              items: { type: 'string', enum: [...scopes] },
              minItems: 1,
              maxItems: scopes.length,
            },
            expires_in: { type: 'integer', minimum: 60, maximum: 5 * 365 * 86400 },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              data: {
                type: 'object',
                properties: { ...keyProperties, secret: { type: 'string' } },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const data = await services.apiKeys.issue(principalOf(request), request.body);
      return reply.status(201).header('cache-control', 'no-store').send({ data });
    },
  );

  app.get<{ Querystring: PageQuery }>(
    '/v1/api_keys',
    {
      config: { ...auth, scope: 'admin' },
      schema: {
        tags: ['workspace'],
        summary: 'API keys, newest first: names, prefixes, times; never a secret',
        querystring: { type: 'object', properties: { ...paginationQuery } },
        response: {
          200: listSchema({ type: 'object', properties: keyProperties }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, after, before } = request.query;
      return services.apiKeys.list(principalOf(request), { limit, after, before });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/api_keys/:id',
    {
      config: { ...auth, scope: 'admin' },
      schema: {
        tags: ['workspace'],
        summary: 'Revoke an API key; it stops working at once',
        params: idParam,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.apiKeys.revoke(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
