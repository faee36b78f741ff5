// The job master against in-memory fakes (see testing/fakes.ts): FakeSlotProvider stands in for
// the scheduler's resource manager (the real SlotRequester is tested against a real scheduler in
// @mesoflow/resourcemanager-client), FakeTaskManagers for the TaskManagers' deploy RPC, which
// does not exist yet. Time is a ManualClock.
import { ManualClock } from '@mesoflow/dataflow-runtime';
import type { mesoflow } from '@mesoflow/proto';
import { rejectionOf, waitFor } from '@mesoflow/testing';
import { JobMasterErrorCode, type JobMasterError } from './errors';
import type { TaskDeploymentDescriptor } from './execution-graph';
import { JobMaster, type JobMasterEvent, type JobProgress, type JobResult } from './job-master';
import type { TaskStateReport } from './ports';
import type { JobState } from './states';
import { FakeSlotProvider, FakeTaskManagers } from './testing/fakes';
import { wordCountGraph } from './testing/graphs';

const START = 1_000;

function setup(graph: mesoflow.dataflow.v1.JobGraph.$Properties, options: { cancelTimeoutMs?: number } = {}) {
  const clock = new ManualClock(START);
  const slots = new FakeSlotProvider();
  const taskManagers = new FakeTaskManagers();
  const master = new JobMaster({ jobId: 'job-1', graph, slots, deployer: taskManagers, clock, ...options });
  taskManagers.report = (report) => master.reportTaskState(report);
  const events: JobMasterEvent[] = [];
  master.onEvent((event) => events.push(event));
  const jobStates = (): JobState[] => events.flatMap((e) => (e.kind === 'job-state' ? [e.to] : []));
  const progress = (): JobProgress[] => events.flatMap((e) => (e.kind === 'progress' ? [e.progress] : []));
  const deployedAttempt = (attempt: number, count: number): Promise<TaskDeploymentDescriptor[]> =>
    waitFor(() => (taskManagers.ofAttempt(attempt).length === count ? taskManagers.ofAttempt(attempt) : undefined), {
      description: `${count} deployments of attempt ${attempt}`,
      intervalMs: 1,
      timeoutMs: 2_000,
    });
  const inState = (state: JobState): Promise<boolean> =>
    waitFor(() => master.state === state, { description: `job ${state}`, intervalMs: 1, timeoutMs: 2_000 });
  return { clock, slots, taskManagers, master, events, jobStates, progress, deployedAttempt, inState };
}

const report = (master: JobMaster, descriptors: readonly TaskDeploymentDescriptor[], state: TaskStateReport['state']): void => {
  for (const d of descriptors) master.reportTaskState({ attemptId: d.attemptId, state });
};

const failureOf = (d: TaskDeploymentDescriptor): TaskStateReport => ({
  attemptId: d.attemptId,
  state: 'FAILED',
  failure: {
    message: `Operator 'Flat Map' (flat-map-1) failed in subtask ${d.attemptId.subtaskIndex} (${d.attemptId.subtaskIndex + 1}/2) on key "be": boom`,
    operatorId: 'flat-map-1',
    operatorName: 'Flat Map',
    key: 'be',
  },
});

const flatMapOf = (descriptors: readonly TaskDeploymentDescriptor[], subtask: number): TaskDeploymentDescriptor => {
  const found = descriptors.find((d) => d.vertexName === 'Flat Map -> Key By' && d.attemptId.subtaskIndex === subtask);
  if (found === undefined) throw new Error(`no Flat Map subtask ${subtask}`);
  return found;
};

