import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ConnectEnd, ConnectTokenInput } from '../../services/connect.ts';
import type { Services } from '../../services/index.ts';
import { principalOf } from '../plugins/auth.ts';
import { keysForm, resultPage } from '../pages.ts';
import { errorResponses } from '../schemas.ts';

const redirectUri = { type: 'string', maxLength: 2000, pattern: '^https?://' } as const;

export function connectRoutes(app: FastifyInstance, services: Services): void {
  app.post<{ Body: ConnectTokenInput }>(
    '/v1/connect/tokens',
    {
      config: { auth: true },
      schema: {
        tags: ['connect'],
        summary: 'A single-use connect token and the link to hand to an end user',
        body: {
          type: 'object',
          required: ['app'],
          additionalProperties: false,
          properties: {
            app: { type: 'string', minLength: 1, maxLength: 200 },
            oauth_app_id: { type: 'string', maxLength: 200 },
            external_user_id: { type: 'string', minLength: 1, maxLength: 500 },
            success_redirect_uri: redirectUri,
            error_redirect_uri: redirectUri,
            expires_in: { type: 'integer', minimum: 60, maximum: 7 * 86400 },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              data: {
                type: 'object',
                properties: {
                  token: { type: 'string' },
                  expires_at: { type: 'string' },
                  connect_link_url: { type: 'string' },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const data = await services.connect.createToken(principalOf(request), request.body);
      return reply.status(201).send({ data });
    },
  );

  app.get<{ Querystring: { token: string; account_id?: string } }>(
    '/v1/connect/link',
    {
      schema: {
        tags: ['connect'],
        summary: 'The connect link: redirects to the provider, or shows a keys form',
        querystring: {
          type: 'object',
          required: ['token'],
          properties: {
            token: { type: 'string', maxLength: 200 },
            account_id: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (request, reply) => {
      const { token, account_id } = request.query;
      const start = await services.connect.start(token, account_id ?? null);
      if (start.kind === 'form') {
        return reply.type('text/html').send(keysForm(start.app, start.token, start.accountId));
      }
      return end(reply, start);
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/connect/link',
    {
      schema: {
        tags: ['connect'],
        summary: 'The keys form posted back (form-encoded or JSON): stores the fields',
        body: {
          type: 'object',
          required: ['token'],
          properties: {
            token: { type: 'string', maxLength: 200 },
            account_id: { type: 'string', maxLength: 200 },
          },
          additionalProperties: { type: 'string', maxLength: 10000 },
          maxProperties: 60,
        },
      },
    },
    async (request, reply) => {
      const { token, account_id, ...values } = request.body as Record<string, string>;
      const result = await services.connect.submitKeys(token!, account_id ?? null, values);
      return end(reply, result);
    },
  );

  app.get<{ Querystring: Record<string, string> }>(
    '/v1/connect/callback',
    {
      schema: {
        tags: ['connect'],
        summary: 'The OAuth redirect URI: exchanges the code and stores the account',
        querystring: {
          type: 'object',
          additionalProperties: { type: 'string', maxLength: 4000 },
          maxProperties: 30,
        },
      },
    },
    async (request, reply) => end(reply, await services.connect.callback(request.query)),
  );
}

function end(reply: FastifyReply, result: ConnectEnd | { kind: 'redirect'; url: string }) {
  // The pages carry one-time values; nothing here may be cached or leak through Referer.
  void reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
  if (result.kind === 'redirect') return reply.redirect(result.url, 302);
  return reply
    .status(result.ok ? 200 : 400)
    .type('text/html')
    .send(resultPage(result.ok, result.title, result.message, result.accountId));
}
