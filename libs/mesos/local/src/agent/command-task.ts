import { userInfo } from 'node:os';
import { join } from 'node:path';
import { mesos } from '@mesoflow/proto';
import pino, { type Logger } from 'pino';
import { AgentTaskErrorCode, isAgentTaskError } from './agent-task-error';
import { commandTaskEnvironment } from './environment';
import { describeExit } from './exit-status';
import { fetchUris, validateUris, type FetchOptions } from './fetcher/fetcher';
import type { ResolvedUri } from './fetcher/uri';
import { createSandbox, sandboxPath, type Sandbox } from './sandbox';
import { sharedTaskLauncher, type LaunchedProcess, type TaskLauncher } from './task-launcher';

/** Everything the agent needs to run one command task (a `TaskInfo` with `command`). */
export interface CommandTaskSpec {
  /** `FrameworkID.value`. */
  frameworkId: string;
  /**
   * `FrameworkInfo.user`. Tasks run as the agent's own user regardless (reference 5.3: a real
   * agent would switch user); it only segregates the fetcher cache, as in Mesos.
   */
  frameworkUser?: string;
  /** `FrameworkInfo.checkpoint`, reported as `MESOS_CHECKPOINT`. @default false */
  frameworkCheckpoint?: boolean;
  /** `AgentID.value`. */
  agentId: string;
  agentHostname: string;
  /**
   * The agent's IP, for `MESOS_SLAVE_PID`, `MESOS_AGENT_ENDPOINT` and the `TASK_RUNNING`
   * container status. @default '127.0.0.1'
   */
  agentIp?: string;
  /** The agent's (simulated) port, for `MESOS_SLAVE_PID` / `MESOS_AGENT_ENDPOINT`. */
  agentPort: number;
  /** The command executor's id, which Mesos sets to the task id. */
  executorId: string;
  /** A UUID chosen by the master; names the sandbox run folder. */
  containerId: string;
  /** Must carry `command`. */
  task: mesos.v1.TaskInfo.$Properties;
  /** The agent's `--work_dir`; the sandbox is derived from it as Mesos does. */
  workDir: string;
  /**
   * The agent's `--fetcher_cache_dir`, for `URI.cache`. Without it, cached URIs are fetched
   * directly.
   */
  fetcherCacheDir?: string;
}

/** The states a command task reports, in the order it can reach them. */
export type CommandTaskState =
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_KILLING'
  | 'TASK_FINISHED'
  | 'TASK_FAILED'
  | 'TASK_KILLED';

/**
 * One status update of a command task. The master adds task id, agent id, executor id,
 * timestamp and uuid before delivering it.
 */
export interface CommandTaskUpdate {
  state: CommandTaskState;
  /** Mesos' exact text, e.g. `Command exited with status 1`. */
  message?: string;
  /** Set only where Mesos sets one (launch failures, kills during launch, max completion time). */
  reason?: keyof typeof mesos.v1.TaskStatus.Reason;
  /** On `TASK_RUNNING`: container id, pid and the agent's IP, as the agent adds them. */
  containerStatus?: mesos.v1.ContainerStatus.$Properties;
  /**
   * Who sends this update on a real cluster: the command executor, or the agent itself when
   * the executor never ran (fetch or launch failure, kill during launch).
   */
  source?: 'SOURCE_EXECUTOR' | 'SOURCE_AGENT';
}

/** A launched command task. */
export interface CommandTaskHandle {
  readonly sandboxDir: string;
  /**
   * Kills the task per its kill policy: SIGTERM to the process group, SIGKILL after the grace
   * period (`gracePeriodMs`, else `TaskInfo.kill_policy.grace_period`, else Mesos' 3 s). A
   * repeated kill can only shorten the grace period. During the launch (sandbox, fetch) it
   * cancels the launch instead. Idempotent; a no-op once the task is terminal.
   */
  kill(gracePeriodMs?: number): void;
  /**
   * Resolves with the terminal update once the task is terminal and its process group killed.
   * Never rejects.
   */
  readonly done: Promise<CommandTaskUpdate>;
}

/** Agent-wide settings for {@link launchCommandTask}. */
export interface CommandTaskOptions {
  /** @default a silent logger */
  logger?: Logger;
  /** The agent's `--frameworks_home`, against which relative URI paths are resolved. */
  frameworksHome?: string;
  /** The agent's `--fetcher_stall_timeout`. @default 60000 */
  fetcherStallTimeoutMs?: number;
  /** Starts the task processes. @default the launcher this process's agents share */
  launcher?: TaskLauncher;
}

