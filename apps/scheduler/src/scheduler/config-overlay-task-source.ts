import * as grpc from '@grpc/grpc-js';
import type { PlacedWorker } from '@mesoflow/mesos-placement';
import { CONFIG_OVERLAY_GRPC, grpcServiceClient, type mesos, type mesoflow } from '@mesoflow/proto';
import type { Worker } from '@mesoflow/zk-store';
import { SchedulerError, SchedulerErrorCode } from './errors';
import type { WorkerTaskSource, WorkerTaskTemplate } from './worker-task';

type SpecRequest = mesoflow.config.v1.GetTaskManagerSpecRequest.$Properties;
type TaskManagerSpec = mesoflow.config.v1.TaskManagerSpec.$Properties;

interface ConfigOverlayClient extends grpc.Client {
  GetTaskManagerSpec(
    request: SpecRequest,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, spec?: TaskManagerSpec) => void,
  ): void;
}

/** Options of {@link ConfigOverlayTaskSource}. */
export interface ConfigOverlayTaskSourceOptions {
  /** `host:port` of the configuration overlay's gRPC port (plaintext). */
  target: string;
  template: WorkerTaskTemplate;
  /**
   * Deadline of one spec call. The overlay publishes the task's configuration to the artifact
   * server first, so this covers an upload. @default 30000
   */
  deadlineMs?: number;
}

/**
 * Builds each worker's TaskInfo from the configuration overlay's TaskManager spec: its command
 * (entry script, environment, fetcher URIs of the artifact server), container and labels. The
 * resources are the ones placement took from the offer, not the spec's: only those carry the
 * offer's roles and reservations, which the master checks.
 */
export class ConfigOverlayTaskSource implements WorkerTaskSource {
  private readonly client: ConfigOverlayClient;
  private readonly template: WorkerTaskTemplate;
  private readonly deadlineMs: number;

  constructor(options: ConfigOverlayTaskSourceOptions) {
    const Service = grpcServiceClient(CONFIG_OVERLAY_GRPC);
    this.client = new Service(options.target, grpc.credentials.createInsecure()) as unknown as ConfigOverlayClient;
    this.template = options.template;
    this.deadlineMs = options.deadlineMs ?? 30_000;
  }

  /** @throws SchedulerError `TASK_SPEC_UNAVAILABLE` naming the task and the overlay's answer. */
  async taskInfo(worker: Worker, agentId: string, placed: PlacedWorker): Promise<mesos.v1.TaskInfo.$Properties> {
    const request: SpecRequest = {
      task_id: worker.taskId,
      ports: this.template.portKeys.map((key, i) => ({ key, port: placed.ports[i] ?? 0 })),
    };
    const spec = await new Promise<TaskManagerSpec>((resolve, reject) => {
      this.client.GetTaskManagerSpec(request, { deadline: new Date(Date.now() + this.deadlineMs) }, (error, answer) => {
        if (error || !answer?.command) {
          const why = error ? `${grpc.status[error.code] ?? error.code}: ${error.details}` : 'the answer had no command';
          reject(
            new SchedulerError(
              SchedulerErrorCode.TASK_SPEC_UNAVAILABLE,
              `The configuration overlay gave no TaskManager spec for '${worker.taskId}' (${why})`,
              { cause: error ?? undefined },
            ),
          );
        } else {
          resolve(answer);
        }
      });
    });
    return {
      name: `Mesoflow TaskManager ${worker.taskId}`,
      task_id: { value: worker.taskId },
      agent_id: { value: agentId },
      resources: placed.resources,
      command: spec.command,
      ...(spec.container ? { container: spec.container } : {}),
      ...(spec.labels?.labels?.length ? { labels: spec.labels } : {}),
    };
  }

  close(): void {
    this.client.close();
  }
}
