// JobMasterExecution with the REAL JobMaster; the resource manager and the TaskManagers are
// in-memory stand-ins (the int-spec runs the real ones).
import { compileJobGraph, encodeJobGraph, StreamExecutionEnvironment } from '@mesoflow/dataflow-api';
import type { CollectedRecord, SlotProvider, TaskDeploymentDescriptor, TaskStateReporter } from '@mesoflow/dataflow-jobmaster';
import type { JsonValue, RunContext, Submission } from '@mesoflow/dispatcher-submissions';
import type { ReleaseResult, SlotAllocation, SlotRequest } from '@mesoflow/resourcemanager-client';
import { waitFor } from '@mesoflow/testing';
import pino from 'pino';
import type { JobProgress } from '../jobs/job-progress';
import { PROGRAM_ARGS_KEY } from '../jobs/submit-request';
import { collectedOf, JobMasterExecution, type ClosableDeployer } from './job-master-execution';

const SHA = 'e'.repeat(64);

function graphBytes(): Uint8Array {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRestartStrategy({ attempts: 0, delayMs: 0 });
  env.fromCollection([1, 2]).map((n: number) => n + 1).collect();
  return encodeJobGraph(compileJobGraph(env, 'Plus', { bundle: { path: 'jobs/plus.js', sha256: SHA } }));
}

class Slots implements SlotProvider {
  readonly released: string[] = [];

  requestSlots(request: SlotRequest): Promise<SlotAllocation> {
    const slots = Array.from({ length: request.slots }, (_, slotIndex) => ({ taskManagerId: 'tm-1', rpcAddress: '127.0.0.1:1', dataAddress: '127.0.0.1:2', slotIndex }));
    return Promise.resolve({ allocationId: request.allocationId, jobId: request.jobId, slots, withdrawn: [], allocatedAtMs: 0 });
  }

  releaseSlots(allocationId: string): Promise<ReleaseResult> {
    this.released.push(allocationId);
    return Promise.resolve({ releasedSlots: 1, requestWithdrawn: false });
  }
}

/**
 * TaskManagers that run each task as `behaviour` says, reporting like the real ones: a running
 * task reports 3 records in and 2 out per second of their clock (two reports, 2 s apart).
 */
class TaskManagers implements ClosableDeployer {
  closed = false;
  readonly deployed: TaskDeploymentDescriptor[] = [];
  private reporter: TaskStateReporter | undefined;

  constructor(
    private readonly behaviour: 'finish' | 'fail' | 'hang',
    private readonly onCollected: (record: CollectedRecord) => void,
  ) {}

  attach(reporter: TaskStateReporter): void {
    this.reporter = reporter;
  }

  deploy(descriptor: TaskDeploymentDescriptor): Promise<void> {
    const attemptId = descriptor.attemptId;
    this.deployed.push(descriptor);
    setImmediate(() => {
      this.reporter?.reportTaskState({ attemptId, state: 'RUNNING' });
      this.reporter?.reportTaskMetrics({ attemptId, recordsIn: 0, recordsOut: 0, atMs: 1_000 });
      this.reporter?.reportTaskMetrics({ attemptId, recordsIn: 6, recordsOut: 4, atMs: 3_000 });
      if (this.behaviour === 'hang') return;
      if (this.behaviour === 'fail') {
        this.reporter?.reportTaskState({
          attemptId,
          state: 'FAILED',
          failure: { message: `Operator 'Map' failed in subtask ${attemptId.subtaskIndex}: boom`, operatorId: 'map-1', operatorName: 'Map', key: ['a', 1] },
        });
        return;
      }
      this.onCollected({ attemptId, operatorId: attemptId.vertexId, json: String(attemptId.subtaskIndex) });
      this.reporter?.reportTaskState({ attemptId, state: 'FINISHED' });
    });
    return Promise.resolve();
  }