describe('JobMaster', () => {
  it('requests max-parallelism slots, deploys every task and finishes when all tasks finish', async () => {
    const { master, slots, progress, jobStates, deployedAttempt } = setup(wordCountGraph(2));
    const result = master.run();
    const deployed = await deployedAttempt(0, 5);
    expect(slots.requests).toEqual([{ allocationId: 'job-1-attempt-0', jobId: 'job-1', slots: 2 }]);
    expect(master.tasks().map((t) => t.state)).toEqual(Array(5).fill('DEPLOYING'));
    expect(master.tasks().map((t) => t.taskManagerId)).toEqual([
      'taskmanager-00001',
      'taskmanager-00001',
      'taskmanager-00002',
      'taskmanager-00001',
      'taskmanager-00002',
    ]);

    report(master, deployed, 'RUNNING');
    report(master, deployed, 'FINISHED');
    await expect(result).resolves.toEqual({ jobId: 'job-1', state: 'FINISHED', restarts: 0, failure: undefined });
    expect(jobStates()).toEqual(['RUNNING', 'FINISHED']);
    expect(slots.released).toEqual(['job-1-attempt-0']);
    expect(master.tasks().every((t) => t.state === 'FINISHED')).toBe(true);

    const phases = progress();
    expect(phases[0]).toEqual({ phase: 'waiting-for-slots', attempt: 0, slotsNeeded: 2 });
    expect(phases).toContainEqual(expect.objectContaining({ phase: 'waiting-for-slots', request: expect.objectContaining({ slotsRequested: 2 }) }));
    expect(phases).toContainEqual({ phase: 'deploying', attempt: 0, deployed: 0, total: 5 });
    expect(phases).toContainEqual({ phase: 'deploying', attempt: 0, deployed: 5, total: 5 });
    expect(phases).toContainEqual({ phase: 'running', attempt: 0, running: 5, finished: 0, total: 5 });
    expect(phases[phases.length - 1]).toEqual({ phase: 'running', attempt: 0, running: 0, finished: 5, total: 5 });
  });

  it('restarts after a task failure: cancels the others, waits the delay, new slots, attempt + 1', async () => {
    const { master, slots, clock, taskManagers, jobStates, progress, deployedAttempt, inState } = setup(wordCountGraph(2, { attempts: 2, delayMs: 5_000 }));
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    report(master, first, 'RUNNING');
    master.reportTaskState(failureOf(flatMapOf(first, 1)));
    await inState('RESTARTING');

    // Every other task was asked to cancel and reported CANCELED.
    expect(taskManagers.canceled).toHaveLength(4);
    expect(taskManagers.canceled).not.toContainEqual(flatMapOf(first, 1).attemptId);
    expect(master.tasks().map((t) => t.state).sort()).toEqual(['CANCELED', 'CANCELED', 'CANCELED', 'CANCELED', 'FAILED']);
    expect(progress()).toContainEqual({ phase: 'restarting', nextAttempt: 1, delayMs: 5_000, restartAtMs: START + 5_000 });

    // Nothing happens before the delay is up.
    clock.advance(4_999);
    expect(slots.requests).toHaveLength(1);
    expect(slots.released).toEqual([]);
    clock.advance(1);
    const second = await deployedAttempt(1, 5);
    expect(slots.released).toEqual(['job-1-attempt-0']);
    expect(slots.requests.map((r) => r.allocationId)).toEqual(['job-1-attempt-0', 'job-1-attempt-1']);
    expect(second.every((d) => d.attemptId.attempt === 1 && d.allocationId === 'job-1-attempt-1')).toBe(true);
    expect(second.flatMap((d) => d.inputs.flatMap((i) => i.producers.map((p) => p.partitionId.attempt)))).not.toContain(0);

    // A late report of the old attempt changes nothing.
    expect(master.reportTaskState({ attemptId: first[0].attemptId, state: 'FINISHED' })).toBe(false);

    report(master, second, 'RUNNING');
    report(master, second, 'FINISHED');
    const done = await result;
    expect(done).toMatchObject({ state: 'FINISHED', restarts: 1 });
    expect(jobStates()).toEqual(['RUNNING', 'FAILING', 'RESTARTING', 'RUNNING', 'FINISHED']);
    expect(slots.released).toEqual(['job-1-attempt-0', 'job-1-attempt-1']);
  });

  it('fails with the last failure as cause once the restarts are used up', async () => {
    const { master, slots, clock, jobStates, deployedAttempt, inState, events } = setup(wordCountGraph(2, { attempts: 1, delayMs: 100 }));
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    report(master, first, 'RUNNING');
    master.reportTaskState(failureOf(flatMapOf(first, 0)));
    await inState('RESTARTING');
    clock.advance(100);
    const second = await deployedAttempt(1, 5);
    report(master, second, 'RUNNING');
    clock.advance(250);
    master.reportTaskState(failureOf(flatMapOf(second, 1)));

    const done = await result;
    expect(done).toEqual({
      jobId: 'job-1',
      state: 'FAILED',
      restarts: 1,
      failure: {
        message: `Operator 'Flat Map' (flat-map-1) failed in subtask 1 (2/2) on key "be": boom`,
        attempt: 1,
        vertexId: flatMapOf(second, 1).attemptId.vertexId,
        subtaskIndex: 1,
        operatorId: 'flat-map-1',
        operatorName: 'Flat Map',
        key: 'be',
        taskManagerId: 'taskmanager-00002',
        atMs: START + 350,
      },
    });
    expect(jobStates()).toEqual(['RUNNING', 'FAILING', 'RESTARTING', 'RUNNING', 'FAILING', 'FAILED']);
    const failed = events.find((e) => e.kind === 'job-state' && e.to === 'FAILED');
    expect(failed).toMatchObject({ failure: done.failure });
    expect(slots.released).toEqual(['job-1-attempt-0', 'job-1-attempt-1']);
    expect(slots.requests).toHaveLength(2);
  });

  it('fails on the first failure with no restart strategy', async () => {
    const { master, slots, jobStates, deployedAttempt } = setup(wordCountGraph(2));
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    report(master, first, 'RUNNING');
    master.reportTaskState(failureOf(flatMapOf(first, 0)));
    await expect(result).resolves.toMatchObject({ state: 'FAILED', restarts: 0, failure: { subtaskIndex: 0, attempt: 0 } });
    expect(jobStates()).toEqual(['RUNNING', 'FAILING', 'FAILED']);
    expect(slots.released).toEqual(['job-1-attempt-0']);
  });

  it('cancels a running job: cancels every task, releases the slots, CANCELED', async () => {
    const { master, slots, taskManagers, jobStates, deployedAttempt } = setup(wordCountGraph(2));
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    report(master, first, 'RUNNING');
    master.reportTaskState({ attemptId: first[0].attemptId, state: 'FINISHED' });
    master.cancel();
    expect(master.state).toBe('CANCELLING');
    await expect(result).resolves.toMatchObject({ state: 'CANCELED', restarts: 0 });
    expect(taskManagers.canceled).toEqual(first.slice(1).map((d) => d.attemptId));
    expect(master.tasks().map((t) => t.state)).toEqual(['FINISHED', 'CANCELED', 'CANCELED', 'CANCELED', 'CANCELED']);
    expect(jobStates()).toEqual(['RUNNING', 'CANCELLING', 'CANCELED']);
    expect(slots.released).toEqual(['job-1-attempt-0']);
    master.cancel();
    expect(master.state).toBe('CANCELED');
  });

  it('ends CANCELED when cancelled while releasing the slots of a failed job', async () => {
    const { master, slots, jobStates, deployedAttempt } = setup(wordCountGraph(2));
    let open = (): void => undefined;
    slots.releaseGate = new Promise((resolve) => (open = resolve));
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    report(master, first, 'RUNNING');
    master.reportTaskState(failureOf(flatMapOf(first, 0)));
    await waitFor(() => slots.released.length === 1, { intervalMs: 1, timeoutMs: 2_000 });
    master.cancel();
    open();
    await expect(result).resolves.toMatchObject({ state: 'CANCELED', failure: { subtaskIndex: 0 } });
    expect(jobStates()).toEqual(['RUNNING', 'FAILING', 'CANCELLING', 'CANCELED']);
  });

  it('cancels a restarting job without waiting for the delay', async () => {
    const { master, slots, clock, jobStates, deployedAttempt, inState } = setup(wordCountGraph(2, { attempts: 3, delayMs: 60_000 }));
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    report(master, first, 'RUNNING');
    master.reportTaskState(failureOf(flatMapOf(first, 0)));
    await inState('RESTARTING');
    master.cancel();
    await expect(result).resolves.toMatchObject({ state: 'CANCELED', restarts: 0, failure: { subtaskIndex: 0 } });
    expect(jobStates()).toEqual(['RUNNING', 'FAILING', 'RESTARTING', 'CANCELLING', 'CANCELED']);
    expect(slots.released).toEqual(['job-1-attempt-0']);
    expect(slots.requests).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('cancels a job waiting for slots: withdraws the request, deploys nothing', async () => {
    const { master, slots, taskManagers } = setup(wordCountGraph(2));
    slots.hold = true;
    const result = master.run();
    await waitFor(() => slots.requests.length === 1, { intervalMs: 1, timeoutMs: 2_000 });
    expect(master.tasks().every((t) => t.state === 'SCHEDULED')).toBe(true);
    master.cancel();
    await expect(result).resolves.toMatchObject({ state: 'CANCELED' });
    expect(master.tasks().every((t) => t.state === 'CANCELED')).toBe(true);
    expect(slots.released).toEqual(['job-1-attempt-0']);
    expect(taskManagers.deployed).toEqual([]);
  });

  it('counts tasks whose TaskManager does not answer a cancel as CANCELED after the cancel timeout', async () => {
    const { master, slots, clock, taskManagers, deployedAttempt, inState } = setup(wordCountGraph(2), { cancelTimeoutMs: 10_000 });
    taskManagers.answerCancels = false;
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    report(master, first, 'RUNNING');
    master.reportTaskState(failureOf(flatMapOf(first, 0)));
    await inState('FAILING');
    await waitFor(() => taskManagers.canceled.length === 4, { intervalMs: 1, timeoutMs: 2_000 });
    expect(slots.released).toEqual([]);
    clock.advance(10_000);
    await expect(result).resolves.toMatchObject({ state: 'FAILED' });
    expect(master.tasks().filter((t) => t.state === 'CANCELED')).toHaveLength(4);
    expect(slots.released).toEqual(['job-1-attempt-0']);
  });

  it('fails the attempt when a TaskManager refuses a task', async () => {
    const { master, slots, taskManagers } = setup(wordCountGraph(2));
    taskManagers.refuse = (d) => d.vertexName === 'Keyed Sum -> Sink: Collect' && d.attemptId.subtaskIndex === 1;
    const result: JobResult = await master.run();
    expect(result.state).toBe('FAILED');
    expect(result.failure).toMatchObject({
      message: expect.stringMatching(/^Deploying vertex '.*' subtask 1 attempt 0 of job 'job-1' to TaskManager 'taskmanager-00002' \(10\.0\.0\.2:6122\) failed: TaskManager 'taskmanager-00002' refused the task$/),
      subtaskIndex: 1,
      taskManagerId: 'taskmanager-00002',
    });
    expect(taskManagers.canceled).toHaveLength(4);
    expect(slots.released).toEqual(['job-1-attempt-0']);
  });

  it('fails the attempt when the slot request fails', async () => {
    const { master, slots } = setup(wordCountGraph(2));
    slots.failWith = new Error('deadline exceeded');
    const result = await master.run();
    expect(result).toMatchObject({
      state: 'FAILED',
      failure: { message: "Slot request 'job-1-attempt-0' of job 'job-1' for 2 slot(s) failed: deadline exceeded", attempt: 0 },
    });
    expect(slots.released).toEqual(['job-1-attempt-0']);
  });

  it('ignores repeats and other jobs, and refuses illegal reports', async () => {
    const { master, deployedAttempt } = setup(wordCountGraph(2));
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    const id = first[0].attemptId;
    expect(master.reportTaskState({ attemptId: id, state: 'RUNNING' })).toBe(true);
    expect(master.reportTaskState({ attemptId: id, state: 'RUNNING' })).toBe(true);
    expect(master.reportTaskState({ attemptId: { ...id, jobId: 'job-2' }, state: 'FAILED' })).toBe(false);
    expect(master.reportTaskState({ attemptId: { ...id, subtaskIndex: 7 }, state: 'FAILED' })).toBe(false);
    expect(master.reportTaskState({ attemptId: id, state: 'FINISHED' })).toBe(true);
    let error: unknown;
    try {
      master.reportTaskState({ attemptId: id, state: 'RUNNING' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: JobMasterErrorCode.ILLEGAL_TRANSITION });
    expect((error as JobMasterError).message).toBe(
      `Task vertex '${id.vertexId}' subtask 0 attempt 0 of job 'job-1' cannot go from FINISHED to RUNNING: FINISHED is a terminal state`,
    );
    master.cancel();
    await expect(result).resolves.toMatchObject({ state: 'CANCELED' });
  });

  it('can be cancelled before it runs, and runs only once', async () => {
    const { master, slots, jobStates } = setup(wordCountGraph(2));
    master.cancel();
    await expect(master.run()).resolves.toMatchObject({ state: 'CANCELED' });
    expect(jobStates()).toEqual(['CANCELLING', 'CANCELED']);
    expect(slots.requests).toEqual([]);
    const error = await rejectionOf<JobMasterError>(Promise.resolve().then(() => master.run()));
    expect(error.code).toBe(JobMasterErrorCode.ILLEGAL_STATE);
  });
});
