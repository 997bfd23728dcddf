import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses } from '../schemas.ts';
import { workspaceSchema } from './users.ts';

export function workspaceRoutes(app: FastifyInstance, services: Services): void {
  app.post<{ Body: { name: string } }>(
    '/v1/workspaces',
    {
      config: { auth: true, scope: 'admin' },
      schema: {
        tags: ['people'],
        summary: 'A new workspace, owned by the caller and isolated from every other',
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          201: { type: 'object', properties: { data: workspaceSchema } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const data = await services.workspaces.create(principalOf(request), request.body.name);
      return reply.status(201).send({ data });
    },
  );
}