/** Mesos' command executor default kill grace period (`src/launcher/executor.cpp`). */
export const DEFAULT_KILL_GRACE_PERIOD_MS = 3000;

let silentLogger: Logger | undefined;

/**
 * Runs a command task as a Mesos agent and its command executor would: creates the sandbox,
 * fetches `CommandInfo.uris`, starts `sh -c <value>` (or `value` with `arguments`) in its own
 * process group with the Mesos environment, and reports `TASK_STARTING`, `TASK_RUNNING`,
 * `TASK_KILLING` (on a kill) and exactly one terminal update through `onUpdate`, in order.
 * A launch that fails or is killed before the process starts reports only its terminal update.
 */
export function launchCommandTask(
  spec: CommandTaskSpec,
  onUpdate: (update: CommandTaskUpdate) => void,
  options: CommandTaskOptions = {},
): CommandTaskHandle {
  return new CommandTaskRun(spec, onUpdate, options);
}

/**
 * Where a run is: preparing the sandbox and fetching, starting (the launcher forks the
 * process), running, killing (SIGTERM sent), or terminal.
 */
type Phase =
  | { readonly name: 'launching' }
  | {
      readonly name: 'starting';
      readonly process: LaunchedProcess;
      /** A kill that arrived meanwhile, carried out once the process runs. */
      killGracePeriodMs: number | undefined;
    }
  | { readonly name: 'running'; readonly process: LaunchedProcess }
  | {
      readonly name: 'killing';
      readonly process: LaunchedProcess;
      readonly startedAt: number;
      deadline: number;
      escalation: NodeJS.Timeout;
    }
  | { readonly name: 'terminated' };

class CommandTaskRun implements CommandTaskHandle {
  readonly sandboxDir: string;
  readonly done: Promise<CommandTaskUpdate>;

  private phase: Phase = { name: 'launching' };
  private readonly launchAbort = new AbortController();
  private readonly logger: Logger;
  private readonly taskId: string;
  private resolveDone!: (update: CommandTaskUpdate) => void;
  private maxCompletionTimer: NodeJS.Timeout | undefined;
  private killedByMaxCompletion = false;

  constructor(
    private readonly spec: CommandTaskSpec,
    private readonly onUpdate: (update: CommandTaskUpdate) => void,
    private readonly options: CommandTaskOptions,
  ) {
    this.logger = options.logger ?? (silentLogger ??= pino({ level: 'silent' }));
    this.taskId = spec.task.task_id?.value ?? spec.executorId;
    this.sandboxDir = sandboxPath(spec.workDir, spec);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.launch().catch((error: Error) => {
      // A bug rather than a task failure; still, the task must end and `done` must settle.
      this.logger.error(`Launching task '${this.taskId}' failed unexpectedly: ${error.message}`);
      if (this.phase.name === 'launching') this.launchFailed(error.message);
    });
  }

  kill(gracePeriodMs?: number): void {
    const phase = this.phase;
    switch (phase.name) {
      case 'terminated':
        return;
      case 'launching':
        // The launch notices the abort after its current step and reports the kill.
        this.launchAbort.abort();
        return;
      case 'starting':
        phase.killGracePeriodMs = Math.min(
          phase.killGracePeriodMs ?? Infinity,
          this.gracePeriodMs(gracePeriodMs),
        );
        return;
      case 'running':
        this.startKill(phase, this.gracePeriodMs(gracePeriodMs), true);
        return;
      case 'killing':
        this.shortenGracePeriod(phase, this.gracePeriodMs(gracePeriodMs));
        return;
    }
  }

  private async launch(): Promise<void> {
    let sandbox: Sandbox;
    try {
      sandbox = await createSandbox(this.spec.workDir, this.spec);
    } catch (error) {
      const why = (error as Error).message;
      return this.launchFailed(`Failed to create sandbox '${this.sandboxDir}': ${why}`);
    }
    try {
      await this.prepareAndStart(sandbox);
    } finally {
      // The task process holds its own descriptors; ours are no longer needed.
      await sandbox.close().catch((error: Error) => {
        this.logger.warn(`Could not close the sandbox of task '${this.taskId}': ${error.message}`);
      });
    }
  }

