import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.ts';
import type { Role } from '../../store/schema.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses, idParam, listSchema, paginationQuery, timestamp } from '../schemas.ts';
import type { PageQuery } from '../../services/pagination.ts';

const role = { type: 'string', enum: ['owner', 'admin', 'member'] } as const;

const memberSchema = {
  type: 'object',
  properties: {
    user_id: { type: 'string' },
    email: { type: 'string' },
    name: { type: ['string', 'null'] },
    role,
    created_at: timestamp,
  },
} as const;

const invitationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    role,
    created_by: { type: ['string', 'null'] },
    created_at: timestamp,
    expires_at: timestamp,
  },
} as const;

const userIdParam = {
  type: 'object',
  properties: { user_id: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['user_id'],
} as const;

export function memberRoutes(app: FastifyInstance, services: Services): void {
  const auth = { auth: true };

  app.get<{ Querystring: PageQuery }>(
    '/v1/workspace/members',
    {
      config: auth,
      schema: {
        tags: ['workspace'],
        summary: 'The members of the workspace and their roles, oldest first',
        querystring: { type: 'object', properties: { ...paginationQuery } },
        response: {
          200: listSchema(memberSchema),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, after, before } = request.query;
      return services.members.list(principalOf(request), { limit, after, before });
    },
  );

  app.post<{ Body: { email: string; role: Role } }>(
    '/v1/workspace/members',
    {
      config: { ...auth, scope: 'admin' },
      schema: {
        tags: ['workspace'],
        summary: 'Invite someone: a single-use, expiring link (owner or admin)',
        body: {
          type: 'object',
          required: ['email', 'role'],
          additionalProperties: false,
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' },
            role,
          },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              data: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  invitation: { type: 'string' },
                  invitation_url: { type: 'string' },
                  expires_at: timestamp,
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const data = await services.members.invite(principalOf(request), request.body);
      return reply.status(201).send({ data });
    },
  );

  app.get<{ Querystring: PageQuery }>(
    '/v1/workspace/invitations',
    {
      config: { ...auth, scope: 'admin' },
      schema: {
        tags: ['workspace'],
        summary: 'Invitations not used yet (owner or admin), newest first; links not shown again',
        querystring: { type: 'object', properties: { ...paginationQuery } },
        response: {
          200: listSchema(invitationSchema),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, after, before } = request.query;
      return services.members.invitations(principalOf(request), { limit, after, before });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/workspace/invitations/:id',
    {
      config: { ...auth, scope: 'admin' },
      schema: {
        tags: ['workspace'],
        summary: 'Withdraw an invitation that was not used yet (owner or admin)',
        params: idParam,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.members.revokeInvitation(principalOf(request), request.params.id);
      return reply.status(204).send();
    },
  );

  app.patch<{ Params: { user_id: string }; Body: { role: Role } }>(
    '/v1/workspace/members/:user_id',
    {
      config: { ...auth, scope: 'admin' },
      schema: {
        tags: ['workspace'],
        summary: 'Change a member’s role (owner or admin; owners only for owners)',
        params: userIdParam,
        body: {
          type: 'object',
          required: ['role'],
          additionalProperties: false,
          properties: { role },
        },
        response: {
          200: { type: 'object', properties: { data: memberSchema } },
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      data: await services.members.setRole(
        principalOf(request),
        request.params.user_id,
        request.body.role,
      ),
    }),
  );

  app.delete<{ Params: { user_id: string } }>(
    '/v1/workspace/members/:user_id',
    {
      config: auth,
      schema: {
        tags: ['workspace'],
        summary: 'Remove a member (owner or admin), or leave the workspace yourself',
        params: userIdParam,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.members.remove(principalOf(request), request.params.user_id);
      return reply.status(204).send();
    },
  );
}
