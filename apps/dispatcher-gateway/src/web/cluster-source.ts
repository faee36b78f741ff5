// What the web views need of the scheduler, behind one small interface so the views are tested
// with plain data and the gateway wires the resource manager's client (SlotRequester) to it.
import type { SchedulerStatusInfo, SlotRequester, WorkerList } from '@mesoflow/resourcemanager-client';

/** The scheduler as the web views read it; both reject when it cannot be reached. */
export interface ClusterSource {
  workers(): Promise<WorkerList>;
  status(): Promise<SchedulerStatusInfo>;
}

/** The calls of the resource manager's client that a {@link ClusterSource} makes. */
export type SchedulerClient = Pick<SlotRequester, 'listWorkers' | 'getSchedulerStatus'>;

/** Options of {@link schedulerClusterSource}. */
export interface SchedulerClusterSourceOptions {
  /** Where the resource manager is (`host:port`, or the leader followed), for the error sentence. */
  target: string;
  /** Deadline of each call, retries included: a page waits no longer for a scheduler that is down. @default 2000 */
  timeoutMs?: number;
  /** How long an answer (or a failure) is reused, so that many browsers make one call. @default 1000 */
  cacheMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Why the scheduler could not be read: one sentence for the overview and the 503 bodies. */
export class SchedulerUnavailableError extends Error {
  override readonly name = 'SchedulerUnavailableError';
}

/** One call's answer, shared by every caller within `cacheMs` of it and while it is in flight. */
class CachedCall<T> {
  private last: { promise: Promise<T>; settledAt: number | undefined } | undefined;

  constructor(
    private readonly call: () => Promise<T>,
    private readonly cacheMs: number,
    private readonly now: () => number,
  ) {}

  get(): Promise<T> {
    const last = this.last;
    if (last !== undefined && (last.settledAt === undefined || this.now() - last.settledAt < this.cacheMs)) return last.promise;
    const entry: { promise: Promise<T>; settledAt: number | undefined } = { promise: this.call(), settledAt: undefined };
    const settle = (): void => {
      entry.settledAt = this.now();
    };
    entry.promise.then(settle, settle);
    this.last = entry;
    return entry.promise;
  }
}

/**
 * The scheduler read through the resource manager's client with short deadlines, each answer
 * cached for about a second.
 */
export function schedulerClusterSource(client: SchedulerClient, options: SchedulerClusterSourceOptions): ClusterSource {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const cacheMs = options.cacheMs ?? 1_000;
  const now = options.now ?? Date.now;
  const unavailable = (error: unknown): never => {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/[.\s]+$/, '');
    throw new SchedulerUnavailableError(`The scheduler's resource manager (${options.target}) could not be read: ${reason}`, { cause: error });
  };
  const workers = new CachedCall(() => client.listWorkers({ timeoutMs }).catch(unavailable), cacheMs, now);
  const status = new CachedCall(() => client.getSchedulerStatus({ timeoutMs }).catch(unavailable), cacheMs, now);
  return { workers: () => workers.get(), status: () => status.get() };
}
