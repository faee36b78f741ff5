import { ProcessFlags } from '@mesoflow/config';

/** How the scheduler process runs, beyond the Mesoflow options (which come as `-D`). */
export interface SchedulerSettings {
  /**
   * `--store-dir`: the file worker store's folder, required unless `high-availability` is
   * `zookeeper` (the store is then in ZooKeeper).
   */
  storeDir: string | undefined;
  /** `--http-port`: health and metrics. @default 0 (a free port) */
  httpPort: number;
  /** `--bind-host` of the HTTP and gRPC ports. @default '0.0.0.0' */
  bindHost: string;
  /**
   * `--config-overlay`: `host:port` of the configuration overlay's gRPC port, which describes each
   * TaskManager task (what it fetches, its container). Without it, tasks run
   * `mesos.resourcemanager.tasks.taskmanager-cmd` as it is and nothing is shipped.
   */
  configOverlay: string | undefined;
}

const FLAGS = ['--store-dir', '--http-port', '--bind-host', '--config-overlay'];

/**
 * Reads `--store-dir <path> --http-port <port> --bind-host <host> --config-overlay <host:port>`
 * (also `--flag=value`).
 * @throws ConfigError naming every problem.
 */
export function parseSettings(args: readonly string[]): SchedulerSettings {
  const flags = new ProcessFlags(args, FLAGS);
  const settings: SchedulerSettings = {
    storeDir: flags.path('--store-dir'),
    httpPort: flags.port('--http-port', 0),
    bindHost: flags.text('--bind-host') ?? '0.0.0.0',
    configOverlay: flags.hostPort('--config-overlay', { expected: "host:port of the configuration overlay's gRPC port" }),
  };
  flags.done();
  return settings;
}
