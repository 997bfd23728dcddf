import { clientIp } from '../client-ip.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import type { Services } from '../../services/index.ts';
import { userView, type SignupInput } from '../../services/users.ts';
import { ApiError } from '../../lib/errors.ts';
import {
  clearSessionCookie,
  principalOf,
  sessionCookie,
  setSessionCookie,
} from '../plugins/auth.ts';
import { loginRateLimit } from '../plugins/rate-limit.ts';
import { errorResponses } from '../schemas.ts';
import { userSchema } from './users.ts';

const email = { type: 'string', minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' };
const password = { type: 'string', minLength: 8, maxLength: 200 };

const sessionAnswer = {
  type: 'object',
  properties: {
    data: {
      type: 'object',
      properties: { user: userSchema, csrf_token: { type: 'string' } },
    },
  },
} as const;

const metaOf = (request: FastifyRequest) => ({
  ip: clientIp(request),
  userAgent: request.headers['user-agent'] ?? null,
});

/** Sign-up, login and logout for the dashboard; each sets or clears the session cookie. */
export function authRoutes(app: FastifyInstance, services: Services, config: Config): void {
  app.post<{ Body: SignupInput }>(
    '/v1/auth/signup',
    {
      config: { rateLimit: loginRateLimit(config) },
      schema: {
        tags: ['people'],
        summary: 'Sign up: the first user of an instance, or with an invitation',
        security: [],
        body: {
          type: 'object',
          required: ['email', 'password'],
          additionalProperties: false,
          properties: {
            email,
            password,
            name: { type: 'string', maxLength: 200 },
            invitation: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: { 201: sessionAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user, session } = await services.users.signup(request.body, metaOf(request));
      setSessionCookie(reply, config, session.token, session.expiresAt);
      return reply
        .status(201)
        .send({ data: { user: userView(user), csrf_token: session.csrfToken } });
    },
  );

  app.post<{ Body: { email: string; password: string } }>(
    '/v1/auth/login',
    {
      config: { rateLimit: loginRateLimit(config) },
      schema: {
        tags: ['people'],
        summary: 'Log in with email and password; sets the session cookie',
        security: [],
        body: {
          type: 'object',
          required: ['email', 'password'],
          additionalProperties: false,
          properties: {
            email: { type: 'string', maxLength: 320 },
            password: { type: 'string', maxLength: 200 },
          },
        },
        response: { 200: sessionAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { user, session } = await services.users.login(request.body, metaOf(request));
      setSessionCookie(reply, config, session.token, session.expiresAt);
      return { data: { user: userView(user), csrf_token: session.csrfToken } };
    },
  );

  app.post<{ Body: { invitation: string } }>(
    '/v1/auth/accept_invitation',
    {
      config: { auth: true, workspaceOptional: true },
      schema: {
        tags: ['people'],
        summary: 'Join the workspace of an invitation sent to you (for people who have an account)',
        body: {
          type: 'object',
          required: ['invitation'],
          additionalProperties: false,
          properties: { invitation: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              data: {
                type: 'object',
                properties: { workspace_id: { type: 'string' }, role: { type: 'string' } },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.via !== 'session' || !p.userId) {
        throw new ApiError('forbidden', 'Accept an invitation while signed in, not with a key.');
      }
      const joined = await services.users.acceptInvitation(
        p.userId,
        request.body.invitation,
        metaOf(request),
      );
      return { data: { workspace_id: joined.workspaceId, role: joined.role } };
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      config: { auth: true, workspaceOptional: true },
      schema: {
        tags: ['people'],
        summary: 'End the session of the cookie (needs x-csrf-token, like any change)',
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const token = request.session?.token ?? request.cookies[sessionCookie];
      if (token) await services.sessions.destroy(token);
      clearSessionCookie(reply, config);
      return reply.status(204).send();
    },
  );
}
