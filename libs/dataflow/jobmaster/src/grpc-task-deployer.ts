// The job master's side of the TaskManagers' TaskExecutorService (Flink's TaskExecutorGateway):
// DeployTask and CancelTask per task, and one WatchTasks stream per (TaskManager, job) whose
// events become the job master's task state and metrics reports and the job's collected records,
// and whose replay tells a job master taking over a dead one's run which tasks it left.
import { Client, credentials as grpcCredentials, status, type ChannelCredentials, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { KeyValue } from '@mesoflow/dataflow-api';
import { systemClock } from '@mesoflow/dataflow-runtime';
import { mesoflow, TASK_EXECUTOR_GRPC } from '@mesoflow/proto';
import { attemptKey, describeAttempt, type ExecutionAttemptId } from './attempt-id';
import { messageOf } from './errors';
import type { TaskDeploymentDescriptor } from './execution-graph';
import type { DiscoveredTask, TaskDeployer, TaskFailure, TaskManagerLocation, TaskStateReport, TaskStateReporter } from './ports';
import { isTerminalTaskState } from './states';
import { within } from './within';

const v1 = mesoflow.dataflow.v1;
type TaskEventMessage = mesoflow.dataflow.v1.TaskEvent;
type DeploymentMessage = mesoflow.dataflow.v1.TaskDeploymentDescriptor.$Properties;
type AttemptMessage = mesoflow.dataflow.v1.TaskAttempt.$Properties;
const SERVICE = `/${TASK_EXECUTOR_GRPC.fullName}`;

/** Where the TaskManagers fetch the job's program bundle. */
export interface BundleLocation {
  /** An http(s) URL (the artifact server) or a local file path. */
  readonly url: string;
  /** Hex SHA-256 of the bundle; a TaskManager refuses a bundle that does not match. */
  readonly sha256: string;
}

/** One record of a collect sink, as a TaskManager sent it. */
export interface CollectedRecord {
  /**
   * The sink's subtask attempt: after a restart, records of earlier attempts are stale. Records a
   * TaskManager kept from before the watch (replayed) come too, of earlier job masters' attempts.
   */
  readonly attemptId: ExecutionAttemptId;
  readonly operatorId: string;
  /** The record as JSON. */
  readonly json: string;
}

/** Options of {@link GrpcTaskDeployer}. */
export interface GrpcTaskDeployerOptions {
  readonly bundle: BundleLocation;
  /** The program's arguments, as the client planned the job with them. @default [] */
  readonly programArgs?: readonly string[];
  /** Every collected record of every attempt, in arrival order per TaskManager (replayed ones first). */
  readonly onCollected?: (record: CollectedRecord) => void;
  /** Deadline of DeployTask and CancelTask, and of connecting to a TaskManager. @default 10000 */
  readonly callTimeoutMs?: number;
  /** @default insecure */
  readonly credentials?: ChannelCredentials;
}

/** Why a {@link TaskDeployError} was raised. */
export enum TaskDeployErrorCode {
  /** The TaskManager answered and refused (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ...). */
  REFUSED = 'REFUSED',
  /** The TaskManager could not be reached (no connection, deadline exceeded). */
  UNREACHABLE = 'UNREACHABLE',
  /** A cancel of a task this deployer never deployed nor discovered. */
  UNKNOWN_TASK = 'UNKNOWN_TASK',
  /** The deployer is closed. */
  CLOSED = 'CLOSED',
}

/** A deploy, cancel or discover that did not go through, naming the task (if any) and the TaskManager. */
export class TaskDeployError extends Error {
  override readonly name = 'TaskDeployError';

  constructor(
    readonly code: TaskDeployErrorCode,
    message: string,
    /** Undefined for a discover. */
    readonly attemptId: ExecutionAttemptId | undefined,
    /** `host:port` of the TaskManager's RPC endpoint, when known. */
    readonly rpcAddress: string | undefined,
    /** The gRPC status, when the call failed with one. */
    readonly grpcCode?: status,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `error` is a {@link TaskDeployError}, optionally with the given code. */
export function isTaskDeployError(error: unknown, code?: TaskDeployErrorCode): error is TaskDeployError {
  return error instanceof TaskDeployError && (code === undefined || error.code === code);
}

/** The wire's TaskDeploymentDescriptor of `descriptor`: one input channel per (incoming edge, producer subtask). */
export function toDeploymentMessage(descriptor: TaskDeploymentDescriptor, bundle: BundleLocation, programArgs: readonly string[]): DeploymentMessage {
  return {
    attempt: attemptMessage(descriptor.attemptId),
    job_graph: descriptor.graph,
    bundle: { url: bundle.url, sha256: bundle.sha256 },
    inputs: descriptor.inputs.flatMap((gate) =>
      gate.producers.map((producer) => ({
        edge_index: gate.edgeIndex,
        producer: attemptMessage(producer.partitionId),
        producer_data_address: producer.dataAddress,
      })),
    ),
    program_args: [...programArgs],
    slot_index: descriptor.slot.slotIndex,
  };
}

/** A task this deployer deployed, or that a TaskManager replayed. */
interface Deployed {
  readonly id: ExecutionAttemptId;
  readonly rpcAddress: string;
  readonly taskManagerId: string;
  /** The last state its TaskManager told (DEPLOYING until then), or FAILED once its events were lost. */
  state: DiscoveredTask['state'];
  recordsComplete: boolean;
  /** The failure event, waiting for its FAILED state. */
  failure?: TaskFailure;
}

interface Watch {
  readonly call: ClientReadableStream<TaskEventMessage>;
  readonly rpcAddress: string;
  readonly taskManagerId: string;
  /** Until the TaskManager's `replay_end`: the unknown tasks it tells of are taken in. */
  replaying: boolean;
  /** Settles at `replay_end`; rejects when the stream ends before. */
  readonly replayed: Promise<void>;
  endReplay(error?: Error): void;
}

/**
 * A {@link TaskDeployer} over the TaskManagers' TaskExecutorService, for one job master (it
 * attaches to the `JobMaster` it is given to). One grpc-js client per TaskManager, reused; before
 * the first deploy or discover of a job on a TaskManager it opens WatchTasks there, and turns the
 * events, replayed ones first, into `reportTaskState` calls (RUNNING, FINISHED, FAILED with the
 * failure's operator and key, CANCELED), record counts into `reportTaskMetrics` calls, and
 * collected records into `onCollected`. The tasks a replay tells of count as deployed (they can be
 * cancelled). A watch stream that breaks fails every unfinished task of that TaskManager.
 * `close()` ends the streams and the clients.
 */
export class GrpcTaskDeployer implements TaskDeployer {
  private readonly bundle: BundleLocation;
  private readonly programArgs: readonly string[];
  private readonly onCollected: ((record: CollectedRecord) => void) | undefined;
  private readonly callTimeoutMs: number;
  private readonly credentials: ChannelCredentials;
  private readonly clients = new Map<string, Client>();
  /** Per `${rpcAddress} ${jobId}`: resolves once the TaskManager is connected and the watch is open. */
  private readonly watches = new Map<string, Promise<Watch>>();
  private readonly deployed = new Map<string, Deployed>();
  private reporter: TaskStateReporter | undefined;
  private closed = false;

  constructor(options: GrpcTaskDeployerOptions) {
    this.bundle = options.bundle;
    this.programArgs = options.programArgs ?? [];
    this.onCollected = options.onCollected;
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.credentials = options.credentials ?? grpcCredentials.createInsecure();
  }

  attach(reporter: TaskStateReporter): void {
    this.reporter = reporter;
  }

  /** @throws TaskDeployError REFUSED, UNREACHABLE or CLOSED, naming the task and the TaskManager. */
  async deploy(descriptor: TaskDeploymentDescriptor): Promise<void> {
    const id = descriptor.attemptId;
    const { rpcAddress, taskManagerId } = descriptor.slot;
    const where = `TaskManager '${taskManagerId}' (${rpcAddress})`;
    if (this.closed) throw new TaskDeployError(TaskDeployErrorCode.CLOSED, `Cannot deploy ${describeAttempt(id)} to ${where}: the deployer is closed`, id, rpcAddress);
    try {
      await this.watch(id.jobId, descriptor.slot, this.callTimeoutMs);
    } catch (error) {
      throw unreachable(`Deploying ${describeAttempt(id)} to ${where}`, id, rpcAddress, error);
    }
    this.deployed.set(attemptKey(id), { id, rpcAddress, taskManagerId, state: 'DEPLOYING', recordsComplete: true });
    try {
      await this.unary(
        rpcAddress,
        'DeployTask',
        toDeploymentMessage(descriptor, this.bundle, this.programArgs),
        (message) => v1.TaskDeploymentDescriptor.encode(message).finish(),
        (bytes) => v1.DeployTaskResponse.decode(bytes),
      );
    } catch (error) {
      this.deployed.delete(attemptKey(id));
      throw callError(error, `Deploying ${describeAttempt(id)} to ${where}`, id, rpcAddress);
    }
  }

  /** @throws TaskDeployError UNKNOWN_TASK, UNREACHABLE, REFUSED or CLOSED. */
  async cancel(attemptId: ExecutionAttemptId): Promise<void> {
    const task = this.deployed.get(attemptKey(attemptId));
    if (task === undefined) {
      throw new TaskDeployError(TaskDeployErrorCode.UNKNOWN_TASK, `Cannot cancel ${describeAttempt(attemptId)}: it was not deployed by this deployer`, attemptId, undefined);
    }
    const where = `TaskManager '${task.taskManagerId}' (${task.rpcAddress})`;
    if (this.closed) throw new TaskDeployError(TaskDeployErrorCode.CLOSED, `Cannot cancel ${describeAttempt(attemptId)} on ${where}: the deployer is closed`, attemptId, task.rpcAddress);
    try {
      await this.unary(
        task.rpcAddress,
        'CancelTask',
        { attempt: attemptMessage(attemptId) },
        (message: mesoflow.dataflow.v1.CancelTaskRequest.$Properties) => v1.CancelTaskRequest.encode(message).finish(),
        (bytes) => v1.CancelTaskResponse.decode(bytes),
      );
    } catch (error) {
      throw callError(error, `Cancelling ${describeAttempt(attemptId)} on ${where}`, attemptId, task.rpcAddress);
    }
  }

  /**
   * Watches the job on the TaskManager (once) and answers its tasks there after the TaskManager's
   * replay of them.
   * @throws TaskDeployError UNREACHABLE (no connection, or no replay within `timeoutMs`: the watch is
   * then given up, so the TaskManager's job-master-lost timeout goes on for those tasks) or CLOSED.
   */
  async discover(taskManager: TaskManagerLocation, jobId: string, timeoutMs: number): Promise<DiscoveredTask[]> {
    const { rpcAddress, taskManagerId } = taskManager;
    const what = `Looking for tasks of job '${jobId}' on TaskManager '${taskManagerId}' (${rpcAddress})`;
    if (this.closed) throw new TaskDeployError(TaskDeployErrorCode.CLOSED, `${what} failed: the deployer is closed`, undefined, rpcAddress);
    const startedAt = Date.now();
    try {
      const watch = await this.watch(jobId, taskManager, timeoutMs);
      await within(systemClock, Math.max(0, startedAt + timeoutMs - Date.now()), watch.replayed, () => {
        watch.call.cancel();
        return new Error(`no answer within ${timeoutMs} ms`);
      });
    } catch (error) {
      throw unreachable(what, undefined, rpcAddress, error);
    }
    return [...this.deployed.values()]
      .filter((task) => task.rpcAddress === rpcAddress && task.id.jobId === jobId)
      .map((task) => ({ attemptId: task.id, state: task.state, recordsComplete: task.recordsComplete }));
  }

  /** Ends every watch stream and closes every client; later deploys and cancels reject with CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const watches = await Promise.allSettled(this.watches.values());
    for (const watch of watches) if (watch.status === 'fulfilled') watch.value.call.cancel();
    this.watches.clear();
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client(rpcAddress: string): Client {
    let client = this.clients.get(rpcAddress);
    if (client === undefined) {
      client = new Client(rpcAddress, this.credentials);
      this.clients.set(rpcAddress, client);
    }
    return client;
  }

  /**
   * Connects to the TaskManager (within `timeoutMs`) and opens WatchTasks for the job there, once.
   * @throws the connection's error
   */
  private watch(jobId: string, taskManager: TaskManagerLocation, timeoutMs: number): Promise<Watch> {
    const key = `${taskManager.rpcAddress} ${jobId}`;
    let watch = this.watches.get(key);
    if (watch === undefined) {
      watch = this.openWatch(jobId, taskManager, timeoutMs);
      this.watches.set(key, watch);
      // A failed connection is tried again by the next deploy.
      watch.catch(() => this.watches.delete(key));
    }
    return watch;
  }

  private async openWatch(jobId: string, { rpcAddress, taskManagerId }: TaskManagerLocation, timeoutMs: number): Promise<Watch> {
    const client = this.client(rpcAddress);
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve())));
    const call = client.makeServerStreamRequest(
      `${SERVICE}/WatchTasks`,
      (message: mesoflow.dataflow.v1.WatchTasksRequest.$Properties) => Buffer.from(v1.WatchTasksRequest.encode(message).finish()),
      (bytes: Buffer) => v1.TaskEvent.decode(bytes),
      { job_id: jobId },
    );
    let endReplay: Watch['endReplay'] = () => undefined;
    const replayed = new Promise<void>((resolve, reject) => {
      endReplay = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Only a discover waits for the replay.
    replayed.catch(() => undefined);
    const watch: Watch = { call, rpcAddress, taskManagerId, replaying: true, replayed, endReplay };
    call.on('data', (event: TaskEventMessage) => this.onEvent(watch, event));
    call.on('error', (error: ServiceError) => this.onWatchEnd(jobId, watch, error.details || error.message));
    call.on('end', () => this.onWatchEnd(jobId, watch, 'the TaskManager ended the stream'));
    return watch;
  }

  private onEvent(watch: Watch, event: TaskEventMessage): void {
    if (event.event === 'replay_end') {
      this.endReplay(watch, event.replay_end?.incomplete ?? []);
      return;
    }
    const id = attemptIdOf(event.attempt);
    const task = this.deployed.get(attemptKey(id)) ?? this.replayedTask(watch, id);
    switch (event.event) {
      case 'collected':
        this.onCollected?.({ attemptId: id, operatorId: event.collected?.operator_id ?? '', json: event.collected?.json ?? '' });
        return;
      case 'failure':
        if (task !== undefined) task.failure = failureOf(event.failure);
        return;
      case 'metrics':
        this.reporter?.reportTaskMetrics({
          attemptId: id,
          recordsIn: event.metrics?.records_in ?? 0,
          recordsOut: event.metrics?.records_out ?? 0,
          atMs: event.metrics?.at_ms ?? 0,
        });
        return;
      case 'state': {
        const state = taskStateOf(event.state);
        if (state === undefined) return;
        if (task !== undefined) task.state = state;
        // DEPLOYING and CANCELING are the job master's own doing.
        if (state === 'DEPLOYING' || state === 'CANCELING') return;
        this.report({ attemptId: id, state, failure: state === 'FAILED' ? (task?.failure ?? { message: 'The TaskManager reported FAILED without a cause' }) : undefined });
        return;
      }
      case undefined:
        return;
    }
  }

  /** A task the TaskManager tells of in its replay, deployed by an earlier job master; undefined after the replay. */
  private replayedTask(watch: Watch, id: ExecutionAttemptId): Deployed | undefined {
    if (!watch.replaying) return undefined;
    const task: Deployed = { id, rpcAddress: watch.rpcAddress, taskManagerId: watch.taskManagerId, state: 'DEPLOYING', recordsComplete: true };
    this.deployed.set(attemptKey(id), task);
    return task;
  }

  private endReplay(watch: Watch, incomplete: readonly mesoflow.dataflow.v1.ITaskAttempt[]): void {
    for (const attempt of incomplete) {
      const task = this.deployed.get(attemptKey(attemptIdOf(attempt)));
      if (task !== undefined) task.recordsComplete = false;
    }
    watch.replaying = false;
    watch.endReplay();
  }

  /** A watch stream that ended (not by `close()`): nothing more comes from there, so its unfinished tasks failed. */
  private onWatchEnd(jobId: string, watch: Watch, reason: string): void {
    if (this.closed) return;
    watch.endReplay(new Error(reason));
    const key = `${watch.rpcAddress} ${jobId}`;
    void this.watches.get(key)?.then((current) => {
      if (current === watch) this.watches.delete(key);
    });
    for (const task of this.deployed.values()) {
      if (isTerminalTaskState(task.state) || task.rpcAddress !== watch.rpcAddress || task.id.jobId !== jobId) continue;
      task.state = 'FAILED';
      this.report({
        attemptId: task.id,
        state: 'FAILED',
        failure: { message: `Lost the task events of TaskManager '${watch.taskManagerId}' (${watch.rpcAddress}) running ${describeAttempt(task.id)}: ${reason}` },
      });
    }
  }

  private report(report: TaskStateReport): void {
    try {
      this.reporter?.reportTaskState(report);
    } catch {
      // A report the task state machine refuses (e.g. late, after the job master gave up on the task) changes nothing.
    }
  }

  private unary<Req, Res>(rpcAddress: string, method: string, request: Req, encode: (message: Req) => Uint8Array, decode: (bytes: Buffer) => Res): Promise<Res> {
    const client = this.client(rpcAddress);
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest(
        `${SERVICE}/${method}`,
        (message: Req) => Buffer.from(encode(message)),
        decode,
        request,
        { deadline: Date.now() + this.callTimeoutMs },
        (error: ServiceError | null, response?: Res) => (error || response === undefined ? reject(error ?? new Error(`${method} answered nothing`)) : resolve(response)),
      );
    });
  }
}

