// The generated message types of mesoflow.resourcemanager.v1, as plain objects (the shape
// @grpc/proto-loader produces with GRPC_LOADER_OPTIONS), the handler interface the gRPC controller
// implements, and the mapping from the slot pool's values to messages.
import { mesoflow } from '@mesoflow/proto';
import { resourcesMessage, type ApplicationStatus } from '@mesoflow/resourcemanager-client';
import type { WorkerState } from '@mesoflow/zk-store';
import type { Observable } from 'rxjs';
import type { SchedulerStatus } from '../scheduler/worker-scheduler';
import type { AllocatedSlot, SlotAllocation, SlotRequestProgress, WorkerStatus } from './slot-pool';

const v1 = mesoflow.resourcemanager.v1;

export type RegisterTaskManagerRequest = mesoflow.resourcemanager.v1.RegisterTaskManagerRequest.$Properties;
export type RegisterTaskManagerResponse = mesoflow.resourcemanager.v1.RegisterTaskManagerResponse.$Properties;
export type HeartbeatRequest = mesoflow.resourcemanager.v1.HeartbeatRequest.$Properties;
export type HeartbeatResponse = mesoflow.resourcemanager.v1.HeartbeatResponse.$Properties;
export type RequestSlotsRequest = mesoflow.resourcemanager.v1.RequestSlotsRequest.$Properties;
export type SlotRequestEvent = mesoflow.resourcemanager.v1.SlotRequestEvent.$Properties;
export type ReleaseSlotsRequest = mesoflow.resourcemanager.v1.ReleaseSlotsRequest.$Properties;
export type ReleaseSlotsResponse = mesoflow.resourcemanager.v1.ReleaseSlotsResponse.$Properties;
export type ListWorkersRequest = mesoflow.resourcemanager.v1.ListWorkersRequest.$Properties;
export type ListWorkersResponse = mesoflow.resourcemanager.v1.ListWorkersResponse.$Properties;
export type WatchWorkersRequest = mesoflow.resourcemanager.v1.WatchWorkersRequest.$Properties;
export type WatchWorkersEvent = mesoflow.resourcemanager.v1.WatchWorkersEvent.$Properties;
export type DeregisterApplicationRequest = mesoflow.resourcemanager.v1.DeregisterApplicationRequest.$Properties;
export type DeregisterApplicationResponse = mesoflow.resourcemanager.v1.DeregisterApplicationResponse.$Properties;
export type GetSchedulerStatusRequest = mesoflow.resourcemanager.v1.GetSchedulerStatusRequest.$Properties;
export type SchedulerStatusMessage = mesoflow.resourcemanager.v1.SchedulerStatus.$Properties;
export type WorkerInfoMessage = mesoflow.resourcemanager.v1.WorkerInfo.$Properties;
export type ResourcesMessage = mesoflow.resourcemanager.v1.Resources.$Properties;
export type SlotAllocationMessage = mesoflow.resourcemanager.v1.SlotAllocation.$Properties;
export type SlotRequestProgressMessage = mesoflow.resourcemanager.v1.SlotRequestProgress.$Properties;

/** Server side of `mesoflow.resourcemanager.v1.ResourceManagerService`, one method per rpc. */
export interface ResourceManagerServiceHandlers {
  registerTaskManager(request: RegisterTaskManagerRequest): RegisterTaskManagerResponse;
  heartbeat(request: HeartbeatRequest): HeartbeatResponse;
  requestSlots(request: RequestSlotsRequest): Observable<SlotRequestEvent>;
  releaseSlots(request: ReleaseSlotsRequest): ReleaseSlotsResponse;
  listWorkers(request: ListWorkersRequest): ListWorkersResponse;
  watchWorkers(request: WatchWorkersRequest): Observable<WatchWorkersEvent>;
  deregisterApplication(request: DeregisterApplicationRequest): Promise<DeregisterApplicationResponse>;
  getSchedulerStatus(request: GetSchedulerStatusRequest): SchedulerStatusMessage;
}

const APPLICATION_STATUSES: ReadonlyMap<number, ApplicationStatus> = new Map<number, ApplicationStatus>([
  [v1.ApplicationStatus.APPLICATION_STATUS_SUCCEEDED, 'SUCCEEDED'],
  [v1.ApplicationStatus.APPLICATION_STATUS_FAILED, 'FAILED'],
  [v1.ApplicationStatus.APPLICATION_STATUS_CANCELED, 'CANCELED'],
]);

