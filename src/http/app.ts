import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { randomSecret } from '../lib/ids.ts';
import type { Services } from '../services/index.ts';
import type { Store } from '../store/db.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { accountRoutes } from './routes/accounts.ts';
import { appRoutes } from './routes/apps.ts';
import { connectRoutes } from './routes/connect.ts';
import { healthRoutes } from './routes/health.ts';
import { oauthAppRoutes } from './routes/oauth-apps.ts';

export interface HttpDeps {
  config: Config;
  services: Services;
  store: Store;
  log: Logger;
}

/** The HTTP API of API.md on Fastify: routes over services, one JSON error shape. */
export async function buildHttpApp({ config, services, store, log }: HttpDeps) {
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => `req_${randomSecret(12)}`,
    requestIdHeader: false,
    trustProxy: false,
    // Errors raised before routing (a malformed URL, say) get the same JSON shape.
    frameworkErrors: (err, request, reply) => {
      const body = { error: err.message, code: 'validation_failed', request_id: request.id };
      void (reply as FastifyReply).status(400).send(body);
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  }) as unknown as FastifyInstance;

  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  // An empty body sent as JSON (a DELETE from some clients) counts as no body, not bad JSON.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return parseJson(request, body.toString(), done);
  });

  registerErrorHandling(app);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Latchkey API',
        version: '1',
        description: 'Connect accounts, keep their tokens fresh, serve them. See API.md.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'lk_…' } },
      },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerAuth(app, services);
  healthRoutes(app, store);
  accountRoutes(app, services);
  appRoutes(app, services);
  oauthAppRoutes(app, services);
  connectRoutes(app, services);
  return app;
}
