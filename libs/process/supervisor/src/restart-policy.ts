import { constants } from 'node:os';
import type { RestartBackoff } from './options';

/**
 * The delays between a service child's exits and its restarts: `initialMs` doubled per exit in a
 * row, capped at `maxMs`, and back to `initialMs` once the child stayed up `stableMs`. No jitter:
 * each child is the only one of its kind, so there is no herd to spread.
 */
export class RestartDelays {
  /** Exits in a row without a stable run: the exponent. */
  private failures = 0;

  constructor(
    private readonly backoff: RestartBackoff,
    private readonly stableMs: number,
  ) {}

  /**
   * Counts an exit and returns the delay before the restart.
   * @param uptimeMs how long the process ran; `undefined` when it could not be spawned.
   */
  afterExit(uptimeMs: number | undefined): number {
    if (uptimeMs !== undefined && uptimeMs >= this.stableMs) this.failures = 0;
    const delay = this.backoff.initialMs * 2 ** this.failures;
    this.failures += 1;
    return Math.min(this.backoff.maxMs, delay);
  }
}

/** A process's end as a shell reports it: the code, or 128 + the signal's number. */
export function shellExitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

/** A child that could not be spawned, as a shell reports it: 127 when not found, 126 when not executable. */
export function spawnFailureExitCode(error: NodeJS.ErrnoException): number {
  if (error.code === 'ENOENT') return 127;
  if (error.code === 'EACCES') return 126;
  return 1;
}