/** The status of a DeregisterApplication; absent, or a value this scheduler does not know, reads as UNKNOWN. */
export function applicationStatus(value: number | null | undefined): ApplicationStatus {
  return APPLICATION_STATUSES.get(value ?? v1.ApplicationStatus.APPLICATION_STATUS_UNKNOWN) ?? 'UNKNOWN';
}

const WORKER_STATES: Readonly<Record<WorkerState, mesoflow.resourcemanager.v1.WorkerState>> = {
  New: v1.WorkerState.WORKER_STATE_NEW,
  Launched: v1.WorkerState.WORKER_STATE_LAUNCHED,
  Released: v1.WorkerState.WORKER_STATE_RELEASED,
};

/** A worker and its TaskManager as listed. */
export function workerInfo({ worker, taskManager }: WorkerStatus): WorkerInfoMessage {
  const profile = worker.resources;
  return {
    task_id: worker.taskId,
    state: WORKER_STATES[worker.state],
    task_state: worker.taskState ?? '',
    agent_id: worker.agentId ?? '',
    hostname: worker.hostname ?? '',
    ports: [...worker.ports],
    resources: resourcesMessage({
      cpus: profile.cpus,
      memMb: profile.mem,
      diskMb: profile.disk ?? 0,
      gpus: profile.gpus ?? 0,
      networkMbps: profile.networkBandwidth ?? 0,
    }),
    failure_count: worker.failureCount,
    launched_at_ms: worker.launchedAt ?? 0,
    history: worker.history.map((change) => ({ at_ms: change.atMs, state: change.state, detail: change.detail ?? '' })),
    framework_id: worker.frameworkId ?? '',
    ...(taskManager === undefined
      ? {}
      : {
          task_manager: {
            rpc_address: taskManager.rpcAddress,
            data_address: taskManager.dataAddress,
            slots_total: taskManager.slotsTotal,
            slots_free: taskManager.slotsFree,
            last_heartbeat_age_ms: taskManager.lastHeartbeatAgeMs,
            registered_at_ms: taskManager.registeredAt,
            resources: resourcesMessage(taskManager.resources),
            instance_id: taskManager.instanceId,
          },
        }),
  };
}

function slotMessage(slot: AllocatedSlot): mesoflow.resourcemanager.v1.AllocatedSlot.$Properties {
  return { task_manager_id: slot.taskManagerId, rpc_address: slot.rpcAddress, data_address: slot.dataAddress, slot_index: slot.slotIndex };
}

export function allocationMessage(allocation: SlotAllocation): SlotAllocationMessage {
  return {
    allocation_id: allocation.allocationId,
    job_id: allocation.jobId,
    slots: allocation.slots.map(slotMessage),
    withdrawn: allocation.withdrawn.map(slotMessage),
    allocated_at_ms: allocation.allocatedAt,
  };
}

export function progressMessage(progress: SlotRequestProgress): SlotRequestProgressMessage {
  return {
    slots_requested: progress.slotsRequested,
    requests_ahead: progress.requestsAhead,
    free_slots: progress.freeSlots,
    registered_task_managers: progress.registeredTaskManagers,
    workers_pending: progress.workersPending,
    workers_launched: progress.workersLaunched,
    desired_workers: progress.desiredWorkers,
  };
}

export function schedulerStatusMessage(status: SchedulerStatus): SchedulerStatusMessage {
  return {
    framework_name: status.frameworkName,
    framework_id: status.frameworkId ?? '',
    master: status.master,
    leader: status.leader ?? '',
    subscribed: status.subscribed,
    suppressed: status.suppressed,
    offers_received: status.offersReceived,
    offers_accepted: status.offersAccepted,
    offers_declined: status.offersDeclined,
    offers_rescinded: status.offersRescinded,
    offer_history: status.offerHistory.map((interval) => ({
      start_ms: interval.startMs,
      received: interval.received,
      accepted: interval.accepted,
      declined: interval.declined,
    })),
    offer_history_interval_ms: status.offerHistoryIntervalMs,
    pending_workers: status.pendingWorkers,
    desired_workers: status.desiredWorkers,
    reconciliation_rounds: status.reconciliationRounds,
    resubscriptions: status.resubscriptions,
    failed_tasks: status.failedTasks,
    maximum_failed_tasks: status.maximumFailedTasks,
    started_at_ms: status.startedAtMs,
  };
}
