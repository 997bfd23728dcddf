import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.ts';
import type { OAuthAppInput } from '../../services/oauth-apps.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses, idParam, listSchema, paginationQuery, scopeToken } from '../schemas.ts';
import type { PageQuery } from '../../services/pagination.ts';

const oauthAppSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    app: { type: 'object', properties: { id: { type: 'string' }, name_slug: { type: 'string' } } },
    client_id: { type: 'string' },
    has_client_secret: { type: 'boolean' },
    scopes: { type: 'array', items: { type: 'string' } },
    created_at: { type: ['string', 'null'] },
  },
} as const;

export function oauthAppRoutes(app: FastifyInstance, services: Services): void {
  const auth = { auth: true };

  app.post<{ Body: OAuthAppInput }>(
    '/v1/oauth_apps',
    {
      config: { ...auth, scope: 'apps:write' },
      schema: {
        tags: ['oauth apps'],
        summary: 'The workspace’s OAuth client for an app; the secret is sealed, never returned',
        body: {
          type: 'object',
          required: ['app', 'client_id'],
          additionalProperties: false,
          properties: {
            app: { type: 'string', minLength: 1, maxLength: 200 },
            client_id: { type: 'string', minLength: 1, maxLength: 1000 },
            client_secret: { type: 'string', minLength: 1, maxLength: 4000 },
            scopes: { type: 'array', items: scopeToken, maxItems: 200 },
          },
        },
        response: {
          201: { type: 'object', properties: { data: oauthAppSchema } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const data = await services.oauthApps.create(principalOf(request), request.body);
      return reply.status(201).send({ data });
    },
  );

  app.get<{ Querystring: PageQuery & { app?: string } }>(
    '/v1/oauth_apps',
    {
      config: { ...auth, scope: 'accounts:read' },
      schema: {
        tags: ['oauth apps'],
        summary: 'The workspace’s OAuth clients, oldest first',
        querystring: {
          type: 'object',
          properties: { app: { type: 'string', maxLength: 200 }, ...paginationQuery },
          // Unknown parameters are ignored, as on /v1/accounts.
        },
        response: {
          200: listSchema(oauthAppSchema),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { app: slug, limit, after, before } = request.query;
      return services.oauthApps.list(principalOf(request), { app: slug, limit, after, before });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/oauth_apps/:id',
    {
      config: { ...auth, scope: 'apps:write' },
      schema: {
        tags: ['oauth apps'],
        summary: 'Delete an OAuth client',
        params: idParam,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.oauthApps.delete(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
