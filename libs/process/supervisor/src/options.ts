import { constants } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { SupervisorError, SupervisorErrorCode } from './errors';

/**
 * What happens when a child exits on its own.
 * - `service`: it is restarted after a backoff, for as long as the supervisor runs.
 * - `job`: it is never restarted; its exit stops every other child and ends the supervisor with
 *   the job's exit code.
 */
export type ChildRole = 'service' | 'job';

/** See {@link ChildSpec.restart}. */
export type RestartPolicy = 'always' | 'on-failure';

/** One process to run under the {@link Supervisor}. */
export interface ChildSpec {
  /** Names the child in logs and metric labels, e.g. `scheduler`: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** The executable, e.g. `process.execPath`. Logged, unlike `args`. */
  command: string;
  /** Never logged: `-D` options may carry secrets. */
  args: readonly string[];
  /**
   * The child's whole environment. Never logged.
   * @default the supervisor's environment
   */
  env?: NodeJS.ProcessEnv;
  /** @default the supervisor's working directory */
  cwd?: string;
  /** @default 'service' */
  role?: ChildRole;
  /**
   * When a service child is restarted: `always`, or `on-failure` (not after it exited with code
   * 0 on its own: it decided to stop, e.g. a scheduler that deregistered its framework).
   * @default 'always'
   */
  restart?: RestartPolicy;
  /**
   * An `http(s)://` URL that answers 2xx once the child is up. The next child is started only
   * after it does (within `readyTimeoutMs`), so that services start in order.
   */
  readyUrl?: string;
}

/** Delays between a service child's exit and its restart: doubling from `initialMs` up to `maxMs`. */
export interface RestartBackoff {
  /** @default 500 */
  initialMs: number;
  /** @default 30000 */
  maxMs: number;
}

/** Options of {@link Supervisor.start}, as callers write them. */
export interface SupervisorOptions {
  /** Started in this order; stopped all at once. At most one may have the role `job`. */
  children: readonly ChildSpec[];
  /** The supervisor's own lines; children write to the inherited stdout and stderr. */
  logger: Logger;
  /** @default { initialMs: 500, maxMs: 30000 } */
  restartBackoff?: RestartBackoff;
  /**
   * A service child that stayed up this long before exiting is restarted after `initialMs`
   * again, as if it had never failed.
   * @default 60000
   */
  stableMs?: number;
  /**
   * Time between SIGTERM and SIGKILL when stopping.
   * @default 30000
   */
  stopGraceMs?: number;
  /**
   * Time a child has to answer its `readyUrl` (restarts included) before start fails.
   * @default 60000
   */
  readyTimeoutMs?: number;
  /** Where `mesoflow_supervisor_child_*` metrics are registered; none without it. */
  metrics?: Registry;
  /**
   * Signals to the supervisor's process that stop every child. The handlers replace Node's
   * default (exit at once), so the caller must end the process once `done` resolves. Pass `[]`
   * to handle signals yourself.
   * @default ['SIGTERM', 'SIGINT']
   */
  stopOnSignals?: readonly NodeJS.Signals[];
}

/** A {@link ChildSpec} with defaults applied and its URL parsed. */
export interface ChildSettings {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv | undefined;
  readonly cwd: string | undefined;
  readonly role: ChildRole;
  readonly restart: RestartPolicy;
  readonly readyUrl: URL | undefined;
}

/** {@link SupervisorOptions} with defaults applied, validated. */
export interface SupervisorSettings {
  readonly children: readonly ChildSettings[];
  readonly logger: Logger;
  readonly restartBackoff: Readonly<RestartBackoff>;
  readonly stableMs: number;
  readonly stopGraceMs: number;
  readonly readyTimeoutMs: number;
  readonly metrics: Registry | undefined;
  readonly stopOnSignals: readonly NodeJS.Signals[];
}

const NAME = /^[A-Za-z0-9._-]+$/;
// Node refuses listeners for these: the kernel never lets a process handle them.
const UNCATCHABLE: ReadonlySet<string> = new Set(['SIGKILL', 'SIGSTOP']);

