import { status } from '@grpc/grpc-js';
import { RESOURCE_MANAGER_GRPC } from '@mesoflow/proto';
import { resourcesFromMessage } from '@mesoflow/resourcemanager-client';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { Observable } from 'rxjs';
import { isSchedulerError, SchedulerErrorCode } from '../scheduler/errors';
import { isResourceManagerError, ResourceManagerError, ResourceManagerErrorCode } from './errors';
import {
  allocationMessage,
  applicationStatus,
  progressMessage,
  schedulerStatusMessage,
  workerInfo,
  type DeregisterApplicationRequest,
  type DeregisterApplicationResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type ListWorkersResponse,
  type RegisterTaskManagerRequest,
  type RegisterTaskManagerResponse,
  type ReleaseSlotsRequest,
  type ReleaseSlotsResponse,
  type RequestSlotsRequest,
  type ResourceManagerServiceHandlers,
  type SchedulerStatusMessage,
  type SlotRequestEvent,
  type WatchWorkersEvent,
} from './messages';
import { SlotPool, type SlotRequestHandle } from './slot-pool';
import type { WorkerFleet } from './worker-fleet';

/** Injection token of the controller's logger. */
export const RESOURCE_MANAGER_LOGGER = Symbol('RESOURCE_MANAGER_LOGGER');
/** Injection token of the {@link WorkerFleet} (the Mesos side), which deregisters the application and tells the scheduler's status. */
export const WORKER_FLEET = Symbol('WORKER_FLEET');

function grpcStatusOf(code: ResourceManagerErrorCode): status {
  switch (code) {
    case ResourceManagerErrorCode.INVALID_REQUEST:
      return status.INVALID_ARGUMENT;
    case ResourceManagerErrorCode.NOT_LAUNCHED:
      return status.FAILED_PRECONDITION;
    case ResourceManagerErrorCode.UNKNOWN_REGISTRATION:
      return status.NOT_FOUND;
    case ResourceManagerErrorCode.ALLOCATION_CONFLICT:
      return status.ALREADY_EXISTS;
    case ResourceManagerErrorCode.REQUEST_WITHDRAWN:
      return status.ABORTED;
    case ResourceManagerErrorCode.NOT_RUNNING:
      return status.UNAVAILABLE;
  }
}

/** `mesoflow.resourcemanager.v1.ResourceManagerService` over Nest's gRPC transport. */
@Controller()
export class ResourceManagerController implements ResourceManagerServiceHandlers {
  constructor(
    @Inject(SlotPool) private readonly pool: SlotPool,
    @Inject(WORKER_FLEET) private readonly fleet: WorkerFleet,
    @Inject(RESOURCE_MANAGER_LOGGER) private readonly logger: Logger,
  ) {}

  @GrpcMethod(RESOURCE_MANAGER_GRPC.serviceName, 'RegisterTaskManager')
  registerTaskManager(request: RegisterTaskManagerRequest): RegisterTaskManagerResponse {
    const result = this.call(() =>
      this.pool.register({
        taskId: request.task_id ?? '',
        rpcAddress: request.rpc_address ?? '',
        dataAddress: request.data_address ?? '',
        slots: request.slots ?? 0,
        resources: resourcesFromMessage(request.resources),
        instanceId: request.instance_id ?? '',
        slotsInUse: (request.slots_in_use ?? []).map((slot) => ({
          slotIndex: slot.slot_index ?? 0,
          allocationId: slot.allocation_id ?? '',
          jobId: slot.job_id ?? '',
        })),
      }),
    );
    const heartbeat = this.pool.heartbeatTiming;
    return {
      registration_id: result.registrationId,
      heartbeat_interval_ms: heartbeat.intervalMs,
      heartbeat_timeout_ms: heartbeat.timeoutMs,
      allocations_kept: result.allocationsKept,
    };
  }

  @GrpcMethod(RESOURCE_MANAGER_GRPC.serviceName, 'Heartbeat')
  heartbeat(request: HeartbeatRequest): HeartbeatResponse {
    this.call(() => this.pool.heartbeat(request.task_id ?? '', request.registration_id ?? ''));
    return {};
  }

