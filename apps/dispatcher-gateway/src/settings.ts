import { ProcessFlags } from '@mesoflow/config';

/**
 * How this process runs, beyond the Mesoflow options (`rest.port`, `redis.url`,
 * `jobmanager.rpc.address/port`, ...) that come as `-D`. Given as `--flag value` (or `--flag=value`).
 * These would be registry options; until they are, they are flags with these defaults.
 */
export interface DispatcherGatewaySettings {
  /** `--grpc-port`: the JobService port clients submit to. @default 6126 */
  grpcPort: number;
  /** `--bind-host` of the REST and gRPC ports. @default '0.0.0.0' */
  bindHost: string;
  /**
   * `--token-file`: a file holding the bearer token that SubmitJob/CancelJob (and REST submit and
   * cancel) require. @default none: no authentication
   */
  tokenFile: string | undefined;
  /**
   * `--cluster`: whose queue this gateway serves; gateways of one cluster share the jobs.
   * @default `high-availability.cluster-id` without slashes (`/default` → `default`)
   */
  cluster: string | undefined;
  /** `--job-concurrency`: jobs this gateway's job masters run at once; 0 only takes submissions. @default 4 */
  jobConcurrency: number;
  /**
   * `--job-lock-ms`: how long a running job stays claimed by a gateway that stopped renewing it
   * (killed, or shut down); another gateway then restarts it. @default 30000
   */
  jobLockMs: number;
}

const FLAGS = ['--grpc-port', '--bind-host', '--token-file', '--cluster', '--job-concurrency', '--job-lock-ms'];

/**
 * Reads the settings from the arguments left after the `-D` properties.
 * @throws ConfigError naming every problem: the flag, the value and what was expected.
 */
export function parseSettings(args: readonly string[]): DispatcherGatewaySettings {
  const flags = new ProcessFlags(args, FLAGS);
  const cluster = flags.text('--cluster');
  if (cluster !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(cluster)) flags.invalid('--cluster', cluster, '1 to 64 characters of [A-Za-z0-9._-]');
  const jobLockMs = flags.count('--job-lock-ms', 30_000);
  if (jobLockMs < 100) flags.invalid('--job-lock-ms', String(jobLockMs), 'at least 100 (milliseconds)');
  const grpcPort = flags.port('--grpc-port', 6126);
  if (grpcPort === 0) flags.invalid('--grpc-port', '0', 'a port in 1..65535 (grpc-js cannot report a picked port)');
  const settings: DispatcherGatewaySettings = {
    grpcPort,
    bindHost: flags.text('--bind-host') ?? '0.0.0.0',
    tokenFile: flags.path('--token-file'),
    cluster,
    jobConcurrency: flags.count('--job-concurrency', 4),
    jobLockMs,
  };
  flags.done();
  return settings;
}

/** The queue's cluster name from `high-availability.cluster-id` (`/default` → `default`, `/a/b` → `a.b`). */
export function clusterOfClusterId(clusterId: string): string {
  const name = clusterId.replace(/^\/+|\/+$/g, '').replace(/\/+/g, '.').replace(/[^A-Za-z0-9._-]/g, '_');
  return name === '' ? 'default' : name.slice(0, 64);
}