/**
 * Applies defaults and checks every option, reporting all problems in one
 * {@link SupervisorErrorCode.INVALID_OPTIONS} error.
 */
export function resolveOptions(options: SupervisorOptions): SupervisorSettings {
  const problems: string[] = [];
  const durationOf = (key: string, value: number | undefined, fallback: number, minimum = 0): number => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value < minimum) problems.push(`${key} must be a number of ms of at least ${minimum}, got ${value}`);
    return value;
  };

  const restartBackoff = {
    initialMs: durationOf('restartBackoff.initialMs', options.restartBackoff?.initialMs, 500, 1),
    maxMs: durationOf('restartBackoff.maxMs', options.restartBackoff?.maxMs, 30_000, 1),
  };
  if (restartBackoff.maxMs < restartBackoff.initialMs) problems.push('restartBackoff.maxMs must not be below restartBackoff.initialMs');

  const children = options.children.map((spec, index) => resolveChild(spec, index, problems));
  if (children.length === 0) problems.push('children must name at least one child');
  const seen = new Set<string>();
  for (const { name } of children) {
    if (seen.has(name)) problems.push(`child name '${name}' is used twice`);
    seen.add(name);
  }
  if (children.filter((child) => child.role === 'job').length > 1) problems.push("at most one child may have the role 'job'");

  const stopOnSignals = options.stopOnSignals ?? ['SIGTERM', 'SIGINT'];
  for (const signal of stopOnSignals) {
    if (!(signal in constants.signals) || UNCATCHABLE.has(signal)) problems.push(`stopOnSignals: '${signal}' cannot be handled`);
  }

  const settings: SupervisorSettings = {
    children,
    logger: options.logger,
    restartBackoff,
    stableMs: durationOf('stableMs', options.stableMs, 60_000),
    stopGraceMs: durationOf('stopGraceMs', options.stopGraceMs, 30_000),
    readyTimeoutMs: durationOf('readyTimeoutMs', options.readyTimeoutMs, 60_000, 1),
    metrics: options.metrics,
    stopOnSignals,
  };
  if (problems.length > 0) {
    throw new SupervisorError(SupervisorErrorCode.INVALID_OPTIONS, `Invalid supervisor options: ${problems.join('; ')}`);
  }
  return settings;
}

function resolveChild(spec: ChildSpec, index: number, problems: string[]): ChildSettings {
  const label = `children[${index}]`;
  if (!NAME.test(spec.name)) problems.push(`${label}.name must be letters, digits, '.', '_' or '-', got '${spec.name}'`);
  if (spec.command.length === 0) problems.push(`${label}.command must not be empty`);
  // spawn() throws on a NUL byte with the offending value in its message, which may be a secret.
  const withNul = [spec.command, ...spec.args, spec.cwd ?? '', ...Object.entries(spec.env ?? {}).flatMap(([key, value]) => [key, value ?? ''])];
  if (withNul.some((value) => value.includes('\0'))) problems.push(`${label}: command, args, cwd and env must not contain NUL bytes`);
  const role = spec.role ?? 'service';
  if (role !== 'service' && role !== 'job') problems.push(`${label}.role must be 'service' or 'job', got '${String(role)}'`);
  const restart = spec.restart ?? 'always';
  if (restart !== 'always' && restart !== 'on-failure') problems.push(`${label}.restart must be 'always' or 'on-failure', got '${String(restart)}'`);
  let readyUrl: URL | undefined;
  if (spec.readyUrl !== undefined) {
    readyUrl = URL.canParse(spec.readyUrl) ? new URL(spec.readyUrl) : undefined;
    if (readyUrl?.protocol !== 'http:' && readyUrl?.protocol !== 'https:') {
      problems.push(`${label}.readyUrl must be an http:// or https:// URL`);
    }
  }
  return { name: spec.name, command: spec.command, args: [...spec.args], env: spec.env, cwd: spec.cwd, role, restart, readyUrl };
}
