// The wire's messages (proto-loader's shape: absent fields, enums as numbers) to the clients' types.
import { mesoflow } from '@mesoflow/proto';
import type { ListWorkersResponseMessage, SchedulerStatusMessage } from './channel';
import type {
  AllocatedSlot,
  ApplicationStatus,
  SchedulerStatusInfo,
  SlotAllocation,
  SlotInUse,
  SlotRequestProgress,
  TaskManagerInfo,
  TaskManagerResources,
  WorkerInfo,
  WorkerList,
  WorkerState,
  WorkerStateChange,
} from './types';

type V1 = typeof mesoflow.resourcemanager.v1;
type ResourcesMessage = mesoflow.resourcemanager.v1.Resources.$Properties;
type SlotAllocationMessage = mesoflow.resourcemanager.v1.SlotAllocation.$Properties;
type AllocatedSlotMessage = mesoflow.resourcemanager.v1.AllocatedSlot.$Properties;
type ProgressMessage = mesoflow.resourcemanager.v1.SlotRequestProgress.$Properties;
type WorkerInfoMessage = mesoflow.resourcemanager.v1.WorkerInfo.$Properties;
type WorkerStateChangeMessage = mesoflow.resourcemanager.v1.WorkerStateChange.$Properties;
type TaskManagerInfoMessage = mesoflow.resourcemanager.v1.TaskManagerInfo.$Properties;
type SlotInUseMessage = mesoflow.resourcemanager.v1.SlotInUse.$Properties;
type ApplicationStatusNumber = mesoflow.resourcemanager.v1.ApplicationStatus;

const WorkerStateNumber: V1['WorkerState'] = mesoflow.resourcemanager.v1.WorkerState;

const WORKER_STATES: ReadonlyMap<number, WorkerState> = new Map<number, WorkerState>([
  [WorkerStateNumber.WORKER_STATE_NEW, 'New'],
  [WorkerStateNumber.WORKER_STATE_LAUNCHED, 'Launched'],
  [WorkerStateNumber.WORKER_STATE_RELEASED, 'Released'],
]);

const ApplicationStatusNumber: V1['ApplicationStatus'] = mesoflow.resourcemanager.v1.ApplicationStatus;

const APPLICATION_STATUSES: Readonly<Record<ApplicationStatus, ApplicationStatusNumber>> = {
  SUCCEEDED: ApplicationStatusNumber.APPLICATION_STATUS_SUCCEEDED,
  FAILED: ApplicationStatusNumber.APPLICATION_STATUS_FAILED,
  CANCELED: ApplicationStatusNumber.APPLICATION_STATUS_CANCELED,
  UNKNOWN: ApplicationStatusNumber.APPLICATION_STATUS_UNKNOWN,
};

/** An application status for the wire. */
export function applicationStatusMessage(status: ApplicationStatus): ApplicationStatusNumber {
  return APPLICATION_STATUSES[status];
}

function workerState(value: number | null | undefined): WorkerState {
  return WORKER_STATES.get(value ?? WorkerStateNumber.WORKER_STATE_UNSPECIFIED) ?? 'Unspecified';
}

/** Resources from the wire; absent values are 0. */
export function resourcesFromMessage(message: ResourcesMessage | null | undefined): TaskManagerResources {
  return {
    cpus: message?.cpus ?? 0,
    memMb: message?.mem_mb ?? 0,
    diskMb: message?.disk_mb ?? 0,
    gpus: message?.gpus ?? 0,
    networkMbps: message?.network_mbps ?? 0,
  };
}

/** Resources for the wire. */
export function resourcesMessage(resources: TaskManagerResources): ResourcesMessage {
  return { cpus: resources.cpus, mem_mb: resources.memMb, disk_mb: resources.diskMb, gpus: resources.gpus, network_mbps: resources.networkMbps };
}

/** A slot in use for the wire. */
export function slotInUseMessage(slot: SlotInUse): SlotInUseMessage {
  return { slot_index: slot.slotIndex, allocation_id: slot.allocationId, job_id: slot.jobId };
}

function slotFromMessage(message: AllocatedSlotMessage): AllocatedSlot {
  return {
    taskManagerId: message.task_manager_id ?? '',
    rpcAddress: message.rpc_address ?? '',
    dataAddress: message.data_address ?? '',
    slotIndex: message.slot_index ?? 0,
  };
}

