import { WorkerHistory } from './worker-history';

describe('WorkerHistory', () => {
  it('keeps the last changes of each worker, oldest first, and leaves lists handed out as they were', () => {
    const history = new WorkerHistory(3);
    history.record('tm-1', { atMs: 1, state: 'NEW', detail: undefined });
    history.record('tm-1', { atMs: 2, state: 'LAUNCHED', detail: "on agent 'a1'" });
    const before = history.of('tm-1');
    history.record('tm-1', { atMs: 3, state: 'TASK_RUNNING', detail: undefined });
    history.record('tm-1', { atMs: 4, state: 'REGISTERED', detail: undefined });
    history.record('tm-2', { atMs: 5, state: 'NEW', detail: undefined });

    expect(history.of('tm-1').map((change) => change.atMs)).toEqual([2, 3, 4]);
    expect(before.map((change) => change.state)).toEqual(['NEW', 'LAUNCHED']);
    expect(history.of('tm-2').map((change) => change.state)).toEqual(['NEW']);
    expect(history.of('tm-3')).toEqual([]);
    expect([history.has('tm-2'), history.has('tm-3')]).toEqual([true, false]);

    history.clear();
    expect(history.of('tm-1')).toEqual([]);
  });

  it('skips a task state the master repeats, even once the first report was trimmed away', () => {
    const history = new WorkerHistory(2);
    expect(history.recordTaskState('tm-1', { atMs: 1, state: 'TASK_RUNNING', detail: undefined })).toBe(true);
    history.record('tm-1', { atMs: 2, state: 'REGISTERED', detail: undefined });
    history.record('tm-1', { atMs: 3, state: 'LOST', detail: 'no heartbeat for 1500 ms' });
    expect(history.recordTaskState('tm-1', { atMs: 4, state: 'TASK_RUNNING', detail: 'REASON_RECONCILIATION' })).toBe(false);
    expect(history.recordTaskState('tm-1', { atMs: 5, state: 'TASK_KILLED', detail: undefined })).toBe(true);

    expect(history.of('tm-1').map((change) => change.state)).toEqual(['LOST', 'TASK_KILLED']);
  });
});
