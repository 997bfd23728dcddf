import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify';
import type { Logger } from 'pino';
import { ApiError, errorCatalogue, type ErrorCode } from '../../lib/errors.ts';
import { scopeToken } from '../schemas.ts';
import { newRequestId } from '../../lib/ids.ts';

/** What an error becomes for the client, whatever the format of the answer (JSON or a page). */
export interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
  data?: unknown;
  headers?: Record<string, string>;
}

/**
 * Every non-2xx answer is `{ error, code, request_id }`. Errors below 500 are explained to the
 * client; anything else is logged and answered with a generic sentence and the request id.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) =>
    sendError(reply, request, describeError(err, request)),
  );

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, request, {
      status: 404,
      code: 'not_found',
      message: `No route ${request.method} ${shortPath(request.url)}.`,
    }),
  );
}

/** The path of a URL for a message: without the query, and cut short when it is long. */
function shortPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** Maps any error to its status, code and sentence; logs the ones that are our fault. */
export function describeError(err: FastifyError | ApiError, request: FastifyRequest): ErrorAnswer {
  if (err instanceof ApiError) {
    return {
      status: err.status,
      code: err.code,
      message: err.message,
      data: err.extra.data,
      headers: err.extra.headers,
    };
  }

  if (err.validation) {
    const where = err.validationContext ?? 'body';
    // Forms and query strings turn a name sent twice into a list; JSON means what it says.
    const repeatable = where !== 'body' || !/json/i.test(request.headers['content-type'] ?? '');
    const message = validationMessage(where, err.validation[0], partOf(request, where), repeatable);
    return { status: 400, code: 'validation_failed', message };
  }

  const mapped = fastifyCode(err);
  if (mapped) {
    return { status: errorCatalogue[mapped].status, code: mapped, message: catalogue(mapped) };
  }

  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, code: 'validation_failed', message: err.message };
  }

  if (databaseUnavailable(err)) {
    request.log.warn({ err }, 'database unavailable');
    return {
      status: 503,
      code: 'database_unavailable',
      message: catalogue('database_unavailable'),
      headers: { 'retry-after': '5' },
    };
  }

  request.log.error({ err }, 'unhandled error');
  return { status: 500, code: 'internal_error', message: catalogue('internal_error') };
}

/**
 * Errors that say the database cannot be reached or is busy (an outage, a restart, a lock held
 * too long), not that our code is wrong: network errors, PostgreSQL's connection-exception,
 * operator-intervention and insufficient-resources classes, SQLite's busy and locked.
 */
export function databaseUnavailable(err: { code?: unknown }): boolean {
  const code = typeof err.code === 'string' ? err.code : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return true;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
  // PostgreSQL SQLSTATE: 08 connection exception, 57P operator intervention, 53 resources,
  // 3D000 the database does not exist (dropped under a running server).
  return /^(08...|57P0[1-3]|53...|3D000)$/.test(code) && code.length === 5;
}

/** Writes an answer of describeError as our JSON error shape. */
export function sendError(reply: FastifyReply, request: FastifyRequest, answer: ErrorAnswer) {
  if (answer.headers) void reply.headers(answer.headers);
  const body: Record<string, unknown> = {
    error: answer.message,
    code: answer.code,
    request_id: request.id,
  };
  if (answer.data !== undefined) body.data = answer.data;
  return reply.status(answer.status).type('application/json').send(body);
}

const catalogue = (code: ErrorCode) => errorCatalogue[code].message;

function partOf(request: FastifyRequest, where: string): unknown {
  if (where === 'querystring') return request.query;
  if (where === 'params') return request.params;
  if (where === 'headers') return request.headers;
  return request.body;
}

/**
 * One sentence naming the field: `body.oauth.x is not a known property`, `body.app must be a
 * string`. ajv's own words otherwise; its paths (`/fields/0/name`) become `fields.0.name`.
 */
function validationMessage(
  where: string,
  first: FastifySchemaValidationError | undefined,
  data: unknown,
  repeatable = false,
): string {
  if (!first) return `${where} is not valid`;
  const params = first.params as Record<string, unknown>;
  const segments = first.instancePath.split('/').slice(1).map(unescapePointer);
  const path = (extra: string[] = []) => [where, ...segments, ...extra].join('.');

  switch (first.keyword) {
    case 'additionalProperties':
      return `${path([String(params.additionalProperty)])} is not a known property`;
    case 'required':
      return `${path([String(params.missingProperty)])} is required`;
    case 'type':
      // A form field or query parameter sent twice arrives as a list.
      if (repeatable && Array.isArray(valueAt(data, segments))) {
        return `${path()} was sent more than once; send it once`;
      }
      return `${path()} must be ${typeWords(params.type)}`;
    case 'enum':
      return `${path()} must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'not': {
      const value = JSON.stringify(valueAt(data, segments));
      return `${path()} must not be ${value}: the name is reserved`;
    }
    case 'pattern': {
      const words = patternWords[String(params.pattern)];
      return `${path()} ${words ?? `must match ${String(params.pattern)}`}`;
    }
    default:
      return `${path()} ${first.message ?? 'is not valid'}`;
  }
}

/** What the schemas' patterns mean, in words for the error sentence. */
const patternWords: Record<string, string> = {
  [scopeToken.pattern]: 'must be a scope: printable ASCII without spaces, quotes or backslashes',
  '^https?://': 'must be an http:// or https:// URL',
  '^[^\\s@]+@[^\\s@]+$': 'must be an email address',
  '^[0-9]{1,6}$': 'must be a whole number of seconds (at most 6 digits)',
};

function valueAt(data: unknown, segments: string[]): unknown {
  return segments.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as never)[key] : undefined),
    data,
  );
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  const word = (t: string) =>
    t === 'null' ? 'null' : `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t === 'number' ? 'number' : t}`;
  return types.map((t) => word(String(t))).join(' or ');
}

function fastifyCode(err: FastifyError): ErrorCode | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'invalid_json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'payload_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    default:
      if (err.statusCode === 429) return 'rate_limited';
      if (err instanceof SyntaxError) return 'invalid_json';
      return null;
  }
}

/**
 * Fastify's `clientErrorHandler`: what Node refuses before a request exists (headers or URL
 * over the size limit: 431; a control character in a header, or other broken HTTP: 400; too
 * slow: 408) gets our JSON shape, not Node's own. Writes one whole response on a connection that
 * has not answered anything yet, then closes it, as Node itself does.
 */
export function clientErrorHandler(log: Logger) {
  return (err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [code, message]: [ErrorCode, string] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? ['headers_too_large', errorCatalogue.headers_too_large.message]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['request_timeout', errorCatalogue.request_timeout.message]
          : ['bad_http', `The request is not valid HTTP (${reason(err)}).`];
    const status = errorCatalogue[code].status;
    const requestId = newRequestId();
    log.debug({ err, request_id: requestId, status }, 'client error');
    // A response already on its way (keep-alive, pipelining) must not be interleaved with ours.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const body = JSON.stringify({
        error: message,
        code,
        request_id: requestId,
      });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          'content-type: application/json; charset=utf-8\r\n' +
          `content-length: ${Buffer.byteLength(body)}\r\n` +
          'cache-control: no-store\r\n' +
          `x-request-id: ${requestId}\r\n` +
          'connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy(err);
  };
}

/** llhttp's reason ("Invalid header value char") without its "Parse Error: " prefix. */
function reason(err: Error & { reason?: unknown }): string {
  const text = typeof err.reason === 'string' ? err.reason : err.message;
  return text.replace(/^Parse Error:\s*/, '').slice(0, 100) || 'malformed';
}
