import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A Prometheus registry of the service's own, with the default process metrics (CPU, memory,
 * event loop lag, GC, handles). Each service registers its metrics here, never in prom-client's
 * global registry, so that two services in one process (as in tests) keep separate figures.
 *
 * @param prefix put before the default metrics' names, e.g. `mesoflow_`. @default ''
 */
export function createMetricsRegistry(prefix = ''): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}