function unreachable(what: string, id: ExecutionAttemptId | undefined, rpcAddress: string, error: unknown): TaskDeployError {
  return new TaskDeployError(TaskDeployErrorCode.UNREACHABLE, `${what} failed: the TaskManager cannot be reached: ${messageOf(error)}`, id, rpcAddress, status.UNAVAILABLE, {
    cause: error,
  });
}

function callError(error: unknown, what: string, id: ExecutionAttemptId, rpcAddress: string): TaskDeployError {
  if (isTaskDeployError(error)) return error;
  const grpcCode = isServiceError(error) ? error.code : undefined;
  const unreachable = grpcCode === status.UNAVAILABLE || grpcCode === status.DEADLINE_EXCEEDED;
  const detail = isServiceError(error) ? error.details || error.message : messageOf(error);
  return new TaskDeployError(
    unreachable ? TaskDeployErrorCode.UNREACHABLE : TaskDeployErrorCode.REFUSED,
    unreachable
      ? `${what} failed: the TaskManager cannot be reached (${status[grpcCode]}): ${detail}`
      : `${what} was refused${grpcCode === undefined ? '' : ` (${status[grpcCode]})`}: ${detail}`,
    id,
    rpcAddress,
    grpcCode,
    { cause: error },
  );
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

function attemptMessage(id: ExecutionAttemptId): AttemptMessage {
  return { job_id: id.jobId, vertex_id: id.vertexId, subtask_index: id.subtaskIndex, attempt: id.attempt };
}

function attemptIdOf(attempt: mesoflow.dataflow.v1.ITaskAttempt | null | undefined): ExecutionAttemptId {
  return { jobId: attempt?.job_id ?? '', vertexId: attempt?.vertex_id ?? '', subtaskIndex: attempt?.subtask_index ?? 0, attempt: attempt?.attempt ?? 0 };
}

/** The wire's task state; undefined when unspecified. */
function taskStateOf(state: mesoflow.dataflow.v1.TaskState | null | undefined): DiscoveredTask['state'] | undefined {
  switch (state) {
    case v1.TaskState.TASK_STATE_DEPLOYING:
      return 'DEPLOYING';
    case v1.TaskState.TASK_STATE_RUNNING:
      return 'RUNNING';
    case v1.TaskState.TASK_STATE_FINISHED:
      return 'FINISHED';
    case v1.TaskState.TASK_STATE_CANCELING:
      return 'CANCELING';
    case v1.TaskState.TASK_STATE_CANCELED:
      return 'CANCELED';
    case v1.TaskState.TASK_STATE_FAILED:
      return 'FAILED';
    case v1.TaskState.TASK_STATE_UNSPECIFIED:
    case null:
    case undefined:
      return undefined;
  }
}

function failureOf(failure: mesoflow.dataflow.v1.ITaskFailure | null | undefined): TaskFailure {
  const keyJson = failure?.key_json ?? '';
  let key: KeyValue | undefined;
  if (keyJson !== '') {
    try {
      key = JSON.parse(keyJson) as KeyValue;
    } catch {
      key = keyJson;
    }
  }
  return {
    message: failure?.message || 'The task failed',
    operatorId: failure?.operator_id || undefined,
    operatorName: failure?.operator_name || undefined,
    key,
  };
}
