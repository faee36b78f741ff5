import { ConfigError, ConfigErrorCode, type ConfigProblem } from '@mesoflow/config';
import { isAbsolute, resolve } from 'node:path';
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

const FLAGS = ['--grpc-port', '--http-port', '--bind-host', '--artifact-server', '--distribution-file', '--lib-dir'] as const;
type Flag = (typeof FLAGS)[number];

function problem(key: string, value: string, expected: string): ConfigProblem {
  return { kind: 'invalid-value', key, value, expected, message: `${key}: '${value}' is not valid (expected ${expected})` };
}

/**
 * Reads the settings from the arguments left after the `-D` properties. Every problem is
 * reported at once, in a {@link ConfigError} naming the flag, the value and what was expected.
 */
export function parseSettings(args: readonly string[]): ConfigOverlaySettings {
  const given = new Map<Flag, string[]>();
  const problems: ConfigProblem[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [name = '', inline] = arg.split(/=(.*)/s, 2);
    const flag = FLAGS.find((f) => f === name);
    if (flag === undefined) {
      problems.push({ kind: 'syntax', key: arg, message: `${arg}: unknown argument (expected -Dkey=value or one of ${FLAGS.join(', ')})` });
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) problems.push({ kind: 'missing', key: flag, message: `${flag}: has no value` });
    else given.set(flag, [...(given.get(flag) ?? []), value]);
  }
  const last = (flag: Flag): string | undefined => given.get(flag)?.at(-1);
  const port = (flag: Flag, fallback?: number): number => {
    const text = last(flag);
    if (text === undefined) {
      if (fallback === undefined) problems.push({ kind: 'missing', key: flag, expected: 'a port number', message: `${flag}: is required (expected a port number)` });
      return fallback ?? 0;
    }
    const value = Number(text);
    if (!/^\d+$/.test(text) || value > 65_535 || (fallback === undefined && value === 0)) problems.push(problem(flag, text, fallback === undefined ? 'a port in 1..65535' : 'a port in 0..65535'));
    return value;
  };
  const artifactServer = last('--artifact-server') ?? '';
  if (!/^[^\s:]+:\d+$|^\[[^\]]+\]:\d+$/.test(artifactServer)) problems.push(problem('--artifact-server', artifactServer, 'host:port of the artifact server\'s gRPC port'));
  const distributionFiles: DistributionFile[] = [];
  for (const text of given.get('--distribution-file') ?? []) {
    const [path = '', source = ''] = text.split(/=(.*)/s, 2);
    if (path === '' || !isAbsolute(source)) problems.push(problem('--distribution-file', text, 'path=absolute-source, e.g. bin/mesos-taskmanager.sh=/opt/mesoflow/bin/mesos-taskmanager.sh'));
    else distributionFiles.push({ path, source });
  }
  const libDir = last('--lib-dir');
  const settings: ConfigOverlaySettings = {
    grpcPort: port('--grpc-port'),
    httpPort: port('--http-port', 0),
    bindHost: last('--bind-host') ?? '0.0.0.0',
    artifactServer,
    distributionFiles,
    libDir: libDir === undefined ? undefined : resolve(libDir),
  };
  if (problems.length > 0) throw new ConfigError(ConfigErrorCode.INVALID_CONFIGURATION, problems);
  return settings;
}
