import type { MesoflowConfig } from '@mesoflow/config';
import type { MesosCredential } from '@mesoflow/mesos-client';
import { mesos } from '@mesoflow/proto';
import { userInfo } from 'node:os';
import { SchedulerError, SchedulerErrorCode } from './errors';

const Capability = mesos.v1.FrameworkInfo.Capability.Type;

/**
 * The FrameworkInfo the scheduler subscribes with, from configuration. The framework ID is not
 * part of it: the client adds the persisted one.
 * @param currentUser who runs the scheduler, when `mesos.resourcemanager.framework.user` is unset.
 */
export function frameworkInfoFromConfig(
  config: MesoflowConfig,
  currentUser: () => string = () => userInfo().username,
): mesos.v1.FrameworkInfo.$Properties {
  const capabilities = [Capability.PARTITION_AWARE, Capability.MULTI_ROLE];
  if (config.get('mesos.resourcemanager.tasks.gpus') > 0) capabilities.push(Capability.GPU_RESOURCES);
  const principal = config.get('mesos.resourcemanager.framework.principal');
  return {
    name: config.get('mesos.resourcemanager.framework.name'),
    user: config.get('mesos.resourcemanager.framework.user') ?? currentUser(),
    // With MULTI_ROLE the roles go in `roles`; the deprecated `role` must stay unset.
    roles: [config.get('mesos.resourcemanager.framework.role')],
    failover_timeout: config.get('mesos.failover-timeout').seconds,
    // Agents checkpoint our tasks, so TaskManagers survive an agent restart; there is no key for it.
    checkpoint: true,
    hostname: config.get('jobmanager.rpc.address'),
    // The Mesos UI links the framework to our web UI.
    webui_url: webUiUrl(config),
    ...(principal === undefined ? {} : { principal }),
    capabilities: capabilities.map((type) => ({ type })),
  };
}

/** The web UI's address, `http(s)://<rest.address or jobmanager.rpc.address>:<rest.port>/`. */
export function webUiUrl(config: MesoflowConfig): string {
  const host = config.get('rest.address') ?? config.get('jobmanager.rpc.address');
  const scheme = config.get('security.ssl.rest.enabled') ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.get('rest.port')}/`;
}

/**
 * The basic-auth credential for the master, when a principal is configured.
 * @throws SchedulerError `INVALID_CONFIGURATION` when a secret is set without a principal.
 */
export function credentialFromConfig(config: MesoflowConfig): MesosCredential | undefined {
  const principal = config.get('mesos.resourcemanager.framework.principal');
  const secret = config.get('mesos.resourcemanager.framework.secret');
  if (principal === undefined) {
    if (secret !== undefined) {
      throw new SchedulerError(
        SchedulerErrorCode.INVALID_CONFIGURATION,
        "'mesos.resourcemanager.framework.secret' is set but 'mesos.resourcemanager.framework.principal' is not",
      );
    }
    return undefined;
  }
  return { principal, secret: secret ?? '' };
}