  /** What the agent and the containerizer do between the sandbox and the fork. */
  private async prepareAndStart(sandbox: Sandbox): Promise<void> {
    const command = this.spec.task.command;
    if (this.launchAbort.signal.aborted) return this.killedDuringLaunch();
    if (!command?.value) {
      // Mesos' executor aborts on this (the master does not validate it), and the agent then
      // fails the task because its executor terminated.
      const what = command?.shell === false ? 'Executable' : 'Shell command';
      return this.finish({
        state: 'TASK_FAILED',
        source: 'SOURCE_AGENT',
        reason: 'REASON_EXECUTOR_TERMINATED',
        message: `${what} of task '${this.taskId}' is not specified`,
      });
    }
    let env: Record<string, string>;
    let uris: ResolvedUri[];
    try {
      env = this.environment(command);
      uris = validateUris(command.uris ?? []);
    } catch (error) {
      if (isAgentTaskError(error, AgentTaskErrorCode.INVALID_URI)) {
        return this.launchFailed(`Could not fetch: ${error.message}`);
      }
      return this.launchFailed((error as Error).message);
    }
    // No URIs, no fetcher: the common case of the benchmark stays free of extra work.
    if (uris.length > 0) {
      try {
        await fetchUris(uris, this.fetchOptions(sandbox, command));
      } catch (error) {
        if (this.launchAbort.signal.aborted) return this.killedDuringLaunch();
        // Mesos' message only gives the fetcher's exit status; the fetcher's own line, which
        // names the URI and the cause, is appended so that schedulers can show it.
        return this.launchFailed(
          `Failed to fetch all URIs for container '${this.spec.containerId}': ` +
            `exited with status 1; ${(error as Error).message}`,
        );
      }
      this.logger.debug(`Fetched ${uris.length} URI(s) for task '${this.taskId}'`);
    }
    if (this.launchAbort.signal.aborted) return this.killedDuringLaunch();
    this.start(command, env, sandbox);
  }

  private fetchOptions(sandbox: Sandbox, command: mesos.v1.CommandInfo.$Properties): FetchOptions {
    const { spec, options } = this;
    const user = command.user || spec.frameworkUser;
    return {
      sandboxDir: sandbox.dir,
      signal: this.launchAbort.signal,
      log: (line) => sandbox.stderr.write(`${line}\n`).then(() => undefined),
      ...(spec.fetcherCacheDir ? { cacheDir: spec.fetcherCacheDir } : {}),
      ...(user ? { user } : {}),
      ...(options.frameworksHome ? { frameworksHome: options.frameworksHome } : {}),
      ...(options.fetcherStallTimeoutMs !== undefined
        ? { stallTimeoutMs: options.fetcherStallTimeoutMs }
        : {}),
    };
  }

  /** Asks the launcher for the process and reports TASK_STARTING; see {@link started}. */
  private start(
    command: mesos.v1.CommandInfo.$Properties,
    env: Record<string, string>,
    sandbox: Sandbox,
  ): void {
    const value = command.value as string;
    const shell = command.shell !== false;
    const argv = command.arguments ?? [];
    const launcher = this.options.launcher ?? sharedTaskLauncher();
    const taskProcess = launcher.launch(
      {
        file: shell ? '/bin/sh' : value,
        args: shell ? ['-c', value] : argv.slice(1),
        // Mesos execs `sh -c <value>` with argv[0] "sh", and `execvp(value, arguments)`
        // otherwise, where `arguments` already holds argv[0].
        argv0: shell ? 'sh' : (argv[0] ?? value),
        cwd: sandbox.dir,
        env,
        stdoutPath: join(sandbox.dir, 'stdout'),
        stderrPath: join(sandbox.dir, 'stderr'),
      },
      {
        started: (pid) => this.started(pid),
        failed: (why) => this.processFailed(why),
        exited: (code, signal) => this.exited(code, signal),
        signalFailed: (signal, why) => {
          this.logger.warn(`Could not send ${signal} to task '${this.taskId}': ${why}`);
        },
      },
    );
    // The launcher answers asynchronously, so TASK_STARTING still comes first; and a kill from
    // its listener already finds the process on its way.
    this.phase = { name: 'starting', process: taskProcess, killGracePeriodMs: undefined };
    this.emit({ state: 'TASK_STARTING', source: 'SOURCE_EXECUTOR' });
  }

