/** Runs a cluster's processes under one supervisor: ordered start, restarts with backoff, stop without orphans. */
export { Supervisor } from './supervisor';
export type { SupervisorExit } from './supervisor';
export type { ChildRole, ChildSpec, RestartBackoff, RestartPolicy, SupervisorOptions } from './options';
export type { ChildState, ChildStatus } from './supervised-child';
export { SupervisorError, SupervisorErrorCode, isSupervisorError } from './errors';
