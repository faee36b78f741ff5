import type { MesoflowConfig } from '@mesoflow/config';
import type { mesos } from '@mesoflow/proto';
import { DISTRIBUTION_DIR } from '../overlays/distribution-overlay';
import type { FetchUri } from '../overlays/overlay';

type CommandInfo = mesos.v1.CommandInfo.$Properties;

/** Environment variables the entry script `bin/mesos-taskmanager.sh` reads. */
export const TASK_ID_VARIABLE = 'MESOFLOW_TASK_ID';
export const BOOTSTRAP_CMD_VARIABLE = 'MESOFLOW_BOOTSTRAP_CMD';
export const HOSTNAME_VARIABLE = 'MESOFLOW_HOSTNAME';

/** `mesos.resourcemanager.tasks.hostname` with `_TASK_` replaced by the task ID; `''` when unset. */
export function taskManagerHostname(config: MesoflowConfig, taskId: string): string {
  return (config.get('mesos.resourcemanager.tasks.hostname') ?? '').replaceAll('_TASK_', taskId);
}

/**
 * The TaskManager's command: the entry script through the shell, so that `$MESOFLOW_HOME` in
 * `tasks.taskmanager-cmd` expands on the agent. With container type `mesos` the distribution is
 * unpacked in the sandbox, which is where MESOFLOW_HOME points; a Docker image sets its own.
 *
 * Nothing secret goes here or in the environment: the Mesos UI, the agent's logs and `ps` show
 * both. Secrets reach the TaskManager in its configuration file, fetched through a signed URL.
 */
export function taskManagerCommand(config: MesoflowConfig, taskId: string, uris: readonly FetchUri[]): CommandInfo {
  const taskManagerCmd = config.get('mesos.resourcemanager.tasks.taskmanager-cmd');
  const home = config.get('mesos.resourcemanager.tasks.container.type') === 'mesos' ? `export MESOFLOW_HOME="$MESOS_SANDBOX/${DISTRIBUTION_DIR}"; ` : '';
  const variables: Array<{ name: string; value: string }> = [{ name: TASK_ID_VARIABLE, value: taskId }];
  const bootstrap = config.get('mesos.resourcemanager.tasks.bootstrap-cmd');
  if (bootstrap) variables.push({ name: BOOTSTRAP_CMD_VARIABLE, value: bootstrap });
  const hostname = taskManagerHostname(config, taskId);
  if (hostname) variables.push({ name: HOSTNAME_VARIABLE, value: hostname });
  return {
    shell: true,
    value: `${home}exec ${taskManagerCmd}`,
    uris: [...uris],
    environment: { variables },
  };
}
