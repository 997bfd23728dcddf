import type { FastifyInstance } from 'fastify';
import { toIso } from '../../lib/clock.ts';
import type { AppDefinition, CustomAppInput } from '../../services/apps.ts';
import { requireScope } from '../../services/access.ts';
import type { Services } from '../../services/index.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses, idParam, listSchema, paginationQuery, scopeToken } from '../schemas.ts';
import type { PageQuery } from '../../services/pagination.ts';

const httpUrl = { type: 'string', minLength: 8, maxLength: 2000, pattern: '^https?://' } as const;
const stringMap = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: 2000 },
  maxProperties: 50,
} as const;

const createAppBody = {
  type: 'object',
  required: ['name_slug', 'name', 'auth_type'],
  additionalProperties: false,
  properties: {
    name_slug: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{1,62}$' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    auth_type: { type: 'string', enum: ['oauth', 'keys', 'none'] },
    oauth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        issuer: httpUrl,
        authorization_url: httpUrl,
        token_url: httpUrl,
        userinfo_url: httpUrl,
        revocation_url: httpUrl,
        scope_separator: { type: 'string', enum: [' ', ','] },
        token_auth_method: { type: 'string', enum: ['client_secret_basic', 'client_secret_post'] },
        pkce: { type: 'boolean' },
        default_scopes: { type: 'array', items: scopeToken, maxItems: 100 },
        authorize_params: stringMap,
        token_params: stringMap,
        max_token_age_seconds: { type: 'integer', minimum: 1, maximum: 31_536_000 },
      },
    },
    fields: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['name', 'label'],
        additionalProperties: false,
        properties: {
          // The connect form posts its own `token` and `account_id` beside the fields.
          name: {
            type: 'string',
            pattern: '^[a-z][a-z0-9_]{0,63}$',
            not: { enum: ['token', 'account_id'] },
          },
          label: { type: 'string', minLength: 1, maxLength: 200 },
          secret: { type: 'boolean', default: true },
          optional: { type: 'boolean', default: false },
        },
      },
    },
  },
} as const;

const appSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name_slug: { type: 'string' },
    name: { type: 'string' },
    auth_type: { type: 'string' },
    custom: { type: 'boolean' },
    oauth: { type: ['object', 'null'], additionalProperties: true },
    fields: { type: 'array', items: { type: 'object', additionalProperties: true } },
    created_at: { type: ['string', 'null'] },
  },
} as const;

export function appRoutes(app: FastifyInstance, services: Services): void {
  const auth = { auth: true };

  app.get<{ Querystring: PageQuery }>(
    '/v1/apps',
    {
      config: auth,
      schema: {
        tags: ['apps'],
        summary: 'The built-in catalog and the workspace’s custom apps, by slug',
        querystring: { type: 'object', properties: { ...paginationQuery } },
        response: {
          200: listSchema(appSchema),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { limit, after, before } = request.query;
      const page = await services.apps.page(p.workspaceId, { limit, after, before });
      return { ...page, data: page.data.map(view) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/apps/:id',
    {
      config: auth,
      schema: {
        tags: ['apps'],
        summary: 'One app by slug or id',
        response: { 200: { type: 'object', properties: { data: appSchema } }, ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { data: view(await services.apps.get(p.workspaceId, request.params.id)) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/apps/:id',
    {
      config: { ...auth, scope: 'apps:write' },
      schema: {
        tags: ['apps'],
        summary: 'Delete a custom app no account, OAuth client or open connect link uses',
        params: idParam,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.apps.delete(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: CustomAppInput }>(
    '/v1/apps',
    {
      config: { ...auth, scope: 'apps:write' },
      schema: {
        tags: ['apps'],
        summary: 'Register a custom app: any OAuth 2.0 provider, an OIDC issuer, or a keys app',
        body: createAppBody,
        response: { 201: { type: 'object', properties: { data: appSchema } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      requireScope(p, 'apps:write');
      const created = await services.apps.create(p, request.body);
      return reply.status(201).send({ data: view(created) });
    },
  );
}

function view(app: AppDefinition) {
  const o = app.oauth;
  return {
    id: app.id,
    name_slug: app.slug,
    name: app.name,
    auth_type: app.authType,
    custom: !app.builtin,
    oauth: o && {
      issuer: o.issuer ?? null,
      authorization_url: o.authorizationUrl,
      token_url: o.tokenUrl,
      userinfo_url: o.userinfoUrl ?? null,
      revocation_url: o.revocationUrl ?? null,
      scope_separator: o.scopeSeparator,
      token_auth_method: o.tokenAuthMethod,
      pkce: o.pkce,
      default_scopes: o.defaultScopes,
      authorize_params: o.authorizeParams,
      token_params: o.tokenParams,
      max_token_age_seconds: app.maxTokenAgeMs === null ? null : app.maxTokenAgeMs / 1000,
    },
    fields: app.fields,
    created_at: toIso(app.createdAt),
  };
}
