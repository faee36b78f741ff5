/**
 * `@mesoflow/resourcemanager-client`: the clients of the scheduler's resource manager
 * (`mesoflow.resourcemanager.v1.ResourceManagerService`). {@link TaskManagerRegistration} keeps a
 * TaskManager registered and heartbeating; {@link SlotRequester} is a job master's (and the web
 * UI's) side: gang slot requests, releases, the worker list and the scheduler's status.
 */
export { TaskManagerRegistration, PROCESS_INSTANCE_ID } from './task-manager-registration';
export type {
  LostReason,
  RegistrationInfo,
  TaskManagerRegistrationEvents,
  TaskManagerRegistrationOptions,
  TaskManagerRegistrationState,
} from './task-manager-registration';
export { SlotRequester } from './slot-requester';
export type { CallOptions, RequestSlotsOptions, SlotRequest, SlotRequesterOptions, SlotRequestUpdate, WatchWorkersOptions } from './slot-requester';
export type {
  AllocatedSlot,
  ApplicationDeregistration,
  ApplicationEnd,
  ApplicationStatus,
  OfferInterval,
  ReleaseResult,
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
  WorkerWatchEvent,
} from './types';
// The resource mapping is shared with the server (the scheduler), so both read the wire alike.
export { resourcesFromMessage, resourcesMessage } from './messages';
export { ResourceManagerClientError, ResourceManagerClientErrorCode, isResourceManagerClientError } from './errors';
export { BACKOFF_DEFAULTS } from './backoff';
export type { BackoffOptions } from './backoff';
export { parseTarget, staticTarget } from './target';
export type { ResourceManagerTarget, TargetProvider } from './target';
export type { Unsubscribe } from './listeners';
