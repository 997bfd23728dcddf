import type { FastifyInstance } from 'fastify';
import type { AccessInput } from '../../services/account-access.ts';
import type { Services } from '../../services/index.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses, idParam } from '../schemas.ts';

const accessSchema = {
  type: 'object',
  properties: {
    account_id: { type: 'string' },
    owner_user_id: { type: ['string', 'null'] },
    visibility: { type: 'string', enum: ['private', 'workspace'] },
    member_ids: { type: 'array', items: { type: 'string' } },
  },
} as const;

export function accountAccessRoutes(app: FastifyInstance, services: Services): void {
  const auth = { auth: true };

  app.get<{ Params: { id: string } }>(
    '/v1/accounts/:id/access',
    {
      config: auth,
      schema: {
        tags: ['accounts'],
        summary: 'Who the account is shared with',
        params: idParam,
        response: {
          200: { type: 'object', properties: { data: accessSchema } },
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      data: await services.accountAccess.get(principalOf(request), request.params.id),
    }),
  );

  app.put<{ Params: { id: string }; Body: AccessInput }>(
    '/v1/accounts/:id/access',
    {
      config: { ...auth, scope: 'accounts:write' },
      schema: {
        tags: ['accounts'],
        summary: 'Share the account with the workspace or with members (owner or admin)',
        params: idParam,
        body: {
          type: 'object',
          required: ['visibility'],
          additionalProperties: false,
          properties: {
            visibility: { type: 'string', enum: ['private', 'workspace'] },
            member_ids: {
              type: 'array',
              items: { type: 'string', minLength: 1, maxLength: 200 },
              maxItems: 1000,
            },
          },
        },
        response: {
          200: { type: 'object', properties: { data: accessSchema } },
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      data: await services.accountAccess.set(principalOf(request), request.params.id, request.body),
    }),
  );
}
