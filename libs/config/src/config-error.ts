import { describeSource, type ConfigSource } from './config-source';

/** Why a {@link ConfigError} was raised. */
export enum ConfigErrorCode {
  /** One or more options have wrong or conflicting values, or required ones are missing; see `problems`. */
  INVALID_CONFIGURATION = 'INVALID_CONFIGURATION',
  /** The configuration file is not valid YAML or not a map of keys to values; `problems` name the lines. */
  MALFORMED_FILE = 'MALFORMED_FILE',
  /** The configuration file exists but cannot be read (permissions, a directory, …). */
  UNREADABLE_FILE = 'UNREADABLE_FILE',
  /** A `-D` argument is not `-Dkey=value` or `-D key=value`. */
  INVALID_DYNAMIC_PROPERTY = 'INVALID_DYNAMIC_PROPERTY',
  /** Values given in code (programmatic values, TaskManager overrides) are wrong, e.g. override a master-only option. */
  INVALID_VALUES = 'INVALID_VALUES',
}

/** What kind of problem a {@link ConfigProblem} is. */
export type ConfigProblemKind =
  /** The text cannot be read as the option's type, or is out of range. */
  | 'invalid-value'
  /** A required option is unset. */
  | 'missing'
  /** Options contradict each other. */
  | 'conflict'
  /** The key is not in the registry (a warning: the setting is ignored). */
  | 'unknown-key'
  /** The file or argument cannot be read at all. */
  | 'syntax';

/** One problem with the configuration: an error, or a warning such as an unknown key. */
export interface ConfigProblem {
  readonly kind: ConfigProblemKind;
  /** The option concerned (for `syntax`, the file or argument). */
  readonly key: string;
  /** The text given; absent for sensitive options and when nothing was given. */
  readonly value?: string;
  /** What a valid value looks like. */
  readonly expected?: string;
  /** Where the value came from. */
  readonly source?: ConfigSource;
  /** For unknown keys: the closest known key. */
  readonly suggestion?: string;
  /** The full sentence, e.g. `mesos.resourcemanager.tasks.cpus: 'six' is not a number (expected a positive number of CPUs, e.g. 1.5)`. */
  readonly message: string;
}

/** One problem per line, each with its source, for logs and terminal output. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems
    .map((p) => `  - ${p.message}${p.source && p.kind !== 'syntax' ? ` [${describeSource(p.source)}]` : ''}`)
    .join('\n');
}

const HEADLINES: Readonly<Record<ConfigErrorCode, string>> = {
  [ConfigErrorCode.INVALID_CONFIGURATION]: 'Invalid configuration',
  [ConfigErrorCode.MALFORMED_FILE]: 'Malformed configuration file',
  [ConfigErrorCode.UNREADABLE_FILE]: 'Unreadable configuration file',
  [ConfigErrorCode.INVALID_DYNAMIC_PROPERTY]: 'Invalid -D dynamic property',
  [ConfigErrorCode.INVALID_VALUES]: 'Invalid configuration values',
};

/** Extra fields of a {@link ConfigError}. */
export interface ConfigErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Warnings found along with the problems. */
  warnings?: readonly ConfigProblem[];
}

/** The one error type of `@mesoflow/config`: a {@link ConfigErrorCode} and every problem found. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /**
   * @param code what went wrong.
   * @param problems every problem found (never just the first).
   * @param options the underlying error, if any.
   */
  constructor(
    readonly code: ConfigErrorCode,
    readonly problems: readonly ConfigProblem[],
    options: ConfigErrorOptions = {},
  ) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const warnings = options.warnings ?? [];
    const tail = warnings.length === 0 ? '' : `\nWarnings:\n${formatProblems(warnings)}`;
    super(`${HEADLINES[code]} (${count}):\n${formatProblems(problems)}${tail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.warnings = Object.freeze([...warnings]);
  }

  /** Warnings found along with the problems (unknown keys often explain a missing option). */
  readonly warnings: readonly ConfigProblem[];
}

/** True when `error` is a {@link ConfigError}, optionally with the given code. */
export function isConfigError(error: unknown, code?: ConfigErrorCode): error is ConfigError {
  return error instanceof ConfigError && (code === undefined || error.code === code);
}