  /** Progress at once and on every change, then the allocation; cancelling before it withdraws the request. */
  @GrpcMethod(RESOURCE_MANAGER_GRPC.serviceName, 'RequestSlots')
  requestSlots(request: RequestSlotsRequest): Observable<SlotRequestEvent> {
    return new Observable<SlotRequestEvent>((subscriber) => {
      let handle: SlotRequestHandle;
      try {
        handle = this.pool.request(request.allocation_id ?? '', request.job_id ?? '', request.slots ?? 0);
      } catch (error) {
        subscriber.error(this.rpcError(error));
        return undefined;
      }
      let lastProgress = '';
      const push = (): void => {
        const current = handle.status();
        if (current === undefined) {
          subscriber.error(
            this.rpcError(
              new ResourceManagerError(ResourceManagerErrorCode.REQUEST_WITHDRAWN, `Slot request '${handle.allocationId}' was withdrawn by ReleaseSlots`),
            ),
          );
        } else if (current.kind === 'allocated') {
          subscriber.next({ allocated: allocationMessage(current.allocation) });
          subscriber.complete();
        } else {
          const progress = progressMessage(current.progress);
          const key = JSON.stringify(progress);
          if (key === lastProgress) return;
          lastProgress = key;
          subscriber.next({ progress });
        }
      };
      const stop = this.pool.onChange((event) => {
        if (event.kind === 'closed') subscriber.error(this.rpcError(new ResourceManagerError(ResourceManagerErrorCode.NOT_RUNNING, 'The resource manager stopped')));
        else push();
      });
      push();
      return () => {
        stop();
        handle.detach();
      };
    });
  }

  @GrpcMethod(RESOURCE_MANAGER_GRPC.serviceName, 'ReleaseSlots')
  releaseSlots(request: ReleaseSlotsRequest): ReleaseSlotsResponse {
    const result = this.call(() => this.pool.release(request.allocation_id ?? ''));
    return { released_slots: result.releasedSlots, request_withdrawn: result.requestWithdrawn };
  }

  @GrpcMethod(RESOURCE_MANAGER_GRPC.serviceName, 'ListWorkers')
  listWorkers(): ListWorkersResponse {
    return this.call(() => ({ workers: this.pool.workers().map(workerInfo), desired_workers: this.pool.desiredWorkers }));
  }

  /** The full list, then one event per changed worker, until the client cancels or the resource manager stops. */
  @GrpcMethod(RESOURCE_MANAGER_GRPC.serviceName, 'WatchWorkers')
  watchWorkers(): Observable<WatchWorkersEvent> {
    return new Observable<WatchWorkersEvent>((subscriber) => {
      const stop = this.pool.onChange((event) => {
        if (event.kind === 'closed') {
          subscriber.error(this.rpcError(new ResourceManagerError(ResourceManagerErrorCode.NOT_RUNNING, 'The resource manager stopped')));
          return;
        }
        for (const taskId of event.taskIds) {
          const worker = this.pool.worker(taskId);
          if (worker) subscriber.next({ changed: workerInfo(worker) });
        }
      });
      subscriber.next({ snapshot: this.listWorkers() });
      return stop;
    });
  }

  /** Answers once the framework is torn down and forgotten; the scheduler then exits. */
  @GrpcMethod(RESOURCE_MANAGER_GRPC.serviceName, 'DeregisterApplication')
  async deregisterApplication(request: DeregisterApplicationRequest): Promise<DeregisterApplicationResponse> {
    const end = { status: applicationStatus(request.status), diagnostics: request.diagnostics ?? '' };
    try {
      const deregistration = await this.fleet.deregisterApplication(end);
      return { framework_id: deregistration.frameworkId ?? '', torn_down: deregistration.tornDown };
    } catch (error) {
      // Not running (not started, failed or stopping) is for the caller to retry, like a stopping resource manager.
      throw this.rpcError(
        isSchedulerError(error) && error.code === SchedulerErrorCode.NOT_RUNNING
          ? new ResourceManagerError(ResourceManagerErrorCode.NOT_RUNNING, error.message)
          : error,
      );
    }
  }

  /** Answers in any state of the scheduler: while it is not subscribed the status says so. */
  @GrpcMethod(RESOURCE_MANAGER_GRPC.serviceName, 'GetSchedulerStatus')
  getSchedulerStatus(): SchedulerStatusMessage {
    return schedulerStatusMessage(this.fleet.schedulerStatus());
  }

  /** Runs a pool call, translating its refusal into a gRPC status. */
  private call<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw this.rpcError(error);
    }
  }

  /** The gRPC status of `error`, as Nest's exception filter passes it to grpc-js (thrown, or as an Observable's error). */
  private rpcError(error: unknown): RpcException {
    if (isResourceManagerError(error)) {
      this.logger.info(`Refused: ${error.message}`);
      return new RpcException({ code: grpcStatusOf(error.code), message: error.message });
    }
    this.logger.error({ err: error }, `A resource manager call failed: ${(error as Error).message}`);
    return new RpcException({ code: status.INTERNAL, message: 'The resource manager failed; see the scheduler log' });
  }
}
