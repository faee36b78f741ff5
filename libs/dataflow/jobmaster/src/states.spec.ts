import { isJobMasterError, JobMasterErrorCode } from './errors';
import { decideRestart, restartStrategyOf } from './restart-strategy';
import { isTerminalJobState, isTerminalTaskState, jobTransition, taskTransition, type JobState, type TaskState } from './states';
import { wordCountGraph } from './testing/graphs';

describe('task state machine', () => {
  it.each<[TaskState, TaskState]>([
    ['CREATED', 'SCHEDULED'],
    ['SCHEDULED', 'DEPLOYING'],
    ['DEPLOYING', 'RUNNING'],
    ['RUNNING', 'FINISHED'],
    ['RUNNING', 'FAILED'],
    ['RUNNING', 'CANCELING'],
    ['CANCELING', 'CANCELED'],
    ['DEPLOYING', 'FINISHED'],
    ['SCHEDULED', 'CANCELED'],
  ])('allows %s -> %s', (from, to) => {
    expect(taskTransition(from, to, "vertex 'v' subtask 0")).toBe(to);
  });

  it.each<[TaskState, TaskState, string]>([
    ['FINISHED', 'RUNNING', "Task vertex 'v' subtask 0 cannot go from FINISHED to RUNNING: FINISHED is a terminal state"],
    ['RUNNING', 'SCHEDULED', "Task vertex 'v' subtask 0 cannot go from RUNNING to SCHEDULED: from RUNNING it may only go to FINISHED, FAILED, CANCELING"],
    ['RUNNING', 'CANCELED', "Task vertex 'v' subtask 0 cannot go from RUNNING to CANCELED: from RUNNING it may only go to FINISHED, FAILED, CANCELING"],
    ['CREATED', 'RUNNING', "Task vertex 'v' subtask 0 cannot go from CREATED to RUNNING: from CREATED it may only go to SCHEDULED, CANCELED"],
  ])('refuses %s -> %s', (from, to, message) => {
    let error: unknown;
    try {
      taskTransition(from, to, "vertex 'v' subtask 0");
    } catch (caught) {
      error = caught;
    }
    expect(isJobMasterError(error, JobMasterErrorCode.ILLEGAL_TRANSITION)).toBe(true);
    expect((error as Error).message).toBe(message);
  });

  it('knows the terminal states', () => {
    expect((['FINISHED', 'FAILED', 'CANCELED', 'RUNNING', 'CANCELING'] as TaskState[]).map(isTerminalTaskState)).toEqual([true, true, true, false, false]);
  });
});

describe('job state machine', () => {
  it('follows Flink: run, fail, restart, run, finish', () => {
    const path: JobState[] = ['CREATED', 'RUNNING', 'FAILING', 'RESTARTING', 'RUNNING', 'FINISHED'];
    path.slice(1).forEach((to, i) => expect(jobTransition(path[i], to, "job 'j'")).toBe(to));
  });

  it.each<[JobState, JobState]>([
    ['RUNNING', 'CANCELLING'],
    ['RESTARTING', 'CANCELLING'],
    ['FAILING', 'CANCELLING'],
    ['FAILING', 'FAILED'],
    ['CANCELLING', 'CANCELED'],
  ])('allows %s -> %s', (from, to) => {
    expect(jobTransition(from, to, "job 'j'")).toBe(to);
  });

  it.each<[JobState, JobState, string]>([
    ['RUNNING', 'RESTARTING', "The job 'j' cannot go from RUNNING to RESTARTING: from RUNNING it may only go to FINISHED, FAILING, CANCELLING"],
    ['CANCELED', 'RUNNING', "The job 'j' cannot go from CANCELED to RUNNING: CANCELED is a terminal state"],
    ['RESTARTING', 'FINISHED', "The job 'j' cannot go from RESTARTING to FINISHED: from RESTARTING it may only go to RUNNING, CANCELLING"],
  ])('refuses %s -> %s', (from, to, message) => {
    expect(() => jobTransition(from, to, "job 'j'")).toThrow(message);
  });

  it('knows the terminal states', () => {
    expect((['FINISHED', 'FAILED', 'CANCELED', 'RESTARTING'] as JobState[]).map(isTerminalJobState)).toEqual([true, true, true, false]);
  });
});

describe('fixed-delay restart strategy', () => {
  it('comes from the job graph config', () => {
    expect(restartStrategyOf(wordCountGraph(1, { attempts: 3, delayMs: 2500 }))).toEqual({ attempts: 3, delayMs: 2500 });
    expect(restartStrategyOf({ job_name: 'no config' })).toEqual({ attempts: 0, delayMs: 0 });
  });

  it('restarts `attempts` times, then gives up', () => {
    const strategy = { attempts: 2, delayMs: 100 };
    expect([0, 1, 2].map((n) => decideRestart(strategy, n))).toEqual([
      { restart: true, delayMs: 100 },
      { restart: true, delayMs: 100 },
      { restart: false },
    ]);
    expect(decideRestart({ attempts: 0, delayMs: 100 }, 0)).toEqual({ restart: false });
  });
});