  /** The process runs: TASK_RUNNING, then a kill that arrived while it was starting. */
  private started(pid: number): void {
    const phase = this.phase;
    if (phase.name !== 'starting') return;
    this.phase = { name: 'running', process: phase.process };
    this.logger.debug(
      `Task '${this.taskId}' is RUNNING as process ${pid} on agent '${this.spec.agentId}'`,
    );
    this.emit({
      state: 'TASK_RUNNING',
      source: 'SOURCE_EXECUTOR',
      containerStatus: {
        container_id: { value: this.spec.containerId },
        executor_pid: pid,
        network_infos: [{ ip_addresses: [{ ip_address: this.agentIp() }] }],
      },
    });
    const maxCompletionMs = durationMs(this.spec.task.max_completion_time?.nanoseconds);
    if (maxCompletionMs !== undefined && maxCompletionMs > 0 && this.phase.name === 'running') {
      this.maxCompletionTimer = setTimeout(
        () => this.maxCompletionReached(maxCompletionMs),
        timerDelay(maxCompletionMs),
      );
    }
    if (phase.killGracePeriodMs !== undefined) this.kill(phase.killGracePeriodMs);
  }

  /** The process did not start, or the launcher was lost while it ran. */
  private processFailed(why: string): void {
    const phase = this.phase;
    if (phase.name === 'starting') return this.executorFailed(why);
    if (phase.name !== 'running' && phase.name !== 'killing') return;
    if (phase.name === 'killing') clearTimeout(phase.escalation);
    this.clearMaxCompletionTimer();
    this.finish({
      state: 'TASK_FAILED',
      source: 'SOURCE_AGENT',
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: `Abnormal executor termination: ${why}`,
    });
  }

  private startKill(
    phase: Extract<Phase, { name: 'running' }>,
    gracePeriodMs: number,
    reportKilling: boolean,
  ): void {
    this.clearMaxCompletionTimer();
    const startedAt = Date.now();
    this.phase = {
      name: 'killing',
      process: phase.process,
      startedAt,
      deadline: startedAt + gracePeriodMs,
      escalation: setTimeout(() => this.escalate(), timerDelay(gracePeriodMs)),
    };
    this.logger.info(`Killing task '${this.taskId}' with a grace period of ${gracePeriodMs} ms`);
    // The master drops TASK_KILLING for frameworks without the TASK_KILLING_STATE capability.
    if (reportKilling) this.emit({ state: 'TASK_KILLING', source: 'SOURCE_EXECUTOR' });
    phase.process.signal('SIGTERM');
  }

  /** A repeated kill may bring SIGKILL forward, never push it back (a retried KILL is a no-op). */
  private shortenGracePeriod(
    phase: Extract<Phase, { name: 'killing' }>,
    gracePeriodMs: number,
  ): void {
    const deadline = phase.startedAt + gracePeriodMs;
    if (deadline >= phase.deadline) return;
    clearTimeout(phase.escalation);
    phase.deadline = deadline;
    phase.escalation = setTimeout(() => this.escalate(), timerDelay(deadline - Date.now()));
  }

  private escalate(): void {
    if (this.phase.name !== 'killing') return;
    this.logger.info(
      `Task '${this.taskId}' outlived its grace period; sending SIGKILL to its process group`,
    );
    this.phase.process.signal('SIGKILL');
  }

