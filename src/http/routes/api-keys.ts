import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.ts';
import { scopes, type Scope } from '../../services/principal.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses, idParam, timestamp, wholeList, wholeListSchema } from '../schemas.ts';

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
      config: auth,
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

  app.get(
    '/v1/api_keys',
    {
      config: auth,
      schema: {
        tags: ['workspace'],
        summary: 'API keys: names, prefixes, times; never a secret',
        response: {
          200: wholeListSchema({ type: 'object', properties: keyProperties }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const data = await services.apiKeys.list(principalOf(request));
      return wholeList(data);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/api_keys/:id',
    {
      config: auth,
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
