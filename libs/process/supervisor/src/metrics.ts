import { Counter, Gauge, type Registry } from 'prom-client';

/** What a supervised child reports; a no-op without a registry. */
export interface ChildMetrics {
  up(child: string, up: boolean): void;
  restarted(child: string): void;
}

/**
 * Registers `mesoflow_supervisor_child_restarts_total{child}` and
 * `mesoflow_supervisor_child_up{child}` in `registry`, with a zero series per child from the
 * start so that dashboards see every child before its first event.
 */
export function createChildMetrics(registry: Registry | undefined, children: readonly string[]): ChildMetrics {
  if (!registry) return { up: () => undefined, restarted: () => undefined };
  const registers = [registry];
  const restarts = new Counter({
    name: 'mesoflow_supervisor_child_restarts_total',
    help: 'Times the supervisor started a child again after it exited or failed to spawn',
    labelNames: ['child'],
    registers,
  });
  const up = new Gauge({
    name: 'mesoflow_supervisor_child_up',
    help: '1 while the child process runs, 0 otherwise',
    labelNames: ['child'],
    registers,
  });
  for (const child of children) {
    restarts.inc({ child }, 0);
    up.set({ child }, 0);
  }
  return {
    up: (child, isUp) => up.set({ child }, isUp ? 1 : 0),
    restarted: (child) => restarts.inc({ child }),
  };
}
