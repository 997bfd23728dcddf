import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/**
 * One log line per request, when it completes (method, path without query, status, time),
 * instead of Fastify's two: the read path is hot and every line costs. Headers and query
 * strings are never logged (see src/lib/log.ts).
 */
export class OneLineRequestLog extends LogController {
  constructor(private readonly requestLog: Logger) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    if (error) {
      reply.log.error({ req: request, res: reply, ms, err: error }, 'request errored');
      return;
    }
    if (!this.requestLog.isLevelEnabled('info')) return;
    const req = { method: request.method, path: request.url.split('?')[0] };
    const line = { reqId: request.id, req, res: { status: reply.statusCode }, ms };
    this.requestLog.info(line, 'request completed');
  }
}
