import { envVariableName, taskManagerPortKeys, type MesoflowConfig } from '@mesoflow/config';
import {
  parseHostAttributeConstraints,
  validateWorkerProfile,
  type HostAttributeConstraint,
  type PlacedWorker,
  type WorkerProfile,
} from '@mesoflow/mesos-placement';
import { mesos } from '@mesoflow/proto';
import type { Worker } from '@mesoflow/zk-store';
import { SchedulerError, SchedulerErrorCode } from './errors';

/** The environment variables of the two ports every TaskManager gets (their keys come first). */
export const FIXED_PORT_VARIABLES = ['MESOFLOW_RPC_PORT', 'MESOFLOW_DATA_PORT'] as const;

/** How every worker task is described; computed once from configuration. */
export interface WorkerTaskTemplate {
  readonly profile: WorkerProfile;
  /** The port option of each port of `profile.ports`, in order (see `taskManagerPortKeys`). */
  readonly portKeys: readonly string[];
  /** One variable name per port of `profile.ports`, in order. */
  readonly portVariables: readonly string[];
  readonly command: string;
  readonly uris: readonly string[];
  readonly labels: readonly { key: string; value: string }[];
  readonly constraints: readonly HostAttributeConstraint[];
  readonly networkResourceName: string;
}

/**
 * Reads the worker's resources, command and ports from configuration.
 * @throws SchedulerError `INVALID_CONFIGURATION` listing every problem.
 */
export function workerTaskTemplate(config: MesoflowConfig): WorkerTaskTemplate {
  const portKeys = taskManagerPortKeys(config);
  const portVariables = portKeys.map((key, i) => FIXED_PORT_VARIABLES[i] ?? envVariableName(key));
  const gpus = config.get('mesos.resourcemanager.tasks.gpus');
  const disk = config.get('mesos.resourcemanager.tasks.disk').mebibytes;
  const bandwidth = config.get('mesos.resourcemanager.tasks.network.bandwidth');
  const profile: WorkerProfile = {
    cpus: config.get('mesos.resourcemanager.tasks.cpus') || config.get('taskmanager.numberOfTaskSlots'),
    mem: config.get('mesos.resourcemanager.tasks.mem').mebibytes,
    ...(disk > 0 ? { disk } : {}),
    ...(gpus > 0 ? { gpus } : {}),
    ...(bandwidth > 0 ? { networkBandwidth: bandwidth } : {}),
    ports: portVariables.length,
  };
  const constraintText = config
    .get('mesos.constraints.hard.hostattribute')
    .map(({ key, value }) => `${key}:${value}`)
    .join(',');
  const constraints = parseHostAttributeConstraints(constraintText);
  const problems = [...validateWorkerProfile(profile), ...constraints.errors];
  if (problems.length > 0) {
    throw new SchedulerError(
      SchedulerErrorCode.INVALID_CONFIGURATION,
      `The TaskManager task cannot be described: ${problems.join('; ')}`,
    );
  }
  return {
    profile,
    portKeys,
    portVariables,
    command: config.get('mesos.resourcemanager.tasks.taskmanager-cmd'),
    uris: config.get('mesos.resourcemanager.tasks.uris'),
    labels: config.get('mesos.resourcemanager.tasks.labels').map(({ key, value }) => ({ key, value })),
    constraints: constraints.constraints,
    networkResourceName: config.get('mesos.resourcemanager.network.resource.name'),
  };
}

/** Where the scheduler gets the TaskInfo of a placed worker. */
export interface WorkerTaskSource {
  /** The TaskInfo that launches `worker` on `agentId` with the resources and ports placement chose. */
  taskInfo(worker: Worker, agentId: string, placed: PlacedWorker): Promise<mesos.v1.TaskInfo.$Properties>;
  close(): void;
}

/**
 * TaskInfos that run `mesos.resourcemanager.tasks.taskmanager-cmd` as it is, for a scheduler
 * started without a configuration overlay (`--config-overlay`): nothing is shipped, so the
 * command must find everything on the agent (a trivial command, or Mesoflow installed there).
 */
export function commandTaskSource(template: WorkerTaskTemplate): WorkerTaskSource {
  return {
    taskInfo: (worker, agentId, placed) => Promise.resolve(workerTaskInfo(template, worker, agentId, placed)),
    close: () => undefined,
  };
}

/** The TaskInfo running the configured command with the ports placement chose in its environment. */
export function workerTaskInfo(
  template: WorkerTaskTemplate,
  worker: Worker,
  agentId: string,
  placed: PlacedWorker,
): mesos.v1.TaskInfo.$Properties {
  const variables = template.portVariables.map((name, i) => ({
    name,
    type: mesos.v1.Environment.Variable.Type.VALUE,
    value: String(placed.ports[i]),
  }));
  return {
    name: `Mesoflow TaskManager ${worker.taskId}`,
    task_id: { value: worker.taskId },
    agent_id: { value: agentId },
    resources: placed.resources,
    command: {
      shell: true,
      value: template.command,
      uris: template.uris.map((value) => ({ value })),
      environment: { variables },
    },
    ...(template.labels.length > 0 ? { labels: { labels: template.labels.map((l) => ({ ...l })) } } : {}),
  };
}
