// The job master against in-memory fakes (see testing/fakes.ts): FakeSlotProvider stands in for
// the scheduler's resource manager (the real SlotRequester is tested against a real scheduler in
// @mesoflow/resourcemanager-client), FakeTaskManagers for the TaskManagers' TaskExecutorService
// (run for real in the TaskManager's int-specs). Time is a ManualClock.
import { ManualClock } from '@mesoflow/dataflow-runtime';
import type { mesoflow } from '@mesoflow/proto';
import { rejectionOf, waitFor } from '@mesoflow/testing';
import { JobMasterErrorCode, type JobMasterError } from './errors';
import { buildDeploymentDescriptors, slotsNeeded, type TaskDeploymentDescriptor } from './execution-graph';
import type { CollectedRecord } from './grpc-task-deployer';
import { firstAttemptOfRun, JobMaster, type JobMasterEvent, type JobMasterOptions, type JobProgress, type JobResult } from './job-master';
import { restartStrategyOf } from './restart-strategy';
import type { DiscoveredTask, TaskStateReport } from './ports';
import type { JobState } from './states';
import { FakeSlotProvider, FakeTaskManagers } from './testing/fakes';
import { wordCountGraph } from './testing/graphs';

const START = 1_000;

function setup(graph: mesoflow.dataflow.v1.JobGraph.$Properties, options: Pick<JobMasterOptions, 'cancelTimeoutMs' | 'firstAttempt' | 'adoptPreviousRun' | 'discoveryTimeoutMs'> = {}) {
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
    await expect(result).resolves.toEqual({ jobId: 'job-1', state: 'FINISHED', restarts: 0, lastAttempt: 0, failure: undefined });
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

  it("starts a later run's attempts past every attempt of the runs before it, slots and executions alike", async () => {
    const graph = wordCountGraph(2);
    // wordCountGraph restarts up to its strategy's attempts: a second run starts past all of them.
    const first = firstAttemptOfRun(2, graph);
    expect(firstAttemptOfRun(1, graph)).toBe(0);
    expect(first).toBe(restartStrategyOf(graph).attempts + 1);
    const clock = new ManualClock(START);
    const slots = new FakeSlotProvider();
    const taskManagers = new FakeTaskManagers();
    const master = new JobMaster({ jobId: 'job-1', graph, slots, deployer: taskManagers, clock, firstAttempt: first });
    const result = master.run();
    const deployed = await waitFor(() => (taskManagers.ofAttempt(first).length === 5 ? taskManagers.ofAttempt(first) : undefined), {
      description: `5 deployments of attempt ${first}`,
      intervalMs: 1,
      timeoutMs: 2_000,
    });
    expect(slots.requests).toEqual([{ allocationId: `job-1-attempt-${first}`, jobId: 'job-1', slots: 2 }]);
    report(master, deployed, 'RUNNING');
    report(master, deployed, 'FINISHED');
    await expect(result).resolves.toMatchObject({ state: 'FINISHED', restarts: 0, lastAttempt: first });
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
      lastAttempt: 1,
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

describe('JobMaster for status pages', () => {
  it('keeps the record counts of each task, and its rates between its last two reports, and emits task-metrics when they change', async () => {
    const { master, events, deployedAttempt } = setup(wordCountGraph(2));
    const result = master.run();
    const deployed = await deployedAttempt(0, 5);
    report(master, deployed, 'RUNNING');
    const id = deployed[0].attemptId;
    const snapshot = () => master.tasks().find((task) => task.attemptId.vertexId === id.vertexId && task.attemptId.subtaskIndex === id.subtaskIndex);
    const metricEvents = () => events.filter((event) => event.kind === 'task-metrics');

    expect(snapshot()).not.toHaveProperty('recordsIn');
    expect(master.reportTaskMetrics({ attemptId: id, recordsIn: 100, recordsOut: 50, atMs: 10_000 })).toBe(true);
    expect(snapshot()).toMatchObject({ recordsIn: 100, recordsOut: 50 });
    expect(snapshot()).not.toHaveProperty('recordsInPerSecond');
    master.reportTaskMetrics({ attemptId: id, recordsIn: 500, recordsOut: 350, atMs: 12_000 });
    expect(snapshot()).toMatchObject({ recordsIn: 500, recordsOut: 350, recordsInPerSecond: 200, recordsOutPerSecond: 150 });
    // Idle: the rates drop to 0 once, then nothing changes and nothing is emitted.
    master.reportTaskMetrics({ attemptId: id, recordsIn: 500, recordsOut: 350, atMs: 13_000 });
    master.reportTaskMetrics({ attemptId: id, recordsIn: 500, recordsOut: 350, atMs: 14_000 });
    expect(snapshot()).toMatchObject({ recordsInPerSecond: 0, recordsOutPerSecond: 0 });
    expect(metricEvents()).toEqual([
      expect.objectContaining({ attemptId: id, recordsIn: 100, recordsOut: 50 }),
      expect.objectContaining({ attemptId: id, recordsIn: 500, recordsOut: 350 }),
      expect.objectContaining({ attemptId: id, recordsIn: 500, recordsOut: 350 }),
    ]);

    expect(master.reportTaskMetrics({ attemptId: { ...id, jobId: 'job-2' }, recordsIn: 1, recordsOut: 1, atMs: 15_000 })).toBe(false);
    expect(master.reportTaskMetrics({ attemptId: { ...id, attempt: 1 }, recordsIn: 1, recordsOut: 1, atMs: 15_000 })).toBe(false);

    // The final report comes before FINISHED; an ended task keeps its counts, not a rate.
    master.reportTaskMetrics({ attemptId: id, recordsIn: 600, recordsOut: 400, atMs: 14_500 });
    report(master, deployed, 'FINISHED');
    await result;
    expect(snapshot()).toEqual({ attemptId: id, state: 'FINISHED', taskManagerId: deployed[0].slot.taskManagerId, recordsIn: 600, recordsOut: 400 });
  });

  it('keeps the task failures of every attempt as exceptions, newest first, with vertex, subtask, operator and key', async () => {
    const { master, clock, deployedAttempt, inState } = setup(wordCountGraph(2, { attempts: 1, delayMs: 100 }));
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    report(master, first, 'RUNNING');
    master.reportTaskState(failureOf(flatMapOf(first, 0)));
    // A second task failing before the job master cancels it is a failure of its own.
    master.reportTaskState(failureOf(flatMapOf(first, 1)));
    await inState('RESTARTING');
    clock.advance(100);
    const second = await deployedAttempt(1, 5);
    report(master, second, 'RUNNING');
    master.reportTaskState(failureOf(flatMapOf(second, 1)));
    await result;
    const vertexId = flatMapOf(first, 0).attemptId.vertexId;
    expect(master.exceptions().map(({ attempt, vertexId: vertex, subtaskIndex }) => ({ attempt, vertex, subtaskIndex }))).toEqual([
      { attempt: 1, vertex: vertexId, subtaskIndex: 1 },
      { attempt: 0, vertex: vertexId, subtaskIndex: 1 },
      { attempt: 0, vertex: vertexId, subtaskIndex: 0 },
    ]);
    expect(master.exceptions()[0]).toEqual({
      message: `Operator 'Flat Map' (flat-map-1) failed in subtask 1 (2/2) on key "be": boom`,
      attempt: 1,
      vertexId,
      subtaskIndex: 1,
      operatorId: 'flat-map-1',
      operatorName: 'Flat Map',
      key: 'be',
      taskManagerId: 'taskmanager-00002',
      atMs: START + 100,
    });
  });

  it('keeps a slot request failure that fails the job, not the one of a request a cancel withdrew', async () => {
    const failing = setup(wordCountGraph(2));
    failing.slots.failWith = new Error('deadline exceeded');
    await failing.master.run();
    expect(failing.master.exceptions()).toEqual([expect.objectContaining({ message: expect.stringContaining('deadline exceeded'), attempt: 0 })]);
    expect(failing.master.exceptions()[0]).not.toHaveProperty('vertexId');

    const withdrawn = setup(wordCountGraph(2));
    withdrawn.slots.hold = true;
    const result = withdrawn.master.run();
    await waitFor(() => withdrawn.slots.requests.length === 1, { intervalMs: 1, timeoutMs: 2_000 });
    withdrawn.master.cancel();
    await result;
    expect(withdrawn.master.exceptions()).toEqual([]);
  });

  it('keeps the phases of each attempt as a timeline with times, ending with how the job ended', async () => {
    const { master, clock, deployedAttempt, inState } = setup(wordCountGraph(2, { attempts: 1, delayMs: 5_000 }));
    const result = master.run();
    const first = await deployedAttempt(0, 5);
    clock.advance(10);
    report(master, first, 'RUNNING');
    clock.advance(10);
    master.reportTaskState(failureOf(flatMapOf(first, 0)));
    await inState('RESTARTING');
    clock.advance(5_000);
    const second = await deployedAttempt(1, 5);
    report(master, second, 'RUNNING');
    report(master, second, 'FINISHED');
    await result;
    expect(master.timeline()).toEqual([
      { atMs: START, phase: 'created' },
      { atMs: START, phase: 'waiting-for-slots', detail: 'Attempt 0 requests 2 slot(s)' },
      { atMs: START, phase: 'deploying', detail: 'Attempt 0 deploys 5 task(s)' },
      { atMs: START + 10, phase: 'running', detail: 'Attempt 0 runs' },
      { atMs: START + 20, phase: 'canceling-tasks', detail: 'Attempt 0 waits for 4 of 5 task(s) to cancel' },
      { atMs: START + 20, phase: 'restarting', detail: 'Attempt 1 starts in 5000 ms' },
      { atMs: START + 5_020, phase: 'waiting-for-slots', detail: 'Attempt 1 requests 2 slot(s)' },
      { atMs: START + 5_020, phase: 'deploying', detail: 'Attempt 1 deploys 5 task(s)' },
      { atMs: START + 5_020, phase: 'running', detail: 'Attempt 1 runs' },
      { atMs: START + 5_020, phase: 'finished' },
    ]);
  });

  it('does not go back to deploying in the timeline when a deployment is confirmed after tasks run', async () => {
    const { master, taskManagers, progress } = setup(wordCountGraph(2));
    let confirm = (): void => undefined;
    const confirmed = new Promise<void>((resolve) => (confirm = resolve));
    const accept = taskManagers.deploy.bind(taskManagers);
    taskManagers.deploy = async (descriptor) => {
      await confirmed;
      return accept(descriptor);
    };
    const result = master.run();
    await waitFor(() => master.tasks().length === 5 && master.tasks().every((task) => task.state === 'DEPLOYING'), { intervalMs: 1, timeoutMs: 2_000 });
    for (const task of master.tasks()) master.reportTaskState({ attemptId: task.attemptId, state: 'RUNNING' });
    confirm();
    await waitFor(() => taskManagers.deployed.length === 5, { intervalMs: 1, timeoutMs: 2_000 });
    await waitFor(() => progress().at(-1)?.phase === 'deploying', { intervalMs: 1, timeoutMs: 2_000 });
    expect(master.timeline().map((change) => change.phase)).toEqual(['created', 'waiting-for-slots', 'deploying', 'running']);
    master.cancel();
    await result;
    expect(master.timeline().map((change) => change.phase)).toEqual(['created', 'waiting-for-slots', 'deploying', 'running', 'canceling-tasks', 'canceled']);
  });

  it('keeps at most the last 20 exceptions and the last 50 phase changes', async () => {
    const restarts = 21;
    const { master, clock, progress, deployedAttempt } = setup(wordCountGraph(2, { attempts: restarts, delayMs: 10 }));
    const result = master.run();
    for (let attempt = 0; ; attempt++) {
      const deployed = await deployedAttempt(attempt, 5);
      report(master, deployed, 'RUNNING');
      master.reportTaskState(failureOf(flatMapOf(deployed, 0)));
      if (attempt === restarts) break;
      await waitFor(() => progress().some((p) => p.phase === 'restarting' && p.nextAttempt === attempt + 1), { intervalMs: 1, timeoutMs: 2_000 });
      clock.advance(10);
    }
    const done = await result;
    expect(done).toMatchObject({ state: 'FAILED', restarts });
    expect(master.exceptions()).toHaveLength(20);
    expect(master.exceptions().map((failure) => failure.attempt)).toEqual(Array.from({ length: 20 }, (_, n) => restarts - n));
    const timeline = master.timeline();
    expect(timeline).toHaveLength(50);
    expect(timeline.at(-1)).toEqual({ atMs: clock.now(), phase: 'failed', detail: done.failure?.message });
  });
});

/** The tasks of `attempt` as a job master places them on the fake cluster (two TaskManagers). */
async function placed(graph: mesoflow.dataflow.v1.JobGraph.$Properties, attempt: number): Promise<TaskDeploymentDescriptor[]> {
  const allocation = await new FakeSlotProvider().requestSlots({ allocationId: `job-1-attempt-${attempt}`, jobId: 'job-1', slots: slotsNeeded(graph) });
  return buildDeploymentDescriptors({ jobId: 'job-1', graph, allocation, attempt });
}

/** Leaves the tasks of `descriptors` on their TaskManagers, as a dead job master did, in the state `stateOf` gives (none: missing). */
function hold(
  taskManagers: FakeTaskManagers,
  descriptors: readonly TaskDeploymentDescriptor[],
  stateOf: (descriptor: TaskDeploymentDescriptor) => DiscoveredTask['state'] | undefined,
  recordsComplete: (descriptor: TaskDeploymentDescriptor) => boolean = () => true,
): void {
  for (const descriptor of descriptors) {
    const state = stateOf(descriptor);
    if (state === undefined) continue;
    const held = taskManagers.held.get(descriptor.slot.taskManagerId) ?? [];
    taskManagers.held.set(descriptor.slot.taskManagerId, [...held, { attemptId: descriptor.attemptId, state, recordsComplete: recordsComplete(descriptor) }]);
  }
}

const sameTask = (descriptor: TaskDeploymentDescriptor) => (task: { attemptId: TaskDeploymentDescriptor['attemptId'] }): boolean =>
  JSON.stringify(task.attemptId) === JSON.stringify(descriptor.attemptId);

describe('JobMaster taking over from a dead job master (adoptPreviousRun)', () => {
  // One restart per run: the second run's first attempt is 2, the dead first run's last one 1.
  const graph = wordCountGraph(2, { attempts: 1, delayMs: 100 });
  const first = firstAttemptOfRun(2, graph);
  const previous = first - 1;
  const takingOver = (progress: JobProgress[]) => progress.find((p) => p.phase === 'taking-over');

  it("adopts a previous attempt whose tasks all run: deploys nothing, follows them to FINISHED, releases the dead run's allocation; the result is that attempt's", async () => {
    expect(previous).toBe(1);
    const left = await placed(graph, previous);
    const onFirst = left.filter((d) => d.slot.taskManagerId === 'taskmanager-00001');
    const starting = left.find((d) => d.slot.taskManagerId === 'taskmanager-00002');
    if (starting === undefined || onFirst.length === 0) throw new Error('the attempt spans both TaskManagers');
    const { master, slots, taskManagers, progress } = setup(graph, { firstAttempt: first, adoptPreviousRun: true });
    hold(taskManagers, left, (d) => (d === starting ? 'DEPLOYING' : 'RUNNING'));
    // The second TaskManager answers late: what the first one's tasks do meanwhile is not lost.
    let answer = (): void => undefined;
    taskManagers.answers.set('taskmanager-00002', new Promise((resolve) => (answer = resolve)));
    // What the deployer hands the client: a stale record of the dead run's attempt 0, the replayed ones of attempt 1.
    const records: CollectedRecord[] = [
      { attemptId: { ...left[0].attemptId, attempt: 0 }, operatorId: 'sink', json: '["stale",1]' },
      { attemptId: left[4].attemptId, operatorId: 'sink', json: '["to",1]' },
    ];
    const result = master.run();
    await waitFor(() => taskManagers.discovered.length === 2, { intervalMs: 1, timeoutMs: 2_000 });
    expect(master.reportTaskState({ attemptId: onFirst[0].attemptId, state: 'FINISHED' })).toBe(true);
    expect(master.reportTaskMetrics({ attemptId: onFirst[0].attemptId, recordsIn: 3, recordsOut: 2, atMs: 5_000 })).toBe(true);
    answer();

    await waitFor(() => master.tasks().length === 5, { intervalMs: 1, timeoutMs: 2_000, description: 'the adopted tasks' });
    expect(taskManagers.discovered.map((tm) => tm.rpcAddress).sort()).toEqual(['10.0.0.1:6122', '10.0.0.2:6122']);
    expect(master.tasks().every((task) => task.attemptId.attempt === previous)).toBe(true);
    expect(master.tasks().find(sameTask(onFirst[0]))).toEqual({ attemptId: onFirst[0].attemptId, state: 'FINISHED', taskManagerId: 'taskmanager-00001', recordsIn: 3, recordsOut: 2 });
    expect(master.tasks().find(sameTask(starting))).toMatchObject({ state: 'DEPLOYING', taskManagerId: 'taskmanager-00002' });
    expect(takingOver(progress())).toEqual({ phase: 'taking-over', taskManagers: 2, unanswered: [], previous: { attempt: previous, found: 5, total: 5, adopted: true } });
    expect(master.timeline()).toContainEqual({ atMs: START, phase: 'taking-over', detail: `Adopts attempt ${previous} found on 2 TaskManager(s): 5 of 5 task(s) live or finished with all their records` });

    master.reportTaskState({ attemptId: starting.attemptId, state: 'RUNNING' });
    records.push({ attemptId: left[4].attemptId, operatorId: 'sink', json: '["to",2]' });
    report(master, left.filter((d) => d !== onFirst[0]), 'FINISHED');
    const done = await result;
    expect(done).toEqual({ jobId: 'job-1', state: 'FINISHED', restarts: 0, lastAttempt: previous, failure: undefined });
    expect(taskManagers.deployed).toEqual([]);
    expect(taskManagers.canceled).toEqual([]);
    expect(slots.requests).toEqual([]);
    expect(slots.released).toEqual([`job-1-attempt-${previous}`]);
    // The client keeps the records of the last attempt: the adopted one's, replayed and live.
    expect(records.filter((record) => record.attemptId.attempt === done.lastAttempt).map((record) => record.json)).toEqual(['["to",1]', '["to",2]']);
  });

  it('adopts a previous attempt that FINISHED: no slots, no deployment, FINISHED at once', async () => {
    const { master, slots, taskManagers, progress } = setup(graph, { firstAttempt: first, adoptPreviousRun: true });
    hold(taskManagers, await placed(graph, previous), () => 'FINISHED');
    await expect(master.run()).resolves.toEqual({ jobId: 'job-1', state: 'FINISHED', restarts: 0, lastAttempt: previous, failure: undefined });
    expect(taskManagers.deployed).toEqual([]);
    expect(slots.requests).toEqual([]);
    expect(slots.released).toEqual([`job-1-attempt-${previous}`]);
    expect(master.tasks().map((task) => task.state)).toEqual(Array(5).fill('FINISHED'));
    expect(progress().at(-1)).toEqual({ phase: 'running', attempt: previous, running: 0, finished: 5, total: 5 });
    expect(master.timeline().map((change) => change.phase)).toEqual(['created', 'taking-over', 'running', 'finished']);
  });

  it('cancels what is left of an incomplete previous attempt (and of older ones), waits for its end, then runs its own first attempt', async () => {
    const left = await placed(graph, previous);
    const missing = left[4];
    const source = left[0];
    const older = (await placed(graph, previous - 1))[1];
    const { master, slots, taskManagers, progress, deployedAttempt } = setup(graph, { firstAttempt: first, adoptPreviousRun: true });
    hold(taskManagers, left, (d) => (d === missing ? undefined : d === source ? 'FINISHED' : 'RUNNING'));
    hold(taskManagers, [older], () => 'RUNNING');
    taskManagers.answerCancels = false;
    const result = master.run();

    const live = left.filter((d) => d !== missing && d !== source);
    await waitFor(() => taskManagers.canceled.length === live.length + 1, { intervalMs: 1, timeoutMs: 2_000, description: 'the cancels' });
    expect(taskManagers.canceled).toEqual(expect.arrayContaining([...live, older].map((d) => d.attemptId)));
    expect(takingOver(progress())).toMatchObject({ previous: { attempt: previous, found: 4, total: 5, adopted: false } });
    expect(master.timeline()).toContainEqual({ atMs: START, phase: 'taking-over', detail: `Cancels attempt ${previous} found on 2 TaskManager(s): 4 of 5 task(s) live or finished with all their records` });
    expect(master.timeline()).toContainEqual({ atMs: START, phase: 'canceling-tasks', detail: `Attempt ${previous} waits for 3 of 4 task(s) to cancel` });

    // Nothing of its own before every one of them ended.
    for (const d of [...live, older].slice(1)) master.reportTaskState({ attemptId: d.attemptId, state: 'CANCELED' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(slots.requests).toEqual([]);
    expect(taskManagers.deployed).toEqual([]);
    master.reportTaskState({ attemptId: live[0].attemptId, state: 'CANCELED' });

    const own = await deployedAttempt(first, 5);
    expect([...slots.released].sort()).toEqual([`job-1-attempt-${previous - 1}`, `job-1-attempt-${previous}`]);
    expect(slots.requests).toEqual([{ allocationId: `job-1-attempt-${first}`, jobId: 'job-1', slots: 2 }]);
    report(master, own, 'RUNNING');
    report(master, own, 'FINISHED');
    await expect(result).resolves.toMatchObject({ state: 'FINISHED', restarts: 0, lastAttempt: first });
  });

  it('does not wait for a TaskManager that does not answer: after the discovery timeout it cancels what it found and runs its own attempt', async () => {
    const { master, clock, slots, taskManagers, progress, deployedAttempt } = setup(graph, { firstAttempt: first, adoptPreviousRun: true, discoveryTimeoutMs: 5_000 });
    const left = await placed(graph, previous);
    hold(taskManagers, left, () => 'RUNNING');
    taskManagers.answers.set('taskmanager-00002', new Promise(() => undefined));
    const result = master.run();
    await waitFor(() => taskManagers.discovered.length === 2, { intervalMs: 1, timeoutMs: 2_000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(taskManagers.canceled).toEqual([]);
    expect(slots.requests).toEqual([]);

    clock.advance(5_000);
    const own = await deployedAttempt(first, 5);
    const reached = left.filter((d) => d.slot.taskManagerId === 'taskmanager-00001');
    expect(taskManagers.canceled).toEqual(reached.map((d) => d.attemptId));
    expect(takingOver(progress())).toEqual({
      phase: 'taking-over',
      taskManagers: 2,
      unanswered: ["TaskManager 'taskmanager-00002' (10.0.0.2:6122): no answer within 5000 ms"],
      previous: { attempt: previous, found: reached.length, total: 5, adopted: false },
    });
    expect(master.timeline()).toContainEqual({
      atMs: START + 5_000,
      phase: 'taking-over',
      detail: `Cancels attempt ${previous} found on 2 TaskManager(s): ${reached.length} of 5 task(s) live or finished with all their records; unanswered: TaskManager 'taskmanager-00002' (10.0.0.2:6122): no answer within 5000 ms`,
    });
    report(master, own, 'RUNNING');
    report(master, own, 'FINISHED');
    await expect(result).resolves.toMatchObject({ state: 'FINISHED', lastAttempt: first });
  });

  it('waits for the TaskManagers of a restarted resource manager to register again before it looks for the tasks', async () => {
    const { master, clock, slots, taskManagers, progress } = setup(graph, { firstAttempt: first, adoptPreviousRun: true, discoveryTimeoutMs: 5_000 });
    const left = await placed(graph, previous);
    hold(taskManagers, left, () => 'RUNNING');
    slots.unregistered.add('taskmanager-00002');
    const result = master.run();
    await waitFor(() => taskManagers.discovered.length === 0 && slots.requests.length === 0 && master.state === 'RUNNING', { intervalMs: 1, timeoutMs: 2_000 });
    clock.advance(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    // Asking the one registered TaskManager alone would find part of the attempt and cancel it.
    expect(taskManagers.discovered).toEqual([]);
    expect(taskManagers.canceled).toEqual([]);

    slots.unregistered.clear();
    clock.advance(250);
    await waitFor(() => master.tasks().length === 5, { intervalMs: 1, timeoutMs: 2_000, description: 'the adopted tasks' });
    expect(takingOver(progress())).toEqual({ phase: 'taking-over', taskManagers: 2, unanswered: [], previous: { attempt: previous, found: 5, total: 5, adopted: true } });
    expect(slots.requests).toEqual([]);
    master.cancel();
    await expect(result).resolves.toMatchObject({ state: 'CANCELED' });
  });

  it('counts a TaskManager not registered by the discovery timeout as unanswered: it adopts nothing', async () => {
    const { master, clock, slots, taskManagers, progress, deployedAttempt } = setup(graph, { firstAttempt: first, adoptPreviousRun: true, discoveryTimeoutMs: 5_000 });
    const left = await placed(graph, previous);
    hold(taskManagers, left, () => 'RUNNING');
    slots.unregistered.add('taskmanager-00002');
    const result = master.run();
    for (let waited = 0; waited < 5_000; waited += 250) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(250);
    }
    await deployedAttempt(first, 5);
    expect(takingOver(progress())).toMatchObject({
      taskManagers: 1,
      unanswered: ["TaskManager 'taskmanager-00002': not registered with the resource manager within 5000 ms"],
      previous: { attempt: previous, adopted: false },
    });
    expect(taskManagers.canceled).toEqual(left.filter((d) => d.slot.taskManagerId === 'taskmanager-00001').map((d) => d.attemptId));
    master.cancel();
    await expect(result).resolves.toMatchObject({ state: 'CANCELED' });
  });

  it('runs as without it when no TaskManager holds an earlier task of the job', async () => {
    const { master, taskManagers, deployedAttempt } = setup(graph, { firstAttempt: first, adoptPreviousRun: true });
    hold(taskManagers, (await placed(graph, previous)).map((d) => ({ ...d, attemptId: { ...d.attemptId, jobId: 'another-job' } })), () => 'RUNNING');
    const result = master.run();
    const own = await deployedAttempt(first, 5);
    expect(taskManagers.canceled).toEqual([]);
    expect(master.timeline().map((change) => change.detail)).toContain('No earlier attempt found on 2 TaskManager(s)');
    report(master, own, 'RUNNING');
    report(master, own, 'FINISHED');
    await expect(result).resolves.toMatchObject({ state: 'FINISHED', lastAttempt: first });
  });

  it('does not adopt an attempt a TaskManager did not keep every collected record of', async () => {
    const { master, taskManagers, progress, deployedAttempt } = setup(graph, { firstAttempt: first, adoptPreviousRun: true });
    const left = await placed(graph, previous);
    hold(taskManagers, left, () => 'RUNNING', (d) => d !== left[4]);
    const result = master.run();
    await deployedAttempt(first, 5);
    expect(taskManagers.canceled).toEqual(expect.arrayContaining(left.map((d) => d.attemptId)));
    expect(takingOver(progress())).toMatchObject({ previous: { found: 4, total: 5, adopted: false } });
    master.cancel();
    await expect(result).resolves.toMatchObject({ state: 'CANCELED' });
  });

  it('restarts with attempts of its own when an adopted task fails, canceling the rest of the adopted attempt first', async () => {
    const { master, clock, slots, taskManagers, jobStates, deployedAttempt, inState } = setup(graph, { firstAttempt: first, adoptPreviousRun: true });
    const left = await placed(graph, previous);
    hold(taskManagers, left, () => 'RUNNING');
    const result = master.run();
    await waitFor(() => master.tasks().length === 5, { intervalMs: 1, timeoutMs: 2_000 });
    master.reportTaskState(failureOf(flatMapOf(left, 0)));
    await inState('RESTARTING');
    expect(taskManagers.canceled).toEqual(left.filter((d) => d !== flatMapOf(left, 0)).map((d) => d.attemptId));
    clock.advance(100);
    const own = await deployedAttempt(first, 5);
    expect(slots.released).toEqual([`job-1-attempt-${previous}`]);
    expect(slots.requests.map((request) => request.allocationId)).toEqual([`job-1-attempt-${first}`]);
    report(master, own, 'RUNNING');
    report(master, own, 'FINISHED');
    await expect(result).resolves.toMatchObject({ state: 'FINISHED', restarts: 1, lastAttempt: first, failure: { attempt: previous, subtaskIndex: 0 } });
    expect(jobStates()).toEqual(['RUNNING', 'FAILING', 'RESTARTING', 'RUNNING', 'FINISHED']);
  });

  it('refuses adoptPreviousRun without a way to find the TaskManagers and their tasks', async () => {
    const { requestSlots, releaseSlots } = new FakeSlotProvider();
    const slots = { requestSlots, releaseSlots };
    const error = await rejectionOf<JobMasterError>(Promise.resolve().then(() => new JobMaster({ jobId: 'job-1', graph, slots, deployer: new FakeTaskManagers(), adoptPreviousRun: true })));
    expect(error.code).toBe(JobMasterErrorCode.INVALID_OPTIONS);
    expect(() => new JobMaster({ jobId: 'job-1', graph, slots, deployer: new FakeTaskManagers() })).not.toThrow();
  });
});