/** An allocation from the wire, every field present. */
export function allocationFromMessage(message: SlotAllocationMessage): SlotAllocation {
  return {
    allocationId: message.allocation_id ?? '',
    jobId: message.job_id ?? '',
    slots: (message.slots ?? []).map(slotFromMessage),
    withdrawn: (message.withdrawn ?? []).map(slotFromMessage),
    allocatedAtMs: message.allocated_at_ms ?? 0,
  };
}

/** A slot request's progress from the wire, every field present. */
export function progressFromMessage(message: ProgressMessage): SlotRequestProgress {
  return {
    slotsRequested: message.slots_requested ?? 0,
    requestsAhead: message.requests_ahead ?? 0,
    freeSlots: message.free_slots ?? 0,
    registeredTaskManagers: message.registered_task_managers ?? 0,
    workersPending: message.workers_pending ?? 0,
    workersLaunched: message.workers_launched ?? 0,
    desiredWorkers: message.desired_workers ?? 0,
  };
}

function taskManagerFromMessage(message: TaskManagerInfoMessage): TaskManagerInfo {
  return {
    rpcAddress: message.rpc_address ?? '',
    dataAddress: message.data_address ?? '',
    slotsTotal: message.slots_total ?? 0,
    slotsFree: message.slots_free ?? 0,
    lastHeartbeatAgeMs: message.last_heartbeat_age_ms ?? 0,
    registeredAtMs: message.registered_at_ms ?? 0,
    resources: resourcesFromMessage(message.resources),
    instanceId: message.instance_id ?? '',
  };
}

function stateChangeFromMessage(message: WorkerStateChangeMessage): WorkerStateChange {
  const detail = message.detail ?? '';
  return { atMs: message.at_ms ?? 0, state: message.state ?? '', ...(detail === '' ? {} : { detail }) };
}

/** A worker from the wire; `taskManager` only when registered. */
export function workerFromMessage(message: WorkerInfoMessage): WorkerInfo {
  return {
    taskId: message.task_id ?? '',
    state: workerState(message.state),
    taskState: message.task_state ?? '',
    agentId: message.agent_id ?? '',
    hostname: message.hostname ?? '',
    ports: [...(message.ports ?? [])],
    resources: resourcesFromMessage(message.resources),
    failureCount: message.failure_count ?? 0,
    launchedAtMs: message.launched_at_ms ?? 0,
    taskManager: message.task_manager ? taskManagerFromMessage(message.task_manager) : undefined,
    history: (message.history ?? []).map(stateChangeFromMessage),
    frameworkId: message.framework_id ?? '',
  };
}

/** The worker list from the wire. */
export function workerListFromMessage(message: ListWorkersResponseMessage): WorkerList {
  return { workers: (message.workers ?? []).map(workerFromMessage), desiredWorkers: message.desired_workers ?? 0 };
}

/** The scheduler's status from the wire, every field present. */
export function schedulerStatusFromMessage(message: SchedulerStatusMessage): SchedulerStatusInfo {
  return {
    frameworkName: message.framework_name ?? '',
    frameworkId: message.framework_id ?? '',
    master: message.master ?? '',
    leader: message.leader ?? '',
    subscribed: message.subscribed ?? false,
    suppressed: message.suppressed ?? false,
    offersReceived: message.offers_received ?? 0,
    offersAccepted: message.offers_accepted ?? 0,
    offersDeclined: message.offers_declined ?? 0,
    offersRescinded: message.offers_rescinded ?? 0,
    offerHistory: (message.offer_history ?? []).map((interval) => ({
      startMs: interval.start_ms ?? 0,
      received: interval.received ?? 0,
      accepted: interval.accepted ?? 0,
      declined: interval.declined ?? 0,
    })),
    offerHistoryIntervalMs: message.offer_history_interval_ms ?? 0,
    pendingWorkers: message.pending_workers ?? 0,
    desiredWorkers: message.desired_workers ?? 0,
    reconciliationRounds: message.reconciliation_rounds ?? 0,
    resubscriptions: message.resubscriptions ?? 0,
    failedTasks: message.failed_tasks ?? 0,
    maximumFailedTasks: message.maximum_failed_tasks ?? 0,
    startedAtMs: message.started_at_ms ?? 0,
  };
}
