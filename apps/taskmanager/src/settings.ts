import { ProcessFlags } from '@mesoflow/config';
import { hostname } from 'node:os';
import { TaskManagerError, TaskManagerErrorCode } from './errors';

/** How the TaskManager process runs, beyond the Mesoflow options (which come as `-D`). */
export interface TaskManagerSettings {
  /** The Mesos task id the TaskManager registers as (`MESOFLOW_TASK_ID`, else `MESOS_EXECUTOR_ID`, or `--task-id`). */
  taskId: string;
  /**
   * The host other processes reach this TaskManager at: `MESOFLOW_HOSTNAME` (from
   * `mesos.resourcemanager.tasks.hostname`), else the agent's address from `MESOS_AGENT_ENDPOINT`
   * (the agent advertises one every host of the cluster reaches), else the host name.
   */
  advertisedHost: string;
  /** `--bind-host` of every port. @default '0.0.0.0' */
  bindHost: string;
  /** `--http-port`: health and metrics. @default 0 (a free port) */
  httpPort: number;
  /** Where fetched bundles are cached: `--work-dir`, else `MESOS_SANDBOX`, else the working directory. */
  workDir: string;
}

const FLAGS = ['--task-id', '--bind-host', '--http-port', '--work-dir'];

/**
 * Reads `--task-id --bind-host --http-port --work-dir` (also `--flag=value`) and the task's
 * environment (`MESOFLOW_TASK_ID`, `MESOS_EXECUTOR_ID`, `MESOFLOW_HOSTNAME`, `MESOS_AGENT_ENDPOINT`,
 * `MESOS_SANDBOX`).
 * @throws ConfigError for a bad flag, TaskManagerError INVALID_CONFIGURATION without a task id.
 */
export function parseSettings(args: readonly string[], env: Readonly<Record<string, string | undefined>>): TaskManagerSettings {
  const flags = new ProcessFlags(args, FLAGS);
  const taskIdFlag = flags.text('--task-id');
  const bindHost = flags.text('--bind-host') ?? '0.0.0.0';
  const httpPort = flags.port('--http-port', 0);
  const workDirFlag = flags.path('--work-dir');
  flags.done();
  const taskId = nonEmpty(taskIdFlag) ?? nonEmpty(env['MESOFLOW_TASK_ID']) ?? nonEmpty(env['MESOS_EXECUTOR_ID']);
  if (taskId === undefined) {
    throw new TaskManagerError(
      TaskManagerErrorCode.INVALID_CONFIGURATION,
      'The TaskManager does not know its Mesos task id: set MESOFLOW_TASK_ID (or MESOS_EXECUTOR_ID, as Mesos does for command tasks) or pass --task-id',
    );
  }
  return {
    taskId,
    advertisedHost: nonEmpty(env['MESOFLOW_HOSTNAME']) ?? agentHost(env['MESOS_AGENT_ENDPOINT']) ?? hostname(),
    bindHost,
    httpPort,
    workDir: workDirFlag ?? nonEmpty(env['MESOS_SANDBOX']) ?? process.cwd(),
  };
}

/** The host of `MESOS_AGENT_ENDPOINT` (`ip:port`, or `[ipv6]:port`). */
function agentHost(endpoint: string | undefined): string | undefined {
  const host = nonEmpty(endpoint)?.replace(/:\d+$/, '');
  return host === undefined || host === '' ? undefined : host.replace(/^\[(.*)\]$/, '$1');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
