// Flink's fixed-delay restart strategy, configured by the job graph.
import type { mesoflow } from '@mesoflow/proto';

/** Restart the whole job up to `attempts` times, `delayMs` after each failure. */
export interface FixedDelayRestartStrategy {
  /** Restarts allowed; 0 means the job fails on its first failure. */
  readonly attempts: number;
  readonly delayMs: number;
}

/** What to do after a failure. */
export type RestartDecision = { readonly restart: true; readonly delayMs: number } | { readonly restart: false };

/** The job graph's `config.restart_strategy` (no restarts when unset). */
export function restartStrategyOf(graph: mesoflow.dataflow.v1.JobGraph.$Properties): FixedDelayRestartStrategy {
  const strategy = graph.config?.restart_strategy;
  return { attempts: strategy?.attempts ?? 0, delayMs: toNumber(strategy?.delay_ms) };
}

/** Whether a job that has restarted `restartsSoFar` times restarts again after a failure. */
export function decideRestart(strategy: FixedDelayRestartStrategy, restartsSoFar: number): RestartDecision {
  return restartsSoFar < strategy.attempts ? { restart: true, delayMs: strategy.delayMs } : { restart: false };
}

// protobufjs gives a uint64 as a number or a Long.
function toNumber(value: number | { toString(): string } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value.toString());
}
