import type { WorkerProfile } from '@mesoflow/mesos-placement';
import { ZkStoreError, ZkStoreErrorCode } from './errors';

/**
 * Where a worker is in its life:
 * - `New`: recorded, its LAUNCH not yet sent (or not known to have been sent);
 * - `Launched`: the LAUNCH was sent for an offer of `agentId`;
 * - `Released`: given up (task ended or never launched); terminal.
 */
export type WorkerState = 'New' | 'Launched' | 'Released';

/** The state changes a worker may make; staying in the same state is always allowed. */
export const WORKER_TRANSITIONS: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  New: ['Launched', 'Released'],
  Launched: ['Released'],
  Released: [],
};

/** One TaskManager worker as the store keeps it. */
export interface Worker {
  /** Mesos task ID, `taskmanager-00001`, from the store's persisted counter; never reused. */
  readonly taskId: string;
  readonly state: WorkerState;
  /** The agent the LAUNCH went to; set from `Launched` on. */
  readonly agentId?: string;
  /** The agent's hostname; set from `Launched` on. */
  readonly hostname?: string;
  /** What the worker asks for. */
  readonly resources: WorkerProfile;
  /** Host ports taken from the offer. */
  readonly ports: readonly number[];
  /** How many times this worker's task failed. */
  readonly failureCount: number;
  /** When the LAUNCH went out (ms since the epoch). */
  readonly launchedAt?: number;
  /**
   * The stored version this copy was read at; `update` succeeds only if the store still holds
   * it. ZooKeeper's data version in the ZooKeeper store, a write counter in the file store.
   */
  readonly version: number;
}

/** Where a worker is launched. */
export interface LaunchTarget {
  agentId: string;
  hostname: string;
  ports: readonly number[];
  /** @default Date.now() */
  launchedAt?: number;
}

const TASK_ID_PREFIX = 'taskmanager-';
const TASK_ID = /^taskmanager-(\d{5,})$/;

/** The task ID of the `n`th worker: `taskmanager-00001` for 1 (more digits past 99999). */
export function formatTaskId(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new ZkStoreError(ZkStoreErrorCode.INVALID_ARGUMENT, `A worker number must be a whole number >= 1, got ${n}`);
  }
  return `${TASK_ID_PREFIX}${String(n).padStart(5, '0')}`;
}

/** The number in a task ID made by {@link formatTaskId}; `undefined` for any other string. */
export function parseTaskId(taskId: string): number | undefined {
  const match = TASK_ID.exec(taskId);
  if (!match?.[1]) return undefined;
  const n = Number(match[1]);
  return Number.isSafeInteger(n) && n >= 1 && formatTaskId(n) === taskId ? n : undefined;
}

/** True when a worker may go from `from` to `to` (same state included). */
export function isLegalTransition(from: WorkerState, to: WorkerState): boolean {
  return from === to || WORKER_TRANSITIONS[from].includes(to);
}

/**
 * Rejects a state change the state machine forbids.
 * @throws ZkStoreError `ILLEGAL_TRANSITION` naming the task and both states.
 */
export function assertTransition(taskId: string, from: WorkerState, to: WorkerState): void {
  if (!isLegalTransition(from, to)) {
    throw new ZkStoreError(
      ZkStoreErrorCode.ILLEGAL_TRANSITION,
      `Worker '${taskId}' cannot go from ${from} to ${to}`,
    );
  }
}

/** A fresh worker in state `New`, at version 0. */
export function newWorkerRecord(taskId: string, resources: WorkerProfile): Worker {
  return { taskId, state: 'New', resources, ports: [], failureCount: 0, version: 0 };
}

/** The worker marked `Launched` on `target`; only from `New`. */
export function launched(worker: Worker, target: LaunchTarget): Worker {
  assertTransition(worker.taskId, worker.state, 'Launched');
  if (worker.state === 'Launched') {
    throw new ZkStoreError(ZkStoreErrorCode.ILLEGAL_TRANSITION, `Worker '${worker.taskId}' is already Launched`);
  }
  return {
    ...worker,
    state: 'Launched',
    agentId: target.agentId,
    hostname: target.hostname,
    ports: [...target.ports],
    launchedAt: target.launchedAt ?? Date.now(),
  };
}

/** The worker marked `Released`; a released worker is returned as is. */
export function released(worker: Worker): Worker {
  assertTransition(worker.taskId, worker.state, 'Released');
  return worker.state === 'Released' ? worker : { ...worker, state: 'Released' };
}

/** The worker with one more failure counted. */
export function withFailure(worker: Worker): Worker {
  return { ...worker, failureCount: worker.failureCount + 1 };
}

/** The stored form: everything but the version, which the store keeps beside the record. */
export type WorkerRecord = Omit<Worker, 'version'>;

const STATES: readonly WorkerState[] = ['New', 'Launched', 'Released'];

/**
 * Decodes a stored worker record.
 * @throws ZkStoreError `CORRUPT_RECORD` when it is not JSON or lacks a field.
 */
export function decodeWorkerRecord(text: string, where: string): WorkerRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, `The worker record at '${where}' is not JSON`, {
      path: where,
      cause,
    });
  }
  const record = value as Partial<Record<keyof WorkerRecord, unknown>> | null;
  const valid =
    typeof record === 'object' &&
    record !== null &&
    typeof record.taskId === 'string' &&
    STATES.includes(record.state as WorkerState) &&
    typeof record.resources === 'object' &&
    record.resources !== null &&
    Array.isArray(record.ports) &&
    record.ports.every((port) => Number.isInteger(port)) &&
    Number.isInteger(record.failureCount);
  if (!valid) {
    throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, `The worker record at '${where}' lacks a field`, {
      path: where,
    });
  }
  return value as WorkerRecord;
}

/** Encodes a worker without its version. */
export function encodeWorkerRecord(worker: Worker): string {
  const { version: _version, ...record } = worker;
  return JSON.stringify(record);
}
