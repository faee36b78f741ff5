// The TaskManager's subtasks (Flink's TaskExecutor without the RPC): deploy, run, cancel, and the
// events job masters watch. The gRPC controller is a thin layer over this class.
import { encodeJobGraph, type RuntimeProgram } from '@mesoflow/dataflow-api';
import { describeTask, isExchangeError, taskKey, type ExchangeClient, type PartitionRegistry, type ResultPartition, type TaskAttemptId } from '@mesoflow/dataflow-exchange';
import { canonicalKey, incomingEdges, isRuntimeError, outgoingEdges, parallelismOf, runSubtask, SubtaskCounters, type InputElement } from '@mesoflow/dataflow-runtime';
import { mesoflow } from '@mesoflow/proto';
import type { Logger } from 'pino';
import type { BundleFetcher } from './bundle';
import { TaskManagerError, TaskManagerErrorCode, messageOf } from './errors';
import { mergeChannels, PartitionOutput, type TaggedChannel } from './exchange-io';
import { KeptRecords } from './kept-records';
import type { ProgramLoader } from './program-loader';

const { TaskState, JobGraph } = mesoflow.dataflow.v1;
type TaskState = mesoflow.dataflow.v1.TaskState;
type JobGraphMessage = mesoflow.dataflow.v1.JobGraph;
export type TaskDeploymentDescriptor = mesoflow.dataflow.v1.TaskDeploymentDescriptor.$Properties;
export type TaskEvent = mesoflow.dataflow.v1.TaskEvent.$Properties;
export type TaskAttemptMessage = mesoflow.dataflow.v1.TaskAttempt.$Properties;
type TaskMetricsMessage = mesoflow.dataflow.v1.TaskMetrics.$Properties;
type TaskFailureMessage = mesoflow.dataflow.v1.TaskFailure.$Properties;

/** What the executor needs from the TaskManager. */
export interface TaskExecutorOptions {
  readonly taskManagerId: string;
  /** `taskmanager.numberOfTaskSlots`. */
  readonly slots: number;
  /** This TaskManager's advertised data address: producers there are read through local channels. */
  readonly dataAddress: string;
  readonly registry: PartitionRegistry;
  readonly exchange: ExchangeClient;
  readonly bundles: BundleFetcher;
  readonly programs: ProgramLoader;
  readonly logger: Logger;
  /** How long a consumer waits for a producer's partition. @default the exchange's 10 s */
  readonly partitionRequestTimeoutMs?: number;
  /** How often a running subtask's record counts go to the watchers. @default 1000 */
  readonly metricsIntervalMs?: number;
  /** Records taken in and sent on by subtasks since the last call (the TaskManager's totals), with each report. */
  readonly onRecords?: (recordsIn: number, recordsOut: number) => void;
  /**
   * How long a job's running subtasks go on with no job master watching them before they are
   * canceled (Flink fails tasks whose JobManager is lost), `taskmanager.jobmaster-lost-timeout`.
   * A job master that died cannot see them end; the one that runs the job next takes them over
   * if it comes in time, else it runs the job again and, left running, they would run it twice.
   */
  readonly jobMasterLostTimeoutMs: number;
  /**
   * Characters of collected records (JSON and operator ids) kept for new watchers, over every
   * task; past it the oldest tasks' records are dropped (see {@link KeptRecords}). @default 16 Mi
   */
  readonly keptRecordsBudget?: number;
}

const TERMINAL: ReadonlySet<TaskState> = new Set([TaskState.TASK_STATE_FINISHED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_FAILED]);
/** Ended tasks kept for WatchTasks replays and idempotent deploys. */
const KEPT_ENDED_TASKS = 1024;

