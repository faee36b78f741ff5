// A job master for the tests: deploys every subtask of a planned graph over TaskManagers through
// their TaskExecutorService, wires inputs to the producers' data addresses, and follows WatchTasks.
import { Client, credentials, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { incomingEdges, parallelismOf } from '@mesoflow/dataflow-runtime';
import { mesoflow, TASK_EXECUTOR_GRPC } from '@mesoflow/proto';

const { TaskDeploymentDescriptor, DeployTaskResponse, CancelTaskRequest, CancelTaskResponse, WatchTasksRequest, TaskEvent, TaskState } = mesoflow.dataflow.v1;
const SERVICE = `/${TASK_EXECUTOR_GRPC.fullName}`;

/** One TaskManager as a job master knows it. */
export interface TaskManagerEndpoint {
  readonly rpcAddress: string;
  readonly dataAddress: string;
}

/** Where a subtask runs. */
export interface Placement {
  readonly taskManager: number;
  readonly slot: number;
}

export interface JobRun {
  readonly jobId: string;
  /** State changes per attempt key `vertex/subtask`. */
  readonly states: Map<string, mesoflow.dataflow.v1.TaskState[]>;
  readonly failures: mesoflow.dataflow.v1.ITaskFailure[];
  /** Collected records per operator id, as JSON. */
  readonly collected: Map<string, string[]>;
  readonly attempts: string[];
}

/** A TaskExecutorService client over plain grpc-js with the generated message codecs. */
export class TaskExecutorClient {
  private readonly client: Client;

  constructor(readonly target: string) {
    this.client = new Client(target, credentials.createInsecure());
  }

  deploy(descriptor: mesoflow.dataflow.v1.TaskDeploymentDescriptor.$Properties): Promise<mesoflow.dataflow.v1.TaskState> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `${SERVICE}/DeployTask`,
        (message: mesoflow.dataflow.v1.TaskDeploymentDescriptor.$Properties) => Buffer.from(TaskDeploymentDescriptor.encode(message).finish()),
        (bytes: Buffer) => DeployTaskResponse.decode(bytes),
        descriptor,
        (error: ServiceError | null, response?: mesoflow.dataflow.v1.DeployTaskResponse) => (error ? reject(error) : resolve(response?.state ?? TaskState.TASK_STATE_UNSPECIFIED)),
      );
    });
  }

  cancel(attempt: mesoflow.dataflow.v1.TaskAttempt.$Properties): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `${SERVICE}/CancelTask`,
        (message: mesoflow.dataflow.v1.CancelTaskRequest.$Properties) => Buffer.from(CancelTaskRequest.encode(message).finish()),
        (bytes: Buffer) => CancelTaskResponse.decode(bytes),
        { attempt },
        (error: ServiceError | null, response?: mesoflow.dataflow.v1.CancelTaskResponse) => (error ? reject(error) : resolve(response?.cancelled ?? false)),
      );
    });
  }

  watch(jobId: string, onEvent: (event: mesoflow.dataflow.v1.TaskEvent) => void): ClientReadableStream<mesoflow.dataflow.v1.TaskEvent> {
    const call = this.client.makeServerStreamRequest(
      `${SERVICE}/WatchTasks`,
      (message: mesoflow.dataflow.v1.WatchTasksRequest.$Properties) => Buffer.from(WatchTasksRequest.encode(message).finish()),
      (bytes: Buffer) => TaskEvent.decode(bytes),
      { job_id: jobId },
    );
    call.on('data', onEvent);
    call.on('error', () => undefined);
    return call;
  }

  close(): void {
    this.client.close();
  }
}

export const attemptKey = (attempt: mesoflow.dataflow.v1.ITaskAttempt | null | undefined): string => `${attempt?.vertex_id ?? ''}/${attempt?.subtask_index ?? 0}`;

/**
 * Deploys every subtask of `graph` (vertex by vertex), placing subtask `i` of every vertex on
 * TaskManager `i % n` in slot 0, and records what WatchTasks reports.
 */
export async function deployJob(options: {
  readonly jobId: string;
  readonly graph: mesoflow.dataflow.v1.JobGraph;
  readonly bundle: { readonly url: string; readonly sha256: string };
  readonly args: readonly string[];
  readonly taskManagers: readonly TaskManagerEndpoint[];
  readonly clients: readonly TaskExecutorClient[];
}): Promise<{ run: JobRun; streams: Array<ClientReadableStream<mesoflow.dataflow.v1.TaskEvent>> }> {
  const { jobId, graph, taskManagers, clients } = options;
  const run: JobRun = { jobId, states: new Map(), failures: [], collected: new Map(), attempts: [] };
  const streams = clients.map((client) =>
    client.watch(jobId, (event) => {
      const key = attemptKey(event.attempt);
      switch (event.event) {
        case 'state': {
          const list = run.states.get(key) ?? [];
          const state = event.state ?? TaskState.TASK_STATE_UNSPECIFIED;
          if (list.at(-1) !== state) list.push(state);
          run.states.set(key, list);
          break;
        }
        case 'failure':
          if (event.failure) run.failures.push(event.failure);
          break;
        case 'collected': {
          const operatorId = event.collected?.operator_id ?? '';
          const list = run.collected.get(operatorId) ?? [];
          list.push(event.collected?.json ?? '');
          run.collected.set(operatorId, list);
          break;
        }
        case undefined:
          break;
      }
    }),
  );
  // Let the watch streams open first.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const place = (subtask: number): number => subtask % taskManagers.length;
  for (const vertex of graph.vertices) {
    const vertexId = vertex.id ?? '';
    for (let subtask = 0; subtask < parallelismOf(graph, vertexId); subtask++) {
      const inputs = incomingEdges(graph, vertexId).flatMap((edge, edgeIndex) =>
        Array.from({ length: parallelismOf(graph, edge.source_vertex_id ?? '') }, (_, producer) => ({
          edge_index: edgeIndex,
          producer: { job_id: jobId, vertex_id: edge.source_vertex_id ?? '', subtask_index: producer, attempt: 0 },
          producer_data_address: taskManagers[place(producer)].dataAddress,
        })),
      );
      run.attempts.push(`${vertexId}/${subtask}`);
      await clients[place(subtask)].deploy({
        attempt: { job_id: jobId, vertex_id: vertexId, subtask_index: subtask, attempt: 0 },
        job_graph: graph,
        bundle: options.bundle,
        inputs,
        program_args: [...options.args],
        slot_index: 0,
      });
    }
  }
  return { run, streams };
}

/** The last state of every attempt of `run`. */
export function lastStates(run: JobRun): Map<string, mesoflow.dataflow.v1.TaskState | undefined> {
  return new Map(run.attempts.map((key) => [key, run.states.get(key)?.at(-1)]));
}
