import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorCode } from '../../lib/errors.ts';
import type { ConnectEnd, ConnectTokenInput } from '../../services/connect.ts';
import type { Services } from '../../services/index.ts';
import { principalOf } from '../plugins/auth.ts';
import { describeError, sendError, type ErrorAnswer } from '../plugins/errors.ts';
import { errorPage, keysForm, resultPage } from '../pages.ts';
import { connectTokenStatusSchema, errorResponses } from '../schemas.ts';

const redirectUri = { type: 'string', maxLength: 2000, pattern: '^https?://' } as const;

/**
 * Headers of every page an end user sees here (the keys form, result and error pages): nothing
 * loads or runs, no site may frame it, the form posts only back here, and the one-time values
 * on it are neither cached nor leaked through Referer.
 */
export const pageHeaders = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/**
 * The keys form's body parser (for @fastify/formbody's `parser`): application/x-www-form-urlencoded
 * as browsers send it ('+' is a space, then percent-decoding), but strict: a malformed
 * percent-escape, or one that does not decode to UTF-8 (`%ED%A0%80`, a lone surrogate), is a
 * 400 rather than kept as the literal text. A name sent twice gives an array (which the route's
 * schema refuses), and the result has no prototype, so `__proto__` is just an unknown field.
 */
export function parseFormStrictly(body: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = Object.create(null);
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeFormPart(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decodeFormPart(pair.slice(at + 1));
    const seen = result[name];
    if (seen === undefined) result[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else result[name] = [seen, value];
  }
  return result;
}

function decodeFormPart(part: string): string {
  try {
    return decodeURIComponent(part.replaceAll('+', ' '));
  } catch {
    throw new ApiError(
      'validation_failed',
      'The form body is not valid: a %-escape is malformed or is not UTF-8.',
    );
  }
}

/** After these the link no longer works (or never did): no way back to its form. */
const linkUnusable = new Set<ErrorCode>([
  'connect_token_invalid',
  'connect_token_expired',
  'account_not_found',
]);

/**
 * The connect routes. Register them in their own scope (app.ts): they parse form bodies, and
 * their error handler answers a browser with a page rather than JSON.
 */
export function connectRoutes(app: FastifyInstance, services: Services): void {
  app.setErrorHandler((err, request, reply) => {
    const answer = describeError(err as Parameters<typeof describeError>[0], request);
    if (!forBrowser(request)) return sendError(reply, request, answer);
    if (answer.headers) void reply.headers(answer.headers);
    const title = linkUnusable.has(answer.code) ? 'This link cannot be used' : 'Connection failed';
    return page(
      reply,
      answer.status,
      errorPage(title, answer.message, backToForm(request, answer)),
    );
  });

  app.post<{ Body: ConnectTokenInput }>(
    '/v1/connect/tokens',
    {
      config: { auth: true, scope: 'accounts:write' },
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

  // The token goes in the body, not the path: paths are logged, and the token is a secret.
  app.post<{ Body: { token: string } }>(
    '/v1/connect/tokens/status',
    {
      config: { auth: true, scope: 'accounts:write' },
      schema: {
        tags: ['connect'],
        summary: 'What became of a connect token: when it was used, and which account it connected',
        body: {
          type: 'object',
          required: ['token'],
          additionalProperties: false,
          properties: { token: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          200: { type: 'object', properties: { data: connectTokenStatusSchema } },
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      data: await services.connect.tokenStatus(principalOf(request), request.body.token),
    }),
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
        if (start.app.authType !== 'keys') {
          const message = `${start.app.name} needs no connection.`;
          return page(reply, 400, resultPage(false, 'Nothing to connect', message));
        }
        const html = keysForm(start.app, start.token, start.accountId);
        return page(reply, 200, html, formActionFor(start));
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
  if (result.kind === 'redirect') {
    void reply.headers(pageHeaders);
    return reply.redirect(result.url, 302);
  }
  const html = resultPage(result.ok, result.title, result.message, result.accountId);
  return page(reply, result.ok ? 200 : 400, html);
}

function page(reply: FastifyReply, status: number, html: string, formAction = "'self'") {
  const csp = pageHeaders['content-security-policy'].replace("'self'", formAction);
  return reply
    .status(status)
    .headers({ ...pageHeaders, 'content-security-policy': csp })
    .type('text/html; charset=utf-8')
    .send(html);
}

/**
 * form-action of the keys form. Browsers apply it to the redirects that follow the post too
 * (Chromium blocks a 302 to another origin), so the origins of the token's success and error
 * URIs are allowed beside 'self'.
 */
function formActionFor(start: {
  kind: string;
  redirectUris?: ReadonlyArray<string | null>;
}): string {
  const origins = new Set<string>();
  for (const uri of start.redirectUris ?? []) {
    if (!uri) continue;
    try {
      origins.add(new URL(uri).origin);
    } catch {
      // Not a URL: the schema only lets http(s) URLs in; nothing to allow.
    }
  }
  return ["'self'", ...origins].join(' ');
}

/**
 * Whether a failed request came from a person's browser, who should see a page: the keys form
 * posted (form-encoded), the link opened in a browser, or the provider's redirect back. API
 * callers (JSON) keep JSON errors.
 */
function forBrowser(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route === '/v1/connect/callback') return true;
  if (route !== '/v1/connect/link') return false;
  if (request.method === 'POST') {
    return /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '');
  }
  return /\btext\/html\b/i.test(request.headers.accept ?? '');
}

/** The form again, for a posted form whose link still works (a field was missing, say). */
function backToForm(request: FastifyRequest, answer: ErrorAnswer): string | undefined {
  if (request.method !== 'POST' || linkUnusable.has(answer.code) || answer.status >= 500) return;
  const body = request.body as Record<string, unknown> | undefined;
  if (typeof body?.token !== 'string' || !body.token.startsWith('ctok_')) return;
  const query = new URLSearchParams({ token: body.token });
  if (typeof body.account_id === 'string') query.set('account_id', body.account_id);
  return `/v1/connect/link?${query}`;
}
