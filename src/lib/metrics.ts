import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one process. Labels are low-cardinality on purpose: route patterns,
 * never ids, and never anything secret.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'latchkey_' });

  return {
    registry,
    httpDuration: new Histogram({
      name: 'latchkey_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    refreshes: new Counter({
      name: 'latchkey_refresh_outcomes_total',
      help: 'Refresh attempts at a provider by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    credentialReads: new Counter({
      name: 'latchkey_credential_reads_total',
      help: 'Credentials served',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
