import { mesos } from '@mesoflow/proto';
import { newStatusUuid } from '../master/task-states';
import { StatusUpdateManager, type PendingUpdate } from './status-update-manager';

const S = mesos.v1.TaskState;

function status(state: mesos.v1.TaskState, taskId = 't'): mesos.v1.TaskStatus.$Properties {
  return { task_id: { value: taskId }, state, uuid: newStatusUuid() };
}

describe('StatusUpdateManager', () => {
  let forwarded: Array<{ update: PendingUpdate; latest: mesos.v1.TaskState }>;
  let manager: StatusUpdateManager;

  beforeEach(() => {
    jest.useFakeTimers();
    forwarded = [];
    manager = new StatusUpdateManager({ initialMs: 1000, maxMs: 3000 }, (update, latest) => forwarded.push({ update, latest }));
  });

  afterEach(() => {
    manager.stop();
    jest.useRealTimers();
  });

  it('forwards only the oldest unacknowledged update per task, with the latest state', () => {
    const starting = status(S.TASK_STARTING);
    manager.update('f', starting);
    manager.update('f', status(S.TASK_RUNNING));
    manager.update('f', status(S.TASK_FINISHED, 'other'));
    expect(forwarded.map((f) => [f.update.taskId, f.update.status.state])).toEqual([
      ['t', S.TASK_STARTING],
      ['other', S.TASK_FINISHED],
    ]);
    // A retry carries the newest state the agent knows by then.
    jest.advanceTimersByTime(1000);
    const retry = forwarded.find((f, i) => i >= 2 && f.update.taskId === 't');
    expect([retry?.update.status.state, retry?.latest]).toEqual([S.TASK_STARTING, S.TASK_RUNNING]);
    expect(manager.acknowledge('f', 't', starting.uuid as Uint8Array)?.status).toBe(starting);
    expect(forwarded[forwarded.length - 1].update.status.state).toBe(S.TASK_RUNNING);
  });

  it('retries with doubling intervals up to the maximum, byte for byte', () => {
    manager.update('f', status(S.TASK_STARTING));
    jest.advanceTimersByTime(999);
    expect(forwarded).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(forwarded).toHaveLength(2);
    jest.advanceTimersByTime(2000);
    expect(forwarded).toHaveLength(3);
    jest.advanceTimersByTime(3000);
    expect(forwarded).toHaveLength(4);
    jest.advanceTimersByTime(3000);
    expect(forwarded).toHaveLength(5);
    expect(new Set(forwarded.map((f) => f.update.record)).size).toBe(1);
  });

  it('ignores acknowledgements with another uuid and stops retrying once acknowledged', () => {
    const starting = status(S.TASK_STARTING);
    manager.update('f', starting);
    expect(manager.acknowledge('f', 't', newStatusUuid())).toBeNull();
    manager.acknowledge('f', 't', starting.uuid as Uint8Array);
    jest.advanceTimersByTime(10_000);
    expect(forwarded).toHaveLength(1);
    expect(manager.pendingCount).toBe(0);
  });

  it('resends at once on request and holds everything while paused', () => {
    manager.update('f', status(S.TASK_STARTING));
    manager.resend('f');
    expect(forwarded).toHaveLength(2);
    manager.pause();
    jest.advanceTimersByTime(10_000);
    manager.update('f', status(S.TASK_STARTING, 'u'));
    expect(forwarded).toHaveLength(2);
    manager.resume();
    expect(forwarded.map((f) => f.update.taskId)).toEqual(['t', 't', 't', 'u']);
  });
});
