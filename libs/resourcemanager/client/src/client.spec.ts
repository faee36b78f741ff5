// Pure parts of the clients: backoff, targets, error mapping, message mapping. No network.
import * as grpc from '@grpc/grpc-js';
import { mesoflow } from '@mesoflow/proto';
import { Backoff, backoffSettings } from './backoff';
import { codeOfStatus, isResourceManagerClientError, ResourceManagerClientError, ResourceManagerClientErrorCode, toClientError } from './errors';
import { allocationFromMessage, schedulerStatusFromMessage, workerFromMessage } from './messages';
import { parseTarget, staticTarget } from './target';

/** What `work` throws. */
function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('Nothing was thrown');
}

describe('Backoff', () => {
  it('grows the ceiling of a fully jittered delay up to the cap, and starts over after a reset', () => {
    const backoff = new Backoff(backoffSettings({ initialMs: 100, maxMs: 1_000, multiplier: 2 }), () => 0.999_999);
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoff.attempt).toBe(6);
    backoff.reset();
    expect(backoff.next()).toBe(100);
    expect(new Backoff(backoffSettings(), () => 0).next()).toBe(0);
  });

  it('refuses settings it cannot use', () => {
    expect(thrown(() => backoffSettings({ initialMs: 0 }))).toMatchObject({ code: ResourceManagerClientErrorCode.INVALID_OPTION });
    expect(() => backoffSettings({ initialMs: 500, maxMs: 100 })).toThrow(/backoff.maxMs must be a number >= 500/);
  });
});

describe('targets', () => {
  it('takes host:port and bracketed IPv6, nothing else', () => {
    expect(parseTarget('scheduler.example:6123')).toBe('scheduler.example:6123');
    expect(parseTarget('[::1]:6123')).toBe('[::1]:6123');
    expect(staticTarget('127.0.0.1:6123')()).toBe('127.0.0.1:6123');
    for (const bad of ['scheduler', 'scheduler:0', 'scheduler:70000', 'http://scheduler:6123', 'zk://zk1:2181/mesoflow']) {
      expect(thrown(() => parseTarget(bad))).toMatchObject({ code: ResourceManagerClientErrorCode.INVALID_OPTION });
    }
  });
});

describe('errors', () => {
  it('maps every status of the resource manager to its code, and tells retryable ones', () => {
    expect(codeOfStatus(grpc.status.FAILED_PRECONDITION)).toBe(ResourceManagerClientErrorCode.NOT_LAUNCHED);
    expect(codeOfStatus(grpc.status.NOT_FOUND)).toBe(ResourceManagerClientErrorCode.UNKNOWN_REGISTRATION);
    expect(codeOfStatus(grpc.status.ALREADY_EXISTS)).toBe(ResourceManagerClientErrorCode.ALLOCATION_CONFLICT);
    expect(codeOfStatus(grpc.status.ABORTED)).toBe(ResourceManagerClientErrorCode.REQUEST_WITHDRAWN);
    expect(codeOfStatus(grpc.status.INVALID_ARGUMENT)).toBe(ResourceManagerClientErrorCode.INVALID_REQUEST);
    expect(codeOfStatus(grpc.status.UNIMPLEMENTED)).toBe(ResourceManagerClientErrorCode.CALL_REJECTED);
    const unavailable = toClientError(Object.assign(new Error('14 UNAVAILABLE: No connection'), { code: 14, details: 'No connection', metadata: new grpc.Metadata() }), 'Heartbeat');
    expect(unavailable).toMatchObject({ code: ResourceManagerClientErrorCode.UNAVAILABLE, grpcCode: 14, message: 'Heartbeat failed with UNAVAILABLE: No connection', retryable: true });
    expect(new ResourceManagerClientError(ResourceManagerClientErrorCode.NOT_LAUNCHED, 'x').retryable).toBe(false);
    expect(isResourceManagerClientError(unavailable, ResourceManagerClientErrorCode.UNAVAILABLE)).toBe(true);
    expect(toClientError(unavailable, 'other')).toBe(unavailable);
  });
});

describe('messages', () => {
  it('fills absent fields and names the worker state', () => {
    expect(allocationFromMessage({ allocation_id: 'a' })).toEqual({ allocationId: 'a', jobId: '', slots: [], withdrawn: [], allocatedAtMs: 0 });
    expect(workerFromMessage({ task_id: 't', state: mesoflow.resourcemanager.v1.WorkerState.WORKER_STATE_RELEASED, ports: [31000] })).toEqual({
      taskId: 't',
      state: 'Released',
      taskState: '',
      agentId: '',
      hostname: '',
      ports: [31000],
      resources: { cpus: 0, memMb: 0, diskMb: 0, gpus: 0, networkMbps: 0 },
      failureCount: 0,
      launchedAtMs: 0,
      taskManager: undefined,
      history: [],
      frameworkId: '',
    });
  });

  it("maps a worker's history, leaving out an empty detail", () => {
    const worker = workerFromMessage({
      task_id: 't',
      framework_id: 'fw-1',
      history: [{ at_ms: 1, state: 'NEW' }, { at_ms: 2, state: 'TASK_FAILED', detail: 'REASON_COMMAND_EXECUTOR_FAILED' }, { at_ms: 3, state: 'RELEASED', detail: '' }],
    });
    expect(worker.frameworkId).toBe('fw-1');
    expect(worker.history).toEqual([
      { atMs: 1, state: 'NEW' },
      { atMs: 2, state: 'TASK_FAILED', detail: 'REASON_COMMAND_EXECUTOR_FAILED' },
      { atMs: 3, state: 'RELEASED' },
    ]);
  });

  it('fills the absent fields of the scheduler status', () => {
    expect(schedulerStatusFromMessage({ framework_name: 'Mesoflow', offer_history: [{ start_ms: 10_000, received: 2 }], maximum_failed_tasks: -1 })).toEqual({
      frameworkName: 'Mesoflow',
      frameworkId: '',
      master: '',
      leader: '',
      subscribed: false,
      suppressed: false,
      offersReceived: 0,
      offersAccepted: 0,
      offersDeclined: 0,
      offersRescinded: 0,
      offerHistory: [{ startMs: 10_000, received: 2, accepted: 0, declined: 0 }],
      offerHistoryIntervalMs: 0,
      pendingWorkers: 0,
      desiredWorkers: 0,
      reconciliationRounds: 0,
      resubscriptions: 0,
      failedTasks: 0,
      maximumFailedTasks: -1,
      startedAtMs: 0,
    });
  });
});
