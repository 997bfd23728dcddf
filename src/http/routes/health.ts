import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../lib/errors.ts';
import { ping, type Store } from '../../store/db.ts';

export function healthRoutes(app: FastifyInstance, store: Store): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is up' } }, () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'The database answers' } },
    async () => {
      if (!(await ping(store))) throw new ApiError('not_ready');
      return { status: 'ready' };
    },
  );
}
