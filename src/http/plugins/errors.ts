import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errorCatalogue, type ErrorCode } from '../../lib/errors.ts';

/**
 * Every non-2xx answer is `{ error, code, request_id }`. Errors below 500 are explained to the
 * client; anything else is logged and answered with a generic sentence and the request id.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      if (err.extra.headers) void reply.headers(err.extra.headers);
      return send(reply, request, err.status, err.code, err.message, err.extra.data);
    }

    if (err.validation) {
      const first = err.validation[0];
      const where = err.validationContext ?? 'body';
      const field = first?.instancePath
        ? first.instancePath.slice(1).replaceAll('/', '.')
        : (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const message = `${where}${field ? `.${field}` : ''} ${first?.message ?? 'is not valid'}`;
      return send(reply, request, 400, 'validation_failed', message);
    }

    const mapped = fastifyCode(err);
    if (mapped) return send(reply, request, errorCatalogue[mapped].status, mapped);

    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, request, err.statusCode, 'validation_failed', err.message);
    }

    request.log.error({ err }, 'unhandled error');
    return send(reply, request, 500, 'internal_error');
  });

  app.setNotFoundHandler((request, reply) =>
    send(
      reply,
      request,
      404,
      'not_found',
      `No route ${request.method} ${request.url.split('?')[0]}.`,
    ),
  );
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

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: ErrorCode,
  message: string = errorCatalogue[code].message,
  data?: unknown,
) {
  const body: Record<string, unknown> = { error: message, code, request_id: request.id };
  if (data !== undefined) body.data = data;
  return reply.status(status).type('application/json').send(body);
}
