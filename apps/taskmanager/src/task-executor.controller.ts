import { status } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { TASK_EXECUTOR_GRPC, type mesoflow } from '@mesoflow/proto';
import type { Logger } from 'pino';
import { Observable } from 'rxjs';
import { isTaskManagerError, messageOf, TaskManagerErrorCode } from './errors';
import { TaskExecutor, type TaskDeploymentDescriptor, type TaskEvent } from './task-executor';

/** Injection token of the controller's logger. */
export const TASK_EXECUTOR_LOGGER = Symbol('TASK_EXECUTOR_LOGGER');

type DeployTaskResponse = mesoflow.dataflow.v1.DeployTaskResponse.$Properties;
type CancelTaskRequest = mesoflow.dataflow.v1.CancelTaskRequest.$Properties;
type CancelTaskResponse = mesoflow.dataflow.v1.CancelTaskResponse.$Properties;
type WatchTasksRequest = mesoflow.dataflow.v1.WatchTasksRequest.$Properties;

function grpcStatusOf(code: TaskManagerErrorCode): status {
  switch (code) {
    case TaskManagerErrorCode.INVALID_ARGUMENT:
    case TaskManagerErrorCode.INVALID_CONFIGURATION:
    case TaskManagerErrorCode.GRAPH_MISMATCH:
    case TaskManagerErrorCode.BUNDLE_FAILED:
      return status.INVALID_ARGUMENT;
    case TaskManagerErrorCode.RESOURCE_EXHAUSTED:
      return status.RESOURCE_EXHAUSTED;
    case TaskManagerErrorCode.SHUTTING_DOWN:
      return status.FAILED_PRECONDITION;
    case TaskManagerErrorCode.REGISTRATION_FAILED:
      return status.INTERNAL;
  }
}

/** `mesoflow.dataflow.v1.TaskExecutorService` over Nest's gRPC transport. */
@Controller()
export class TaskExecutorController {
  constructor(
    @Inject(TaskExecutor) private readonly executor: TaskExecutor,
    @Inject(TASK_EXECUTOR_LOGGER) private readonly logger: Logger,
  ) {}

  @GrpcMethod(TASK_EXECUTOR_GRPC.serviceName, 'DeployTask')
  deployTask(request: TaskDeploymentDescriptor): DeployTaskResponse {
    return { state: this.call(() => this.executor.deploy(request)) };
  }

  @GrpcMethod(TASK_EXECUTOR_GRPC.serviceName, 'CancelTask')
  cancelTask(request: CancelTaskRequest): CancelTaskResponse {
    return { cancelled: this.call(() => this.executor.cancel(request.attempt)) };
  }

  /** The current states of the job's subtasks, then every event, until the client cancels. */
  @GrpcMethod(TASK_EXECUTOR_GRPC.serviceName, 'WatchTasks')
  watchTasks(request: WatchTasksRequest): Observable<TaskEvent> {
    return new Observable<TaskEvent>((subscriber) => 
      this.executor.watch(
        request.job_id ?? '',
        (event) => subscriber.next(event),
        () => subscriber.complete(),
      ),
    );
  }

  private call<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (isTaskManagerError(error)) {
        this.logger.info(`Refused: ${error.message}`);
        throw new RpcException({ code: grpcStatusOf(error.code), message: error.message });
      }
      this.logger.error({ err: error }, `A TaskExecutorService call failed: ${messageOf(error)}`);
      throw new RpcException({ code: status.INTERNAL, message: messageOf(error) });
    }
  }
}
