import type { FastifyInstance, RouteOptions } from 'fastify';

export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly auth: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app as registered; the authorization tests walk it. */
    routeTable: RouteEntry[];
  }
}

/** Records each route as it is added; register first, so that none is missed. */
export function registerRouteTable(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      table.push({ method, url: route.url, auth: Boolean(route.config?.auth) });
    }
  });
}
