import type { FastifyInstance } from 'fastify';
import type { AuditQuery } from '../../services/audit-events.ts';
import type { Services } from '../../services/index.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses, pageInfoSchema, paginationQuery, timestamp } from '../schemas.ts';

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    action: { type: 'string' },
    actor: {
      type: 'object',
      properties: { type: { type: 'string' }, id: { type: ['string', 'null'] } },
    },
    account_id: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    user_agent: { type: ['string', 'null'] },
    details: { type: 'object', additionalProperties: true },
    created_at: timestamp,
  },
} as const;

/** The audit log, read-only: there is no route that changes or deletes an event. */
export function auditRoutes(app: FastifyInstance, services: Services): void {
  app.get<{ Querystring: AuditQuery }>(
    '/v1/audit_events',
    {
      config: { auth: true, scope: 'admin' },
      schema: {
        tags: ['workspace'],
        summary: 'Who read which credentials, connected, shared, refreshed, deleted (admins)',
        querystring: {
          type: 'object',
          properties: {
            account_id: { type: 'string', maxLength: 200 },
            actor_id: { type: 'string', maxLength: 200 },
            action: { type: 'string', maxLength: 100 },
            since: { type: 'string', maxLength: 40 },
            until: { type: 'string', maxLength: 40 },
            ...paginationQuery,
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { data: { type: 'array', items: eventSchema }, page_info: pageInfoSchema },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => services.auditEvents.list(principalOf(request), request.query),
  );
}
