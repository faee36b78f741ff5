import { Server, ServerCredentials, status, type ServerWritableStream, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { mesoflow, TASK_EXECUTOR_GRPC } from '@mesoflow/proto';
import type { AllocatedSlot } from '@mesoflow/resourcemanager-client';
import { buildDeploymentDescriptors, type TaskDeploymentDescriptor } from './execution-graph';
import { GrpcTaskDeployer, isTaskDeployError, TaskDeployErrorCode, toDeploymentMessage } from './grpc-task-deployer';
import type { TaskMetricsReport, TaskStateReport } from './ports';
import { wordCountGraph } from './testing/graphs';

const v1 = mesoflow.dataflow.v1;
type TaskEvent = mesoflow.dataflow.v1.TaskEvent.$Properties;
const BUNDLE = { url: '/bundles/job.js', sha256: 'ab'.repeat(32) };

const slot = (taskManagerId: string, slotIndex: number, rpcAddress = `${taskManagerId}:6122`): AllocatedSlot => ({
  taskManagerId,
  rpcAddress,
  dataAddress: `${taskManagerId}:6121`,
  slotIndex,
});

function descriptors(slots: AllocatedSlot[]): TaskDeploymentDescriptor[] {
  return buildDeploymentDescriptors({
    jobId: 'job-1',
    graph: wordCountGraph(2),
    attempt: 1,
    allocation: { allocationId: 'job-1-attempt-1', jobId: 'job-1', slots, withdrawn: [], allocatedAtMs: 0 },
  });
}

describe('toDeploymentMessage', () => {
  it('has one input channel per incoming edge and producer subtask, with the producer attempt and data address', () => {
    const all = descriptors([slot('tm-a', 0), slot('tm-b', 1)]);
    const consumer = all.find((d) => d.inputs.length === 1 && d.inputs[0].producers.length === 2 && d.attemptId.subtaskIndex === 1);
    if (consumer === undefined) throw new Error('no consumer');
    const message = toDeploymentMessage(consumer, BUNDLE, ['--in', 'x']);
    expect(message).toMatchObject({
      attempt: { job_id: 'job-1', vertex_id: consumer.attemptId.vertexId, subtask_index: 1, attempt: 1 },
      bundle: BUNDLE,
      program_args: ['--in', 'x'],
      slot_index: 1,
    });
    expect(message.job_graph).toBe(consumer.graph);
    const source = consumer.inputs[0].sourceVertexId;
    expect(message.inputs).toEqual([
      { edge_index: 0, producer: { job_id: 'job-1', vertex_id: source, subtask_index: 0, attempt: 1 }, producer_data_address: 'tm-a:6121' },
      { edge_index: 0, producer: { job_id: 'job-1', vertex_id: source, subtask_index: 1, attempt: 1 }, producer_data_address: 'tm-b:6121' },
    ]);
  });
});

/** A TaskExecutorService that records deploys and lets the test push task events. */
class FakeTaskExecutor {
  readonly deployed: mesoflow.dataflow.v1.TaskDeploymentDescriptor[] = [];
  readonly cancelled: mesoflow.dataflow.v1.TaskAttempt.$Properties[] = [];
  readonly watchers: Array<ServerWritableStream<mesoflow.dataflow.v1.WatchTasksRequest, TaskEvent>> = [];
  /** What each new watcher is told first, as a TaskManager replays what it kept. */
  replay: TaskEvent[] = [];
  /** Watchers that went away. */
  gone = 0;
  refuse: { code: status; details: string } | undefined;
  private readonly server = new Server();
  address = '';

  async start(): Promise<void> {
    const method = <Req, Res>(name: string, requestStream: boolean, responseStream: boolean, decode: (bytes: Buffer) => Req, encode: (message: Res) => Uint8Array) => ({
      path: `/${TASK_EXECUTOR_GRPC.fullName}/${name}`,
      requestStream,
      responseStream,
      requestDeserialize: decode,
      requestSerialize: (): Buffer => Buffer.alloc(0),
      responseSerialize: (message: Res) => Buffer.from(encode(message)),
      responseDeserialize: (): Res => ({}) as Res,
    });
    const definition: ServiceDefinition = {
      DeployTask: method('DeployTask', false, false, (b) => v1.TaskDeploymentDescriptor.decode(b), (m: mesoflow.dataflow.v1.DeployTaskResponse.$Properties) => v1.DeployTaskResponse.encode(m).finish()),
      CancelTask: method('CancelTask', false, false, (b) => v1.CancelTaskRequest.decode(b), (m: mesoflow.dataflow.v1.CancelTaskResponse.$Properties) => v1.CancelTaskResponse.encode(m).finish()),
      WatchTasks: method('WatchTasks', false, true, (b) => v1.WatchTasksRequest.decode(b), (m: TaskEvent) => v1.TaskEvent.encode(m).finish()),
    };
    const implementation: UntypedServiceImplementation = {
      DeployTask: (
        call: { request: mesoflow.dataflow.v1.TaskDeploymentDescriptor },
        callback: (error: { code: status; details: string } | null, response?: mesoflow.dataflow.v1.DeployTaskResponse.$Properties) => void,
      ) => {
        if (this.refuse !== undefined) return callback(this.refuse);
        this.deployed.push(call.request);
        callback(null, { state: v1.TaskState.TASK_STATE_DEPLOYING });
      },
      CancelTask: (call: { request: mesoflow.dataflow.v1.CancelTaskRequest }, callback: (error: null, response: mesoflow.dataflow.v1.CancelTaskResponse.$Properties) => void) => {
        if (call.request.attempt) this.cancelled.push(call.request.attempt);
        callback(null, { cancelled: true });
      },
      WatchTasks: (call: ServerWritableStream<mesoflow.dataflow.v1.WatchTasksRequest, TaskEvent>) => {
        this.watchers.push(call);
        call.on('cancelled', () => this.gone++);
        for (const event of this.replay) call.write(event);
      },
    };
    this.server.addService(definition, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    this.address = `127.0.0.1:${port}`;
  }

  emit(event: TaskEvent): void {
    for (const watcher of this.watchers) watcher.write(event);
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

async function eventually(check: () => void, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('GrpcTaskDeployer', () => {
  let taskManager: FakeTaskExecutor;
  let deployer: GrpcTaskDeployer;
  const reports: TaskStateReport[] = [];
  const metrics: TaskMetricsReport[] = [];
  const collected: string[] = [];

  beforeEach(async () => {
    reports.length = 0;
    metrics.length = 0;
    collected.length = 0;
    taskManager = new FakeTaskExecutor();
    await taskManager.start();
    deployer = new GrpcTaskDeployer({ bundle: BUNDLE, programArgs: ['--a'], onCollected: (record) => collected.push(`${record.attemptId.attempt}:${record.operatorId}:${record.json}`), callTimeoutMs: 1_000 });
    deployer.attach({ reportTaskState: (report) => reports.push(report) > 0, reportTaskMetrics: (report) => metrics.push(report) > 0 });
  });

  afterEach(async () => {
    await deployer.close();
    taskManager.stop();
  });

  it('watches before it deploys and turns task events into reports (FAILED with its failure), metrics reports and collected records', async () => {
    const [first] = descriptors([slot('tm-a', 0, taskManager.address), slot('tm-a', 1, taskManager.address)]);
    await deployer.deploy(first);
    expect(taskManager.watchers).toHaveLength(1);
    expect(taskManager.deployed).toHaveLength(1);
    expect(taskManager.deployed[0].program_args).toEqual(['--a']);
    const attempt = { job_id: 'job-1', vertex_id: first.attemptId.vertexId, subtask_index: 0, attempt: 1 };
    taskManager.emit({ attempt, state: v1.TaskState.TASK_STATE_DEPLOYING });
    taskManager.emit({ attempt, state: v1.TaskState.TASK_STATE_RUNNING });
    taskManager.emit({ attempt, collected: { operator_id: 'sink-1', json: '["a",1]' } });
    taskManager.emit({ attempt, metrics: { records_in: 7, records_out: 5, at_ms: 1_700_000_000_123 } });
    taskManager.emit({ attempt, failure: { message: 'boom', operator_id: 'op-1', operator_name: 'Count', key_json: '"a"' } });
    taskManager.emit({ attempt, state: v1.TaskState.TASK_STATE_FAILED });
    await eventually(() => expect(reports).toHaveLength(2));
    expect(reports).toEqual([
      { attemptId: first.attemptId, state: 'RUNNING', failure: undefined },
      { attemptId: first.attemptId, state: 'FAILED', failure: { message: 'boom', operatorId: 'op-1', operatorName: 'Count', key: 'a' } },
    ]);
    expect(collected).toEqual(['1:sink-1:["a",1]']);
    expect(metrics).toEqual([{ attemptId: first.attemptId, recordsIn: 7, recordsOut: 5, atMs: 1_700_000_000_123 }]);

    await deployer.cancel(first.attemptId);
    expect(taskManager.cancelled).toEqual([expect.objectContaining(attempt)]);
  });

  it('rejects a refused deploy with REFUSED naming the task and the TaskManager', async () => {
    taskManager.refuse = { code: status.RESOURCE_EXHAUSTED, details: 'every slot is taken' };
    const [first] = descriptors([slot('tm-a', 0, taskManager.address), slot('tm-a', 1, taskManager.address)]);
    const error = await deployer.deploy(first).catch((caught: unknown) => caught);
    expect(isTaskDeployError(error, TaskDeployErrorCode.REFUSED)).toBe(true);
    expect(error).toMatchObject({
      grpcCode: status.RESOURCE_EXHAUSTED,
      rpcAddress: taskManager.address,
      message: `Deploying vertex '${first.attemptId.vertexId}' subtask 0 attempt 1 of job 'job-1' to TaskManager 'tm-a' (${taskManager.address}) was refused (RESOURCE_EXHAUSTED): every slot is taken`,
    });
  });

  it('fails the unfinished tasks of a TaskManager whose watch stream breaks', async () => {
    const [first] = descriptors([slot('tm-a', 0, taskManager.address), slot('tm-a', 1, taskManager.address)]);
    await deployer.deploy(first);
    taskManager.stop();
    await eventually(() => expect(reports).toHaveLength(1));
    expect(reports[0]).toMatchObject({ attemptId: first.attemptId, state: 'FAILED', failure: { message: expect.stringMatching(/^Lost the task events of TaskManager 'tm-a'/) } });
  });

  it('rejects cancelling an unknown task and deploying after close', async () => {
    const [first] = descriptors([slot('tm-a', 0, taskManager.address), slot('tm-a', 1, taskManager.address)]);
    await expect(deployer.cancel(first.attemptId)).rejects.toMatchObject({ code: TaskDeployErrorCode.UNKNOWN_TASK });
    await deployer.close();
    await expect(deployer.deploy(first)).rejects.toMatchObject({ code: TaskDeployErrorCode.CLOSED });
  });

  describe('discover', () => {
    const attempt = (vertexId: string): mesoflow.dataflow.v1.TaskAttempt.$Properties => ({ job_id: 'job-1', vertex_id: vertexId, subtask_index: 0, attempt: 0 });
    const idOf = (vertexId: string) => ({ jobId: 'job-1', vertexId, subtaskIndex: 0, attempt: 0 });

    it("answers the tasks a TaskManager replays after reporting their events, hands their records on, and can cancel them", async () => {
      taskManager.replay = [
        { attempt: attempt('sink'), collected: { operator_id: 'sink-1', json: '["a",1]' } },
        { attempt: attempt('sink'), metrics: { records_in: 4, records_out: 1, at_ms: 1_700_000_000_000 } },
        { attempt: attempt('sink'), state: v1.TaskState.TASK_STATE_RUNNING },
        { attempt: attempt('map'), state: v1.TaskState.TASK_STATE_DEPLOYING },
        { attempt: attempt('source'), failure: { message: 'boom' } },
        { attempt: attempt('source'), state: v1.TaskState.TASK_STATE_FAILED },
        { replay_end: { incomplete: [attempt('map')] } },
      ];
      const tasks = await deployer.discover({ taskManagerId: 'tm-a', rpcAddress: taskManager.address }, 'job-1', 1_000);
      expect(tasks).toEqual([
        { attemptId: idOf('sink'), state: 'RUNNING', recordsComplete: true },
        { attemptId: idOf('map'), state: 'DEPLOYING', recordsComplete: false },
        { attemptId: idOf('source'), state: 'FAILED', recordsComplete: true },
      ]);
      expect(reports).toEqual([
        { attemptId: idOf('sink'), state: 'RUNNING', failure: undefined },
        { attemptId: idOf('source'), state: 'FAILED', failure: { message: 'boom', operatorId: undefined, operatorName: undefined, key: undefined } },
      ]);
      expect(collected).toEqual(['0:sink-1:["a",1]']);
      expect(metrics).toEqual([{ attemptId: idOf('sink'), recordsIn: 4, recordsOut: 1, atMs: 1_700_000_000_000 }]);

      // Live from then on, on the same stream.
      taskManager.emit({ attempt: attempt('map'), state: v1.TaskState.TASK_STATE_RUNNING });
      await eventually(() => expect(reports).toHaveLength(3));
      expect(taskManager.watchers).toHaveLength(1);
      await deployer.cancel(idOf('map'));
      expect(taskManager.cancelled).toEqual([expect.objectContaining(attempt('map'))]);
      expect(await deployer.discover({ taskManagerId: 'tm-a', rpcAddress: taskManager.address }, 'job-1', 1_000)).toContainEqual({ attemptId: idOf('map'), state: 'RUNNING', recordsComplete: false });
    });

    it('gives up on a TaskManager that does not finish its replay in time, and stops watching there', async () => {
      taskManager.replay = [{ attempt: attempt('sink'), state: v1.TaskState.TASK_STATE_RUNNING }];
      const error = await deployer.discover({ taskManagerId: 'tm-a', rpcAddress: taskManager.address }, 'job-1', 200).catch((caught: unknown) => caught);
      expect(isTaskDeployError(error, TaskDeployErrorCode.UNREACHABLE)).toBe(true);
      expect(error).toMatchObject({
        attemptId: undefined,
        rpcAddress: taskManager.address,
        message: `Looking for tasks of job 'job-1' on TaskManager 'tm-a' (${taskManager.address}) failed: the TaskManager cannot be reached: no answer within 200 ms`,
      });
      // Not watched any more: the TaskManager's own job-master-lost timeout applies again.
      await eventually(() => expect(taskManager.gone).toBe(1));
    });
  });
});
