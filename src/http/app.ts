import { AjvCompiler } from '@fastify/ajv-compiler';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { ApiError } from '../lib/errors.ts';
import { newRequestId } from '../lib/ids.ts';
import type { Services } from '../services/index.ts';
import type { Store } from '../store/db.ts';
import { registerAuth } from './plugins/auth.ts';
import { shareRateLimits } from './plugins/rate-limit.ts';
import { OneLineRequestLog } from './plugins/request-log.ts';
import { registerRouteTable } from './plugins/route-table.ts';
import { clientErrorHandler, registerErrorHandling } from './plugins/errors.ts';
import { accountAccessRoutes } from './routes/account-access.ts';
import { accountRoutes } from './routes/accounts.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { appRoutes } from './routes/apps.ts';
import { auditRoutes } from './routes/audit-events.ts';
import { authRoutes } from './routes/auth.ts';
import { connectRoutes, parseFormStrictly } from './routes/connect.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { memberRoutes } from './routes/members.ts';
import { oauthAppRoutes } from './routes/oauth-apps.ts';
import { userRoutes } from './routes/users.ts';
import { workspaceRoutes } from './routes/workspaces.ts';

export interface HttpDeps {
  config: Config;
  services: Services;
  store: Store;
  log: Logger;
  /** Writes the one line per request (see plugins/request-log.ts); `log` by default. */
  requestLog?: Logger;
}

/** The HTTP API of API.md on Fastify: routes over services, one JSON error shape. */
export async function buildHttpApp({ config, services, store, log, requestLog }: HttpDeps) {
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: config.bodyLimitBytes,
    // Ids longer than the router's default (100) are still routed, so an unknown one is the
    // resource's 404 whatever the method; idParam caps them at 1,000.
    routerOptions: { maxParamLength: 16_384 },
    logController: new OneLineRequestLog(requestLog ?? log),
    genReqId: newRequestId,
    requestIdHeader: false,
    // Only the proxies the operator names may say who the client is (X-Forwarded-For).
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    // Errors raised before routing (a malformed URL, say) get the same JSON shape.
    frameworkErrors: (err, request, reply) => {
      // The router's message quotes the whole path, which can be kilobytes long.
      const error =
        err.message.length > 300
          ? 'The URL is malformed, or a part of it is too long.'
          : err.message;
      const body = { error, code: 'validation_failed', request_id: request.id };
      void (reply as FastifyReply).status(400).send(body);
    },
    // What Node refuses before routing (headers over 16 KB, a control character in one).
    clientErrorHandler: clientErrorHandler(log),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: uncoercedBodies() } },
  }) as unknown as FastifyInstance;
  registerRouteTable(app);

  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // Answers of the API can carry credentials: no shared cache may keep them.
    if (/^\/v1(?:[/?]|$)/.test(request.url) && !reply.hasHeader('cache-control')) {
      void reply.header('cache-control', 'no-store');
    }
  });

  // NUL cannot be stored in PostgreSQL text (and SQLite would keep it), and a lone UTF-16
  // surrogate is stored as something other than what was sent: refuse both in any string of
  // the path, query or body, the same way on both databases, before a handler sees it. Other
  // control characters (tab and line breaks aside) and bidirectional overrides have no place in
  // names, keys or URLs, and could disguise a name on the pages people trust: refused too.
  app.addHook('preValidation', async (request) => {
    const where =
      badTextAt(request.params, 'params') ??
      badTextAt(request.query, 'querystring') ??
      badTextAt(request.body, 'body');
    if (where) {
      throw new ApiError(
        'validation_failed',
        `${where} must be well-formed Unicode without control characters (tab and line ` +
          'breaks aside) or bidirectional overrides.',
      );
    }
  });

  // An empty body sent as JSON (a DELETE from some clients) counts as no body, not bad JSON.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    const text = body.toString();
    return parseJson(request, text, (err, value) => {
      // Valid JSON that secure-json-parse refuses: a __proto__ (or constructor.prototype) key,
      // the prototype-poisoning shape. Say so, rather than that the JSON is broken.
      if (err && parsesAsJson(text)) {
        return done(
          new ApiError(
            'validation_failed',
            'A key named "__proto__", or "constructor" holding "prototype", is not accepted.',
          ),
        );
      }
      return done(err, value);
    });
  });
  // JSON only: a text/plain body is 415, not "body must be object".
  app.removeContentTypeParser('text/plain');

  registerErrorHandling(app);
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

  shareRateLimits(app, store); // before registerAuth, which sets up the rate limits
  await registerAuth(app, services, config);
  healthRoutes(app, store);
  metricsRoutes(app, services.metrics, config.metricsToken);
  accountRoutes(app, services);
  appRoutes(app, services);
  oauthAppRoutes(app, services);
  // Its own scope: only the keys form posts form bodies (elsewhere they are 415), and its errors
  // are pages for a browser. The hooks above (auth, rate limit, route table) still apply.
  await app.register(async (scope) => {
    await scope.register(formbody, { bodyLimit: 64 * 1024, parser: parseFormStrictly });
    connectRoutes(scope, services);
  });
  authRoutes(app, services, config);
  userRoutes(app, services);
  workspaceRoutes(app, services);
  memberRoutes(app, services);
  apiKeyRoutes(app, services);
  auditRoutes(app, services);
  accountAccessRoutes(app, services);
  // Last: its catch-all GET serves the dashboard's pages and never shadows a route above.
  dashboardRoutes(app);
  return app;
}

/** True when a string anywhere in `value` (a key or a value, at any depth) is not good text. */
/**
 * Where the first refused text is: `body.fields.0.label`, or `a key in body.oauth` when a key
 * itself holds it (the key is not repeated: it is the text that cannot be shown). Null if none.
 */
function badTextAt(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return badString(value) ? path : null;
  if (typeof value !== 'object' || value === null || depth > 64) return null;
  for (const [key, item] of Object.entries(value)) {
    if (badString(key)) return `a key in ${path}`;
    const found = badTextAt(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A lone surrogate: a high one not followed by a low one, or a low one without a high one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** C0 controls but tab, LF and CR; DEL and C1; bidi embeddings, overrides and isolates. */
const controlOrBidi =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

const badString = (text: string) => controlOrBidi.test(text) || loneSurrogate.test(text);

/**
 * ajv with type coercion for the query string, path and headers, which are text ("25" must
 * become 25), but none for a JSON body, which is typed already: `{"app": null}` must fail as
 * "must be a string" instead of being coerced to "".
 */
function uncoercedBodies() {
  const pool = AjvCompiler();
  return (
    externalSchemas: Parameters<typeof pool>[0],
    options: Parameters<typeof pool>[1] = {},
  ): ReturnType<typeof pool> => {
    const coercing = pool(externalSchemas, options);
    const customOptions = { ...options.customOptions, coerceTypes: false };
    const strict = pool(externalSchemas, { ...options, customOptions } as typeof options);
    return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
  };
}