  private maxCompletionReached(maxCompletionMs: number): void {
    this.maxCompletionTimer = undefined;
    if (this.phase.name !== 'running') return;
    this.logger.info(
      `Killing task '${this.taskId}' which exceeded its maximum completion time of ` +
        `${maxCompletionMs} ms`,
    );
    this.killedByMaxCompletion = true;
    // Mesos kills with a zero grace period and sends no TASK_KILLING for this.
    this.startKill(this.phase, 0, false);
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    const phase = this.phase;
    if (phase.name !== 'running' && phase.name !== 'killing') return;
    if (phase.name === 'killing') clearTimeout(phase.escalation);
    this.clearMaxCompletionTimer();
    // The launcher has already killed whatever the task left behind in its process group.
    const message = `Command ${describeExit(code, signal)}`;
    // Mesos' order: a kill wins over the exit status (the signal may race the exit).
    if (this.killedByMaxCompletion) {
      this.finish({
        state: 'TASK_FAILED',
        source: 'SOURCE_EXECUTOR',
        reason: 'REASON_MAX_COMPLETION_TIME_REACHED',
        message,
      });
    } else if (phase.name === 'killing') {
      this.finish({ state: 'TASK_KILLED', source: 'SOURCE_EXECUTOR', message });
    } else if (code === 0) {
      this.finish({ state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', message });
    } else {
      this.finish({ state: 'TASK_FAILED', source: 'SOURCE_EXECUTOR', message });
    }
  }

  private launchFailed(why: string): void {
    this.finish({
      state: 'TASK_FAILED',
      source: 'SOURCE_AGENT',
      reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      message: `Failed to launch container: ${why}`,
    });
  }

  /** As Mesos' agent answers a kill of a task whose executor has not started yet. */
  private killedDuringLaunch(): void {
    this.finish({
      state: 'TASK_KILLED',
      source: 'SOURCE_AGENT',
      reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
      message: 'Killed before delivery to the executor',
    });
  }

  /** The command could not be forked: Mesos' executor aborts, and the agent fails the task. */
  private executorFailed(why: string): void {
    this.finish({
      state: 'TASK_FAILED',
      source: 'SOURCE_AGENT',
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: `Failed to launch task subprocess: ${why}`,
    });
  }

  private finish(update: CommandTaskUpdate): void {
    if (this.phase.name === 'terminated') return;
    this.phase = { name: 'terminated' };
    // Success is the common case and is not worth a line per task at info level.
    if (update.state === 'TASK_FINISHED') {
      this.logger.debug(`Task '${this.taskId}' is FINISHED: ${update.message ?? ''}`);
    } else {
      const state = update.state.slice('TASK_'.length);
      this.logger.info(`Task '${this.taskId}' is ${state}: ${update.message ?? ''}`);
    }
    this.emit(update);
    this.resolveDone(update);
  }

  private emit(update: CommandTaskUpdate): void {
    try {
      this.onUpdate(update);
    } catch (error) {
      this.logger.error(
        `The update listener of task '${this.taskId}' threw on ${update.state}: ` +
          (error as Error).message,
      );
    }
  }

  private environment(command: mesos.v1.CommandInfo.$Properties): Record<string, string> {
    const { spec } = this;
    const firstResource = spec.task.resources?.[0];
    const role = firstResource?.allocation_info?.role ?? firstResource?.role;
    return commandTaskEnvironment({
      frameworkId: spec.frameworkId,
      executorId: spec.executorId,
      agentId: spec.agentId,
      sandboxDir: this.sandboxDir,
      agentIp: this.agentIp(),
      agentPort: spec.agentPort,
      checkpoint: spec.frameworkCheckpoint ?? false,
      home: homeDir(),
      ...(role ? { allocationRole: role } : {}),
      ...(command.environment ? { environment: command.environment } : {}),
    });
  }

  private agentIp(): string {
    return this.spec.agentIp ?? '127.0.0.1';
  }

  private gracePeriodMs(override: number | undefined): number {
    if (override !== undefined) return Math.max(0, override);
    const policy = durationMs(this.spec.task.kill_policy?.grace_period?.nanoseconds);
    return policy === undefined ? DEFAULT_KILL_GRACE_PERIOD_MS : Math.max(0, policy);
  }

  private clearMaxCompletionTimer(): void {
    if (this.maxCompletionTimer) clearTimeout(this.maxCompletionTimer);
    this.maxCompletionTimer = undefined;
  }
}


/**
 * `DurationInfo.nanoseconds` in milliseconds. It is an int64: a number after our decoding, but
 * a Long or a decimal string can come from other decoders.
 */
function durationMs(nanoseconds: unknown): number | undefined {
  if (nanoseconds === undefined || nanoseconds === null) return undefined;
  const value =
    typeof nanoseconds === 'object' && 'toNumber' in nanoseconds
      ? (nanoseconds as { toNumber(): number }).toNumber()
      : Number(nanoseconds);
  return Number.isFinite(value) ? value / 1e6 : undefined;
}

/**
 * A delay `setTimeout` honours: Node fires longer ones (over ~24.8 days) at once, which would
 * turn a long grace period into an immediate SIGKILL.
 */
function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), 2 ** 31 - 1);
}

let home: string | undefined;

/** The agent user's home, looked up once: tasks run as that user. */
function homeDir(): string {
  return (home ??= userInfo().homedir);
}