interface Task {
  readonly id: TaskAttemptId;
  readonly key: string;
  readonly slotIndex: number;
  readonly abort: AbortController;
  readonly partitions: ResultPartition[];
  readonly channels: TaggedChannel[];
  readonly counters: SubtaskCounters;
  /** The counts `onRecords` has been told of. */
  readonly told: { recordsIn: number; recordsOut: number };
  /** Reports the counts while the subtask runs. */
  metricsTimer?: NodeJS.Timeout;
  state: TaskState;
  done: Promise<void>;
  /** A neighbour's failure waiting out {@link NEIGHBOUR_FAILURE_GRACE_MS}. */
  pendingFailure?: NodeJS.Timeout;
  /** The last counts reported and the failure, for new watchers. */
  metrics?: TaskMetricsMessage;
  failure?: TaskFailureMessage;
}

/**
 * How long a failure that came from the exchange (a producer or consumer went away) waits before
 * it is reported: when a job is cancelled, the first cancelled subtask fails its neighbours before
 * their own cancel arrives, and those should end CANCELED, not FAILED.
 */
const NEIGHBOUR_FAILURE_GRACE_MS = 500;

type Listener = (event: TaskEvent) => void;

interface Watcher {
  readonly listener: Listener;
  readonly onClose: () => void;
}

/** A state's name for logs, e.g. `RUNNING`. */
export function stateName(state: TaskState): string {
  return (TaskState[state] ?? String(state)).replace('TASK_STATE_', '');
}

export class TaskExecutor {
  private readonly tasks = new Map<string, Task>();
  private readonly listeners = new Map<string, Set<Watcher>>();
  private shuttingDown = false;
  /** Per job with subtasks but no watcher: when its subtasks are canceled. */
  private readonly unwatched = new Map<string, NodeJS.Timeout>();
  private readonly kept: KeptRecords;

  constructor(private readonly options: TaskExecutorOptions) {
    this.kept = new KeptRecords(options.keptRecordsBudget ?? 16 * 1024 * 1024);
  }

