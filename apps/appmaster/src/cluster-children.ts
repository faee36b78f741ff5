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
  /**
   * `high-availability: zookeeper`: the scheduler of a standby stands by in the election and
   * serves nothing until it leads, so the services after it are not held up waiting for it.
   */
  highAvailability: boolean;
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
  // Queued jobs keep their bundle's URL: an artifact server on a picked port (the registry's
  // default 0) would serve them nowhere after the application master restarted.
  if (config.source('mesos.resourcemanager.artifactserver.port')?.kind === 'default') defaults.push({ key: 'mesos.resourcemanager.artifactserver.port', value: '6127' });
  if (config.get('mesos.resourcemanager.artifactserver.root') === undefined) defaults.push({ key: 'mesos.resourcemanager.artifactserver.root', value: join(settings.workDir, 'artifacts') });
  return defaults;
}

/** How to run an entry point of an app, e.g. `scheduler/src/main.ts` (relative to `apps/`). */
export type EntryCommand = (entry: string) => { command: string; args: string[] };

/** The four services of a session cluster, in start order. */
export function sessionClusterChildren(settings: AppMasterSettings, ports: ClusterPorts, properties: readonly DynamicProperty[], entry: EntryCommand): ChildSpec[] {
  const child = childFactory(settings, properties, entry);
  return [...clusterServices(settings, ports, child), child('dispatcher-gateway', [`--bind-host=${settings.bindHost}`], ports.restPort)];
}

/**
 * A per-job cluster (Flink's per-job mode): the services TaskManagers need, and the job
 * (`internal.jobgraph-path`) as the supervisor's job child, whose end stops the cluster. The
 * scheduler exits 0 once the job deregistered the application; that is not restarted.
 */
export function jobClusterChildren(settings: AppMasterSettings, ports: ClusterPorts, properties: readonly DynamicProperty[], entry: EntryCommand): ChildSpec[] {
  const child = childFactory(settings, properties, entry);
  const services = clusterServices(settings, ports, child).map((spec): ChildSpec => (spec.name === 'scheduler' ? { ...spec, restart: 'on-failure' } : spec));
  return [...services, { ...child('job', [], 0, 'dispatcher-gateway/src/job-cluster-main.ts'), role: 'job' }];
}

type ChildFactory = (name: string, flags: string[], readyPort: number, entryPoint?: string) => ChildSpec;

function childFactory(settings: AppMasterSettings, properties: readonly DynamicProperty[], entry: EntryCommand): ChildFactory {
  const dynamic = properties.map(({ key, value }) => `-D${key}=${value}`);
  return (name, flags, readyPort, entryPoint = `${name}/src/main.ts`) => {
    const { command, args } = entry(entryPoint);
    return { name, command, args: [...args, ...flags, ...dynamic], ...(readyPort === 0 ? {} : { readyUrl: `http://${settings.localHost}:${readyPort}/healthz` }) };
  };
}

/** The artifact server, the configuration overlay and the scheduler, in start order. */
function clusterServices(settings: AppMasterSettings, ports: ClusterPorts, child: ChildFactory): ChildSpec[] {
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
      settings.highAvailability ? 0 : settings.schedulerHttpPort,
    ),
  ];
}
