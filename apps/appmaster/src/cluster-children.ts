// The processes of a session cluster, as Flink's Mesos application master runs them in one
// container: the artifact server (program bundles and TaskManager files for the fetcher), the
// configuration overlay (each TaskManager's spec), the scheduler (the Mesos framework and
// resource manager) and the dispatcher gateway (job submission). Started in that order, each
// once the one before answers its health check.
import type { DynamicProperty, MesoflowConfig } from '@mesoflow/config';
import type { ChildSpec } from '@mesoflow/process-supervisor';
import { join } from 'node:path';

/** How the application master runs, beyond the `-D` options it hands to every service. */
export interface AppMasterSettings {
  /** `--work-dir`: the scheduler's store and the artifact root live here. */
  workDir: string;
  /** `--bind-host` of every service port. */
  bindHost: string;
  /** The host the services reach each other on (loopback: they share a machine). */
  localHost: string;
  /** `--config-overlay-port`: its gRPC port. */
  configOverlayPort: number;
  /** `--config-overlay-http-port`: its health and metrics. */
  configOverlayHttpPort: number;
  /** `--scheduler-http-port`: the scheduler's health and metrics. */
  schedulerHttpPort: number;
}

/** The options the cluster's own processes need, read from the user's `-D` and conf file. */
export interface ClusterPorts {
  artifactGrpcPort: number;
  /** The artifact server's HTTP port, when fixed (0 picks a free one, which cannot be polled). */
  artifactHttpPort: number;
  restPort: number;
}

/**
 * Options the cluster needs but the registry leaves unset, for those the user's configuration
 * does not set either; handed to every service as `-D`.
 */
export function clusterDefaults(settings: AppMasterSettings, config: MesoflowConfig): DynamicProperty[] {
  const defaults: DynamicProperty[] = [];
  if (config.get('mesos.resourcemanager.artifactserver.grpc.port') === undefined) defaults.push({ key: 'mesos.resourcemanager.artifactserver.grpc.port', value: '6124' });
  if (config.get('mesos.resourcemanager.artifactserver.root') === undefined) defaults.push({ key: 'mesos.resourcemanager.artifactserver.root', value: join(settings.workDir, 'artifacts') });
  return defaults;
}

/** A service entry point from source, as `node --import tsx apps/<service>/src/main.ts`. */
export type ServiceCommand = (service: string) => { command: string; args: string[] };

/** The four services of a session cluster, in start order. */
export function sessionClusterChildren(settings: AppMasterSettings, ports: ClusterPorts, properties: readonly DynamicProperty[], service: ServiceCommand): ChildSpec[] {
  const dynamic = properties.map(({ key, value }) => `-D${key}=${value}`);
  const health = (port: number): string | undefined => (port === 0 ? undefined : `http://${settings.localHost}:${port}/healthz`);
  const child = (name: string, flags: string[], readyPort: number): ChildSpec => {
    const { command, args } = service(name);
    const readyUrl = health(readyPort);
    return { name, command, args: [...args, ...flags, ...dynamic], ...(readyUrl === undefined ? {} : { readyUrl }) };
  };
  const artifactServer = `${settings.localHost}:${ports.artifactGrpcPort}`;
  return [
    child('artifact-server', [], ports.artifactHttpPort),
    child(
      'config-overlay',
      [`--grpc-port=${settings.configOverlayPort}`, `--http-port=${settings.configOverlayHttpPort}`, `--bind-host=${settings.bindHost}`, `--artifact-server=${artifactServer}`],
      settings.configOverlayHttpPort,
    ),
    child(
      'scheduler',
      [
        `--store-dir=${join(settings.workDir, 'scheduler-store')}`,
        `--http-port=${settings.schedulerHttpPort}`,
        `--bind-host=${settings.bindHost}`,
        `--config-overlay=${settings.localHost}:${settings.configOverlayPort}`,
      ],
      settings.schedulerHttpPort,
    ),
    child('dispatcher-gateway', [`--bind-host=${settings.bindHost}`], ports.restPort),
  ];
}
