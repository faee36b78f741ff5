/**
 * The agent side of the local Mesos stand-in: running a command task from an accepted LAUNCH
 * to its terminal state (sandbox, fetcher, environment, process, kill policy).
 */
export { launchCommandTask, DEFAULT_KILL_GRACE_PERIOD_MS } from './command-task';
export type {
  CommandTaskHandle,
  CommandTaskOptions,
  CommandTaskSpec,
  CommandTaskState,
  CommandTaskUpdate,
} from './command-task';
export { sandboxPath } from './sandbox';
export { sharedTaskLauncher, TaskLauncher } from './task-launcher';
export type { LaunchedProcess, ProcessListener, ProcessSpec } from './task-launcher';
export type { SandboxIds } from './sandbox';