  /** The number of tasks in each state (ended ones as far as they are kept). */
  countByState(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const name of ['DEPLOYING', 'RUNNING', 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED']) counts.set(name, 0);
    for (const task of this.tasks.values()) counts.set(stateName(task.state), (counts.get(stateName(task.state)) ?? 0) + 1);
    return counts;
  }

  /** The slots running at least one subtask. */
  slotsInUse(): number[] {
    return [...new Set([...this.tasks.values()].filter((task) => !TERMINAL.has(task.state)).map((task) => task.slotIndex))].sort((a, b) => a - b);
  }

  /**
   * Starts a subtask and answers its state (DEPLOYING); an attempt that exists answers its state.
   * @throws TaskManagerError INVALID_ARGUMENT, RESOURCE_EXHAUSTED, SHUTTING_DOWN
   */
  deploy(descriptor: TaskDeploymentDescriptor): TaskState {
    if (this.shuttingDown) throw new TaskManagerError(TaskManagerErrorCode.SHUTTING_DOWN, `TaskManager '${this.options.taskManagerId}' is shutting down`);
    const id = attemptId(descriptor.attempt);
    const key = taskKey(id);
    const existing = this.tasks.get(key);
    if (existing !== undefined) return existing.state;
    const graph = graphOf(descriptor);
    const vertexId = id.vertexId;
    const vertex = (graph.vertices ?? []).find((candidate) => candidate.id === vertexId);
    if (vertex === undefined) invalid(`The job graph of job '${id.jobId}' has no vertex '${vertexId}'`);
    const parallelism = parallelismOf(graph, vertexId);
    if (id.subtaskIndex >= parallelism) invalid(`Vertex '${vertexId}' has parallelism ${parallelism}; there is no subtask ${id.subtaskIndex}`);
    const bundle = descriptor.bundle;
    if (bundle?.url === undefined || bundle.url === null || bundle.url === '' || !bundle.sha256) invalid(`The deployment of ${describeTask(id)} names no bundle (url and sha256)`);
    const slotIndex = descriptor.slot_index ?? 0;
    if (slotIndex >= this.options.slots) invalid(`Slot ${slotIndex} does not exist: TaskManager '${this.options.taskManagerId}' has ${this.options.slots} slots`);
    const inputs = checkInputs(graph, id, descriptor.inputs ?? []);
    this.checkSlot(id, slotIndex);

    const task: Task = {
      id,
      key,
      slotIndex,
      abort: new AbortController(),
      partitions: [],
      channels: [],
      counters: new SubtaskCounters(),
      told: { recordsIn: 0, recordsOut: 0 },
      state: TaskState.TASK_STATE_DEPLOYING,
      done: Promise.resolve(),
    };
    // Partitions first, so that consumers find them (or their failure) at once.
    try {
      outgoingEdges(graph, vertexId).forEach((edge, index) => {
        task.partitions.push(this.options.registry.createPartition(partitionIdOf(id, index), parallelismOf(graph, edge.target_vertex_id ?? '')));
      });
    } catch (error) {
      for (const partition of task.partitions) partition.cancel('its deployment failed');
      throw new TaskManagerError(TaskManagerErrorCode.INVALID_ARGUMENT, `${describeTask(id)} could not create its result partitions: ${messageOf(error)}`, { cause: error });
    }
    this.tasks.set(key, task);
    this.prune();
    // Job masters watch before they deploy; a deployment nobody watches is already orphaned.
    if (!this.listeners.has(id.jobId)) this.watchLost(id.jobId);
    this.options.logger.info({ task: key, slot: slotIndex }, `Deploying ${describeTask(id)} in slot ${slotIndex}`);
    this.publish(task, { state: TaskState.TASK_STATE_DEPLOYING });
    task.done = this.run(task, descriptor, graph, inputs);
    return task.state;
  }

  /** Cancels a subtask; false when unknown or ended. */
  cancel(attempt: TaskAttemptMessage | null | undefined): boolean {
    const task = this.tasks.get(taskKey(attemptId(attempt)));
    if (task === undefined || TERMINAL.has(task.state) || task.state === TaskState.TASK_STATE_CANCELING) return false;
    this.options.logger.info({ task: task.key }, `Cancelling ${describeTask(task.id)}`);
    this.setState(task, TaskState.TASK_STATE_CANCELING);
    this.stop(task, 'the subtask was cancelled');
    if (task.pendingFailure !== undefined) {
      clearTimeout(task.pendingFailure);
      task.pendingFailure = undefined;
      this.end(task, TaskState.TASK_STATE_CANCELED);
    }
    return true;
  }

  /**
   * Calls `listener` with what is kept of every subtask of `jobId` and a `replay_end` (see
   * ReplayEnd in task_executor.proto), then with every event; returns a function that stops it.
   */
  watch(jobId: string, listener: Listener, onClose: () => void = () => undefined): () => void {
    const incomplete: TaskAttemptMessage[] = [];
    for (const task of this.tasks.values()) {
      if (task.id.jobId === jobId && !this.replay(task, listener)) incomplete.push(attemptMessage(task.id));
    }
    listener({ replay_end: { incomplete } });
    let set = this.listeners.get(jobId);
    if (set === undefined) this.listeners.set(jobId, (set = new Set()));
    const listeners = set;
    const watcher: Watcher = { listener, onClose };
    listeners.add(watcher);
    clearTimeout(this.unwatched.get(jobId));
    this.unwatched.delete(jobId);
    return () => {
      listeners.delete(watcher);
      if (listeners.size === 0 && this.listeners.get(jobId) === listeners) {
        this.listeners.delete(jobId);
        this.watchLost(jobId);
      }
    };
  }

  /** Tells `listener` the task's events in the order they happened; false when its collected records were not all kept. */
  private replay(task: Task, listener: Listener): boolean {
    const attempt = attemptMessage(task.id);
    const collected = this.kept.recordsOf(task.key);
    for (const record of collected ?? []) listener({ attempt, collected: record });
    if (task.metrics !== undefined) listener({ attempt, metrics: task.metrics });
    if (task.failure !== undefined) listener({ attempt, failure: task.failure });
    listener({ attempt, state: task.state });
    return collected !== undefined;
  }

  /** The last watcher of `jobId` went: its running subtasks are canceled unless one comes back in time. */
  private watchLost(jobId: string): void {
    if (this.shuttingDown || this.unwatched.has(jobId)) return;
    const timeoutMs = this.options.jobMasterLostTimeoutMs;
    const timer = setTimeout(() => {
      this.unwatched.delete(jobId);
      if (this.listeners.has(jobId)) return;
      const running = [...this.tasks.values()].filter((task) => task.id.jobId === jobId && !TERMINAL.has(task.state));
      if (running.length === 0) return;
      this.options.logger.warn(
        { jobId, subtasks: running.length },
        `No job master has watched job '${jobId}' for ${timeoutMs} ms: it is gone, so its ${running.length} running subtask(s) are canceled`,
      );
      for (const task of running) this.cancel(attemptMessage(task.id));
    }, timeoutMs);
    timer.unref();
    this.unwatched.set(jobId, timer);
  }

  /** Refuses new deployments, cancels every running subtask and waits (up to `timeoutMs`) for them to end. */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    this.shuttingDown = true;
    const running = [...this.tasks.values()].filter((task) => !TERMINAL.has(task.state));
    for (const task of running) this.cancel(attemptMessage(task.id));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(running.map((task) => task.done)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    for (const timer of this.unwatched.values()) clearTimeout(timer);
    this.unwatched.clear();
    // Watch streams end, so that draining the RPC port does not wait for them.
    const watchers = [...this.listeners.values()].flatMap((set) => [...set]);
    this.listeners.clear();
    for (const watcher of watchers) watcher.onClose();
  }

  private checkSlot(id: TaskAttemptId, slotIndex: number): void {
    const active = [...this.tasks.values()].filter((task) => !TERMINAL.has(task.state));
    const slots = new Set(active.map((task) => task.slotIndex));
    if (!slots.has(slotIndex) && slots.size >= this.options.slots) {
      throw new TaskManagerError(
        TaskManagerErrorCode.RESOURCE_EXHAUSTED,
        `Every slot of TaskManager '${this.options.taskManagerId}' is taken (${slots.size} of ${this.options.slots}); ${describeTask(id)} cannot run in slot ${slotIndex}`,
      );
    }
    const otherJob = active.find((task) => task.slotIndex === slotIndex && task.id.jobId !== id.jobId);
    if (otherJob !== undefined) {
      throw new TaskManagerError(
        TaskManagerErrorCode.RESOURCE_EXHAUSTED,
        `Slot ${slotIndex} of TaskManager '${this.options.taskManagerId}' is taken by job '${otherJob.id.jobId}'; ${describeTask(id)} cannot run there`,
      );
    }
    const sameVertex = active.find((task) => task.slotIndex === slotIndex && task.id.jobId === id.jobId && task.id.vertexId === id.vertexId);
    if (sameVertex !== undefined) {
      throw new TaskManagerError(
        TaskManagerErrorCode.RESOURCE_EXHAUSTED,
        `Slot ${slotIndex} of TaskManager '${this.options.taskManagerId}' already runs ${describeTask(sameVertex.id)}; a slot holds one subtask of each vertex`,
      );
    }
  }

  private async run(task: Task, descriptor: TaskDeploymentDescriptor, submitted: JobGraphMessage, inputs: readonly InputPlan[]): Promise<void> {
    const { id } = task;
    const signal = task.abort.signal;
    try {
      const bundle = descriptor.bundle ?? {};
      const path = await this.options.bundles.fetch({ url: bundle.url ?? '', sha256: bundle.sha256 ?? '' });
      const program = await this.options.programs.load({
        path,
        sha256: (bundle.sha256 ?? '').toLowerCase(),
        args: descriptor.program_args ?? [],
        bundle: submitted.bundle?.path ? { path: submitted.bundle.path, sha256: submitted.bundle.sha256 ?? '' } : undefined,
        defaultParallelism: submitted.config?.default_parallelism || undefined,
      });
      checkSameGraph(program, submitted, id);
      if (signal.aborted) return this.end(task, TaskState.TASK_STATE_CANCELED);
      const graph = program.graph;
      const outputs = task.partitions.map((partition) => new PartitionOutput(partition, (error) => this.fail(task, error)));
      let input: AsyncIterable<InputElement> | undefined;
      if (inputs.length > 0) {
        for (const plan of inputs) task.channels.push({ edge: plan.edge, channel: plan.producer.subtaskIndex, input: this.openChannel(plan, id) });
        input = mergeChannels(task.channels);
      }
      this.setState(task, TaskState.TASK_STATE_RUNNING);
      const result = await runSubtask({
        graph,
        functions: program.functions,
        vertexId: id.vertexId,
        subtaskIndex: id.subtaskIndex,
        outputs,
        ...(input === undefined ? {} : { input }),
        signal,
        counters: task.counters,
        // print() writes plain lines to the TaskManager's standard output (the sandbox's
        // stdout), as Flink's print sink writes to the TaskManager's .out file.
        collect: (operatorId, _subtask, value) => {
          const collected = { operator_id: operatorId, json: JSON.stringify(value) ?? 'null' };
          this.kept.keep(task.key, collected);
          this.publish(task, { collected });
        },
      });
      if (result.status === 'CANCELED' || signal.aborted) return this.end(task, TaskState.TASK_STATE_CANCELED);
      // FINISHED once every consumer has read the outputs to their end.
      const stopped = new Promise<'stopped'>((resolve) => signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
      const outcome = await Promise.race([Promise.all(outputs.map((output) => output.done())).then(() => 'done' as const), stopped]);
      if (outcome === 'stopped') return this.end(task, TaskState.TASK_STATE_CANCELED);
      this.end(task, TaskState.TASK_STATE_FINISHED);
    } catch (error) {
      this.fail(task, error);
    }
  }

  private openChannel(plan: InputPlan, consumer: TaskAttemptId): TaggedChannel['input'] {
    const timeout = this.options.partitionRequestTimeoutMs === undefined ? {} : { partitionRequestTimeoutMs: this.options.partitionRequestTimeoutMs };
    const partition = partitionIdOf(plan.producer, plan.producerOutput);
    if (plan.address === this.options.dataAddress) {
      return this.options.registry.openLocalChannel(partition, consumer.subtaskIndex, consumer, timeout);
    }
    return this.options.exchange.openChannel(plan.address, { partition, subpartition: consumer.subtaskIndex, consumer }, timeout);
  }

  private fail(task: Task, error: unknown): void {
    if (TERMINAL.has(task.state) || task.pendingFailure !== undefined) return;
    if (task.state === TaskState.TASK_STATE_CANCELING) return this.end(task, TaskState.TASK_STATE_CANCELED);
    if (isExchangeError(error) && !task.abort.signal.aborted) {
      this.stop(task, messageOf(error), error);
      task.pendingFailure = setTimeout(() => {
        task.pendingFailure = undefined;
        this.reportFailure(task, error);
      }, NEIGHBOUR_FAILURE_GRACE_MS);
      return;
    }
    this.reportFailure(task, error);
  }

  private reportFailure(task: Task, error: unknown): void {
    if (TERMINAL.has(task.state)) return;
    const location = isRuntimeError(error) ? error.location : undefined;
    const message = messageOf(error);
    this.options.logger.warn({ task: task.key, err: error }, `${describeTask(task.id)} failed: ${message}`);
    task.failure = {
      message,
      operator_id: location?.operatorId ?? '',
      operator_name: location?.operatorName ?? '',
      key_json: location?.key === undefined ? '' : canonicalKey(location.key),
    };
    this.publish(task, { failure: task.failure });
    this.stop(task, message, error);
    this.end(task, TaskState.TASK_STATE_FAILED);
  }

  /** Aborts the subtask, fails its partitions and cancels its input channels. */
  private stop(task: Task, reason: string, cause?: unknown): void {
    if (!task.abort.signal.aborted) task.abort.abort();
    for (const partition of task.partitions) {
      if (cause === undefined) partition.cancel(reason);
      else partition.fail(cause);
    }
    for (const { input } of task.channels) input.cancel(reason);
  }

  private end(task: Task, state: TaskState): void {
    if (TERMINAL.has(task.state)) return;
    // A neighbour's failure decides once its grace is over (or a cancel comes).
    if (task.pendingFailure !== undefined) return;
    if (state !== TaskState.TASK_STATE_FINISHED) this.stop(task, `the subtask ended ${stateName(state)}`);
    this.setState(task, state);
  }

  private setState(task: Task, state: TaskState): void {
    if (task.state === state || TERMINAL.has(task.state)) return;
    if (state === TaskState.TASK_STATE_RUNNING) {
      task.metricsTimer = setInterval(() => this.reportMetrics(task), this.options.metricsIntervalMs ?? 1000);
      task.metricsTimer.unref();
    } else if (TERMINAL.has(state) && task.metricsTimer !== undefined) {
      clearInterval(task.metricsTimer);
      task.metricsTimer = undefined;
      // The final counts go before the final state, so a watcher has them when it sees the end.
      this.reportMetrics(task);
    }
    task.state = state;
    this.options.logger.info({ task: task.key, state: stateName(state) }, `${describeTask(task.id)} is ${stateName(state)}`);
    this.publish(task, { state });
  }

  private reportMetrics(task: Task): void {
    const { recordsIn, recordsOut } = task.counters;
    this.options.onRecords?.(recordsIn - task.told.recordsIn, recordsOut - task.told.recordsOut);
    task.told.recordsIn = recordsIn;
    task.told.recordsOut = recordsOut;
    task.metrics = { records_in: recordsIn, records_out: recordsOut, at_ms: Date.now() };
    this.publish(task, { metrics: task.metrics });
  }

  private publish(task: Task, event: Omit<TaskEvent, 'attempt'>): void {
    const listeners = this.listeners.get(task.id.jobId);
    if (listeners === undefined) return;
    const full: TaskEvent = { attempt: attemptMessage(task.id), ...event };
    for (const { listener } of [...listeners]) {
      try {
        listener(full);
      } catch (error) {
        this.options.logger.warn({ err: error }, `A task event listener failed: ${messageOf(error)}`);
      }
    }
  }

  private prune(): void {
    const ended = [...this.tasks.values()].filter((task) => TERMINAL.has(task.state));
    for (const task of ended.slice(0, Math.max(0, ended.length - KEPT_ENDED_TASKS))) {
      this.tasks.delete(task.key);
      this.kept.forget(task.key);
    }
  }
}

/** Where a consumer reads one producer. */
interface InputPlan {
  readonly edge: number;
  readonly producer: TaskAttemptId;
  /** The index of the edge among the producer vertex's outgoing edges: its partition. */
  readonly producerOutput: number;
  readonly address: string;
}

/**
 * The partition of a producer's `output`-th outgoing edge. The exchange names a partition by its
 * producer attempt only, so the first output uses the attempt as it is and further outputs
 * (a vertex feeding several vertices) a vertex id with `#<output>` appended; both sides derive
 * it from the graph.
 */
export function partitionIdOf(producer: TaskAttemptId, output: number): TaskAttemptId {
  return output === 0 ? producer : { ...producer, vertexId: `${producer.vertexId}#${output}` };
}

function invalid(message: string): never {
  throw new TaskManagerError(TaskManagerErrorCode.INVALID_ARGUMENT, message);
}

function attemptId(attempt: TaskAttemptMessage | null | undefined): TaskAttemptId {
  const jobId = attempt?.job_id ?? '';
  const vertexId = attempt?.vertex_id ?? '';
  if (jobId === '' || vertexId === '') invalid('A task attempt needs a job_id and a vertex_id');
  return { jobId, vertexId, subtaskIndex: attempt?.subtask_index ?? 0, attempt: attempt?.attempt ?? 0 };
}

function attemptMessage(id: TaskAttemptId): TaskAttemptMessage {
  return { job_id: id.jobId, vertex_id: id.vertexId, subtask_index: id.subtaskIndex, attempt: id.attempt };
}

function graphOf(descriptor: TaskDeploymentDescriptor): JobGraphMessage {
  if (descriptor.job_graph === undefined || descriptor.job_graph === null) invalid('The deployment descriptor has no job_graph');
  try {
    // Normalizes what the gRPC loader gives (plain objects, enums as numbers).
    return JobGraph.fromObject(descriptor.job_graph);
  } catch (error) {
    return invalid(`The deployment descriptor's job_graph is malformed: ${messageOf(error)}`);
  }
}

/** Checks that `inputs` name every producer subtask of every incoming edge once. */
function checkInputs(graph: JobGraphMessage, consumer: TaskAttemptId, inputs: readonly mesoflow.dataflow.v1.InputChannelDescriptor.$Properties[]): InputPlan[] {
  const edges = incomingEdges(graph, consumer.vertexId);
  const seen = new Set<string>();
  const plans: InputPlan[] = [];
  for (const input of inputs) {
    const edgeIndex = input.edge_index ?? 0;
    const edge = edges[edgeIndex];
    if (edge === undefined) invalid(`${describeTask(consumer)} has ${edges.length} incoming edges, not edge ${edgeIndex}`);
    const producer = attemptId(input.producer);
    const source = edge.source_vertex_id ?? '';
    if (producer.jobId !== consumer.jobId || producer.vertexId !== source) {
      invalid(`Input edge ${edgeIndex} of ${describeTask(consumer)} comes from vertex '${source}' of job '${consumer.jobId}', not from ${describeTask(producer)}`);
    }
    if (producer.subtaskIndex >= parallelismOf(graph, source)) invalid(`Vertex '${source}' has no subtask ${producer.subtaskIndex}`);
    const address = input.producer_data_address ?? '';
    if (!/^.+:\d{1,5}$/.test(address)) invalid(`The producer_data_address of input edge ${edgeIndex} producer ${producer.subtaskIndex} must be host:port, not '${address}'`);
    const name = `${edgeIndex}/${producer.subtaskIndex}`;
    if (seen.has(name)) invalid(`${describeTask(consumer)} names producer ${producer.subtaskIndex} of edge ${edgeIndex} twice`);
    seen.add(name);
    plans.push({ edge: edgeIndex, producer, producerOutput: outgoingEdges(graph, source).indexOf(edge), address });
  }
  edges.forEach((edge, index) => {
    const producers = parallelismOf(graph, edge.source_vertex_id ?? '');
    for (let subtask = 0; subtask < producers; subtask++) {
      if (!seen.has(`${index}/${subtask}`)) invalid(`${describeTask(consumer)} has no input for producer subtask ${subtask} of incoming edge ${index}`);
    }
  });
  return plans;
}

/** The program rebuilt from the bundle must be the submitted graph, byte for byte. */
function checkSameGraph(program: RuntimeProgram, submitted: JobGraphMessage, id: TaskAttemptId): void {
  const rebuilt = Buffer.from(encodeJobGraph(program.graph));
  const expected = Buffer.from(encodeJobGraph(submitted));
  if (rebuilt.equals(expected)) return;
  const ids = (graph: JobGraphMessage): string =>
    (graph.vertices ?? []).map((vertex) => `${vertex.id ?? ''}[${(vertex.operators ?? []).map((operator) => operator.id ?? '').join(',')}]`).join(' ');
  throw new TaskManagerError(
    TaskManagerErrorCode.GRAPH_MISMATCH,
    `The program in the bundle builds a different job graph than the one submitted for ${describeTask(id)} ` +
      `(check the bundle and the program arguments): rebuilt ${ids(program.graph)}; submitted ${ids(submitted)}`,
  );
}
