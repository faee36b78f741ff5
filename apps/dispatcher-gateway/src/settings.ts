import { ProcessFlags, type MesoflowConfig } from '@mesoflow/config';

/**
 * How this process runs, beyond the Mesoflow options (`rest.port`, `redis.url`,
 * `jobmanager.rpc.address/port`, ...) that come as `-D`. Given as `--flag value` (or `--flag=value`).
 * A flag left out (undefined) takes the registry option named with it.
 */
export interface DispatcherGatewaySettings {
  /** `--grpc-port`: the JobService port clients submit to. @default `dispatcher.grpc.port` */
  grpcPort: number | undefined;
  /** `--bind-host` of the REST and gRPC ports. @default '0.0.0.0' */
  bindHost: string;
  /**
   * `--token-file`: a file holding the bearer token that SubmitJob/CancelJob (and REST submit and
   * cancel) require. @default `dispatcher.auth.token-file` (unset: no authentication)
   */
  tokenFile: string | undefined;
  /**
   * `--cluster`: whose queue this gateway serves; gateways of one cluster share the jobs.
   * @default `high-availability.cluster-id` without slashes (`/default` → `default`)
   */
  cluster: string | undefined;
  /** `--job-concurrency`: jobs this gateway's job masters run at once; 0 only takes submissions. @default `dispatcher.job-concurrency` */
  jobConcurrency: number | undefined;
  /**
   * `--job-lock-ms`: how long a running job stays claimed by a gateway that stopped renewing it
   * (killed, or shut down); another gateway then restarts it. @default `dispatcher.job-lock-timeout`
   */
  jobLockMs: number | undefined;
  /**
   * `--web-ui-dir`: the built web UI served on `rest.port` (`npm run build` writes it).
   * @default `dist/web-ui` in `$MESOFLOW_HOME`, else in the installation this gateway runs from
   */
  webUiDir: string | undefined;
}

const FLAGS = ['--grpc-port', '--bind-host', '--token-file', '--cluster', '--job-concurrency', '--job-lock-ms', '--web-ui-dir'];

/**
 * Reads the settings from the arguments left after the `-D` properties.
 * @throws ConfigError naming every problem: the flag, the value and what was expected.
 */
export function parseSettings(args: readonly string[]): DispatcherGatewaySettings {
  const flags = new ProcessFlags(args, FLAGS);
  const cluster = flags.text('--cluster');
  if (cluster !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(cluster)) flags.invalid('--cluster', cluster, '1 to 64 characters of [A-Za-z0-9._-]');
  const given = (flag: string): boolean => flags.text(flag) !== undefined;
  const jobLockMs = given('--job-lock-ms') ? flags.count('--job-lock-ms', 0) : undefined;
  if (jobLockMs !== undefined && jobLockMs < 100) flags.invalid('--job-lock-ms', String(jobLockMs), 'at least 100 (milliseconds)');
  const grpcPort = given('--grpc-port') ? flags.port('--grpc-port', 0) : undefined;
  if (grpcPort === 0) flags.invalid('--grpc-port', '0', 'a port in 1..65535 (grpc-js cannot report a picked port)');
  const settings: DispatcherGatewaySettings = {
    grpcPort,
    bindHost: flags.text('--bind-host') ?? '0.0.0.0',
    tokenFile: flags.path('--token-file'),
    cluster,
    jobConcurrency: given('--job-concurrency') ? flags.count('--job-concurrency', 0) : undefined,
    jobLockMs,
    webUiDir: flags.path('--web-ui-dir'),
  };
  flags.done();
  return settings;
}

/** The queue's cluster name from `high-availability.cluster-id` (`/default` → `default`, `/a/b` → `a.b`). */
export function clusterOfClusterId(clusterId: string): string {
  const name = clusterId.replace(/^\/+|\/+$/g, '').replace(/\/+/g, '.').replace(/[^A-Za-z0-9._-]/g, '_');
  return name === '' ? 'default' : name.slice(0, 64);
}

/** The settings with every flag left out taken from its registry option. */
export function withConfiguredDefaults(settings: DispatcherGatewaySettings, config: MesoflowConfig): DispatcherGatewaySettings & { grpcPort: number; jobConcurrency: number; jobLockMs: number } {
  return {
    ...settings,
    grpcPort: settings.grpcPort ?? config.get('dispatcher.grpc.port'),
    tokenFile: settings.tokenFile ?? config.get('dispatcher.auth.token-file'),
    jobConcurrency: settings.jobConcurrency ?? config.get('dispatcher.job-concurrency'),
    jobLockMs: settings.jobLockMs ?? config.get('dispatcher.job-lock-timeout').milliseconds,
  };
}

/** The gRPC target of this application master's artifact server: one bound to every address is reached on loopback. */
export function localArtifactServer(config: MesoflowConfig): string {
  const bindHost = config.get('mesos.resourcemanager.artifactserver.bind-host');
  const host = bindHost === undefined || bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;
  return `${host}:${config.get('mesos.resourcemanager.artifactserver.grpc.port') ?? 0}`;
}
