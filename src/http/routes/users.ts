import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.ts';
import { userView } from '../../services/users.ts';
import { errorResponses, timestamp } from '../schemas.ts';

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    name: { type: ['string', 'null'] },
    created_at: timestamp,
  },
} as const;

export const workspaceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['owner', 'admin', 'member'] },
    created_at: timestamp,
  },
} as const;

export function userRoutes(app: FastifyInstance, services: Services): void {
  app.get(
    '/v1/users/me',
    {
      config: { auth: true, workspaceOptional: true },
      schema: {
        tags: ['people'],
        summary: 'The caller, their workspaces and roles, and the session’s CSRF token',
        response: {
          200: {
            type: 'object',
            properties: {
              data: {
                type: 'object',
                properties: {
                  user: { anyOf: [userSchema, { type: 'null' }] },
                  workspaces: { type: 'array', items: workspaceSchema },
                  current_workspace_id: { type: ['string', 'null'] },
                  role: { type: ['string', 'null'] },
                  csrf_token: { type: ['string', 'null'] },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const p = request.principal;
      const user = request.session?.user ?? (p?.userId ? await services.users.get(p.userId) : null);
      // A workspace key (no person behind it) sees its own workspace only.
      const workspaces = user
        ? await services.workspaces.of(user.id)
        : p
          ? [await services.workspaces.describe(p.workspaceId, p.role)]
          : [];
      return {
        data: {
          user: user ? userView(user) : null,
          workspaces,
          current_workspace_id: p?.workspaceId ?? null,
          role: p?.role ?? null,
          csrf_token: request.session?.session.csrf_token ?? null,
        },
      };
    },
  );
}
