import { ProcessFlags } from '@mesoflow/config';
import { isAbsolute } from 'node:path';
import type { DistributionFile } from './overlays/distribution-overlay';

/**
 * How this process runs, beyond the Mesoflow options it serves: its ports, where the artifact
 * server takes uploads, and what it ships. Given as `--flag value` (or `--flag=value`).
 */
export interface ConfigOverlaySettings {
  /** `--grpc-port`: the gRPC port the scheduler calls. Required (grpc-js cannot report a picked port). */
  grpcPort: number;
  /** `--http-port`: health and metrics. @default 0 (a free port) */
  httpPort: number;
  /** `--bind-host`. @default '0.0.0.0' */
  bindHost: string;
  /** `--artifact-server`: `host:port` of the artifact server's gRPC port. Required. */
  artifactServer: string;
  /**
   * `--distribution-file path=source` (repeatable): a file of the TaskManager distribution, its
   * path inside the archive and its absolute source. None given: the default distribution.
   */
  distributionFiles: DistributionFile[];
  /** `--lib-dir`: the user library folder whose files every TaskManager gets in `lib/`. @default none */
  libDir: string | undefined;
}

const FLAGS = ['--grpc-port', '--http-port', '--bind-host', '--artifact-server', '--distribution-file', '--lib-dir'];

/**
 * Reads the settings from the arguments left after the `-D` properties. Every problem is
 * reported at once, in a {@link ConfigError} naming the flag, the value and what was expected.
 */
export function parseSettings(args: readonly string[]): ConfigOverlaySettings {
  const flags = new ProcessFlags(args, FLAGS);
  const artifactServer = flags.hostPort('--artifact-server', { required: true, expected: "host:port of the artifact server's gRPC port" });
  const distributionFiles: DistributionFile[] = [];
  for (const text of flags.all('--distribution-file')) {
    const [path = '', source = ''] = text.split(/=(.*)/s, 2);
    if (path === '' || !isAbsolute(source)) {
      flags.invalid('--distribution-file', text, 'path=absolute-source, e.g. bin/mesos-taskmanager.sh=/opt/mesoflow/bin/mesos-taskmanager.sh');
    } else {
      distributionFiles.push({ path, source });
    }
  }
  const settings: ConfigOverlaySettings = {
    grpcPort: flags.port('--grpc-port'),
    httpPort: flags.port('--http-port', 0),
    bindHost: flags.text('--bind-host') ?? '0.0.0.0',
    artifactServer,
    distributionFiles,
    libDir: flags.path('--lib-dir'),
  };
  flags.done();
  return settings;
}