  cancel(attemptId: TaskDeploymentDescriptor['attemptId']): Promise<void> {
    setImmediate(() => this.reporter?.reportTaskState({ attemptId, state: 'CANCELED' }));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** A stored progress, read back as JobService's `progress_json` is. */
function progressIn(stored: JsonValue | undefined): JobProgress {
  return JSON.parse(JSON.stringify(stored ?? {})) as JobProgress;
}

function setUp(behaviour: 'finish' | 'fail' | 'hang', submission: Partial<Submission> = {}) {
  const slots = new Slots();
  const deployers: Array<{ deployer: TaskManagers; bundle: { url: string; sha256: string }; programArgs: string[] }> = [];
  const execution = new JobMasterExecution({
    slots,
    logger: pino({ level: 'silent' }),
    newDeployer: ({ bundle, programArgs, onCollected }) => {
      const deployer = new TaskManagers(behaviour, onCollected);
      deployers.push({ deployer, bundle, programArgs });
      return deployer;
    },
  });
  const progress: JsonValue[] = [];
  const controller = new AbortController();
  const context: RunContext = {
    jobId: 'a'.repeat(32),
    attempt: 1,
    signal: controller.signal,
    submission: { submissionId: 's-1', jobName: 'Plus', jobGraph: graphBytes(), bundle: { uri: '/jobs/plus.js', sha256: SHA }, config: { [PROGRAM_ARGS_KEY]: '["--n","2"]' }, ...submission },
    progress: (value) => {
      progress.push(value);
      return Promise.resolve();
    },
  };
  return { execution, slots, deployers, progress, controller, context };
}

describe('JobMasterExecution', () => {
  it('runs the graph with the submission bundle and arguments, and returns what the sinks collected', async () => {
    const { execution, slots, deployers, progress, context } = setUp('finish');
    const outcome = await execution.run(context);
    expect(deployers).toEqual([expect.objectContaining({ bundle: { url: '/jobs/plus.js', sha256: SHA }, programArgs: ['--n', '2'] })]);
    expect(deployers[0]?.deployer.closed).toBe(true);
    // Each task "collected" its subtask index under its vertex id.
    const expected: Record<string, string[]> = {};
    for (const { attemptId } of deployers[0]?.deployer.deployed ?? []) (expected[attemptId.vertexId] ??= []).push(String(attemptId.subtaskIndex));
    const sorted = (collected: Record<string, string[]>) => Object.fromEntries(Object.entries(collected).map(([id, records]) => [id, [...records].sort()]));
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(sorted(outcome.collected)).toEqual(sorted(expected));
    expect(progress.at(-1)).toMatchObject({ jobMasterState: 'FINISHED', restarts: 0, tasks: { FINISHED: expect.any(Number) } });
    expect(slots.released).toEqual([`${context.jobId}-attempt-0`]);
  });

  it('fails with the task failure', async () => {
    const { execution, context } = setUp('fail');
    await expect(execution.run(context)).rejects.toThrow("Operator 'Map' failed in subtask");
  });

  it('reports each running task with its TaskManager, records and rates, and the timeline so far', async () => {
    const { execution, context, controller, progress, deployers } = setUp('hang');
    const run = execution.run(context);
    const running = await waitFor(
      () => {
        const last = progressIn(progress.at(-1));
        const rated = last.taskList !== undefined && last.taskList.length > 0 && last.taskList.every((task) => task.recordsInPerSecond !== undefined);
        return rated ? last : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 5, description: 'progress with the rates of every task' },
    );
    const deployed = deployers[0]?.deployer.deployed ?? [];
    expect(running.taskList).toEqual(
      deployed.map(({ attemptId }) => ({
        vertexId: attemptId.vertexId,
        subtask: attemptId.subtaskIndex,
        attempt: 0,
        state: 'RUNNING',
        taskManagerId: 'tm-1',
        recordsIn: 6,
        recordsOut: 4,
        recordsInPerSecond: 3,
        recordsOutPerSecond: 2,
      })),
    );
    expect(running).toMatchObject({ jobMasterState: 'RUNNING', phase: 'running', restarts: 0, tasks: { RUNNING: deployed.length }, exceptions: [] });
    expect(running.timeline?.map((change) => change.state)).toEqual(['created', 'waiting-for-slots', 'deploying', 'running']);
    expect(running.timeline?.every((change) => typeof change.atMs === 'number')).toBe(true);
    controller.abort();
    await expect(run).rejects.toThrow('was canceled');
    expect(progressIn(progress.at(-1)).timeline?.at(-1)?.state).toBe('canceled');
  });

  it('reports the final records of finished tasks without rates, and how the job ended', async () => {
    const { execution, context, progress } = setUp('finish');
    await execution.run(context);
    const last = progressIn(progress.at(-1));
    expect(last.taskList?.length).toBeGreaterThan(0);
    for (const task of last.taskList ?? []) {
      expect(task).toMatchObject({ state: 'FINISHED', recordsIn: 6, recordsOut: 4 });
      expect(task).not.toHaveProperty('recordsInPerSecond');
    }
    expect(last.timeline?.at(-1)).toEqual({ atMs: expect.any(Number), state: 'finished' });
    expect(last.exceptions).toEqual([]);
  });

  it('reports the failed task as an exception with its vertex, subtask, operator and key', async () => {
    const { execution, context, progress, deployers } = setUp('fail');
    await expect(execution.run(context)).rejects.toThrow('boom');
    const last = progressIn(progress.at(-1));
    const vertexIds = (deployers[0]?.deployer.deployed ?? []).map((descriptor) => descriptor.attemptId.vertexId);
    expect(last.exceptions?.length).toBeGreaterThan(0);
    expect(last.exceptions?.[0]).toEqual({
      atMs: expect.any(Number),
      message: expect.stringMatching(/^Operator 'Map' failed in subtask \d: boom$/),
      vertexId: expect.any(String),
      subtask: expect.any(Number),
      operatorId: 'map-1',
      operatorName: 'Map',
      keyJson: '["a",1]',
    });
    expect(vertexIds).toContain(last.exceptions?.[0]?.vertexId);
    expect(last.timeline?.at(-1)).toEqual({ atMs: expect.any(Number), state: 'failed', detail: last.exceptions?.[0]?.message });
  });

  it('cancels the job master when the signal aborts', async () => {
    const { execution, context, controller, progress, deployers } = setUp('hang');
    const run = execution.run(context);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const last = progress.at(-1) as { tasks?: Record<string, number> } | undefined;
        if ((last?.tasks?.['RUNNING'] ?? 0) > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    controller.abort();
    await expect(run).rejects.toThrow('was canceled');
    expect(deployers[0]?.deployer.closed).toBe(true);
  });

  it('refuses a job without a bundle', async () => {
    const { execution, context } = setUp('finish', { bundle: undefined });
    await expect(execution.run(context)).rejects.toThrow('has no program bundle');
  });
});

describe('collectedOf', () => {
  it('keeps the records of the last attempt only, per sink', () => {
    const record = (attempt: number, operatorId: string, json: string): CollectedRecord => ({ attemptId: { jobId: 'j', vertexId: 'v', subtaskIndex: 0, attempt }, operatorId, json });
    expect(collectedOf([record(0, 'sink', '1'), record(1, 'sink', '2'), record(1, 'other', '3'), record(1, 'sink', '4')], 1)).toEqual({ sink: ['2', '4'], other: ['3'] });
  });
});
