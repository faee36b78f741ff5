import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { ChildMetrics } from './metrics';
import type { ChildRole, ChildSettings, RestartBackoff } from './options';
import { RestartDelays, shellExitCode, spawnFailureExitCode } from './restart-policy';

/**
 * Where a child is in its life.
 * - `pending`: not spawned yet (an earlier child is not ready).
 * - `starting`: spawned; the OS has not confirmed that the process runs.
 * - `running`: the process runs.
 * - `backoff`: it exited or could not be spawned; a restart is scheduled.
 * - `stopping`: SIGTERM was sent; SIGKILL follows after the grace period.
 * - `stopped`: it will not run again.
 */
export type ChildState = 'pending' | 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

/** A snapshot of one child, from {@link Supervisor.children}. */
export interface ChildStatus {
  readonly name: string;
  readonly role: ChildRole;
  /** The current process's id, while there is one. */
  readonly pid: number | undefined;
  readonly state: ChildState;
  /** Times the child was started again after exiting or failing to spawn. */
  readonly restarts: number;
}

/** What a {@link SupervisedChild} needs from its supervisor. */
export interface ChildContext {
  readonly logger: Logger;
  readonly restartBackoff: RestartBackoff;
  readonly stableMs: number;
  readonly metrics: ChildMetrics;
  /** Called when a `job` child ended on its own, with its exit code as a shell would report it. */
  onJobEnd(exitCode: number, reason: string): void;
}

type Life =
  | { readonly state: 'pending' }
  | { readonly state: 'starting'; readonly child: ChildProcess }
  | { readonly state: 'running'; readonly child: ChildProcess; readonly since: number }
  | { readonly state: 'backoff'; readonly timer: NodeJS.Timeout }
  | {
      readonly state: 'stopping';
      readonly child: ChildProcess;
      readonly killTimer: NodeJS.Timeout;
      readonly stopped: Promise<void>;
      readonly resolveStopped: () => void;
    }
  | { readonly state: 'stopped' };

type Ending =
  | { readonly kind: 'exit'; readonly pid: number | undefined; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly kind: 'spawn-failed'; readonly error: NodeJS.ErrnoException };

/** One child process and its restarts: spawned with inherited stdio, restarted with backoff, stopped with a grace period. */
export class SupervisedChild {
  private life: Life = { state: 'pending' };
  private readonly logger: Logger;
  private readonly delays: RestartDelays;
  private restarts = 0;

  constructor(
    readonly settings: ChildSettings,
    private readonly context: ChildContext,
  ) {
    this.logger = context.logger.child({ child: settings.name });
    this.delays = new RestartDelays(context.restartBackoff, context.stableMs);
  }

  /** Spawns the process, unless it was started or stopped before. */
  start(): void {
    if (this.life.state === 'pending') this.spawn();
  }

  /**
   * Sends SIGTERM, then SIGKILL after `graceMs`, and resolves when the process has exited; a
   * scheduled restart is cancelled. The child is never started again.
   */
  stop(graceMs: number): Promise<void> {
    const life = this.life;
    switch (life.state) {
      case 'pending':
        this.life = { state: 'stopped' };
        return Promise.resolve();
      case 'backoff':
        clearTimeout(life.timer);
        this.life = { state: 'stopped' };
        return Promise.resolve();
      case 'stopped':
        return Promise.resolve();
      case 'stopping':
        return life.stopped;
      case 'starting':
      case 'running': {
        const { child } = life;
        let resolveStopped = (): void => undefined;
        const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
        const killTimer = setTimeout(() => {
          this.logger.warn(
            { childPid: child.pid, graceMs },
            `Child '${this.settings.name}' (pid ${child.pid}) did not exit within ${graceMs} ms of SIGTERM; sending SIGKILL`,
          );
          signal(child, 'SIGKILL');
        }, graceMs);
        this.life = { state: 'stopping', child, killTimer, stopped, resolveStopped };
        signal(child, 'SIGTERM');
        return stopped;
      }
    }
  }

  /** SIGKILLs the process at once, if there is one: the last resort when the supervisor's own process exits. */
  kill(): void {
    if ('child' in this.life) signal(this.life.child, 'SIGKILL');
  }

  /** A snapshot for {@link Supervisor.children}. */
  status(): ChildStatus {
    return {
      name: this.settings.name,
      role: this.settings.role,
      pid: 'child' in this.life ? this.life.child.pid : undefined,
      state: this.life.state,
      restarts: this.restarts,
    };
  }

  private spawn(): void {
    const { name, command, args, env, cwd } = this.settings;
    let child: ChildProcess;
    try {
      // Inherited stdio: the children's log lines reach the supervisor's output untouched, and
      // none are lost in a pipe if the supervisor dies.
      child = spawn(command, args, { env, cwd, stdio: 'inherit' });
    } catch (error) {
      this.ended({ kind: 'spawn-failed', error: error as NodeJS.ErrnoException });
      return;
    }
    this.life = { state: 'starting', child };
    // Without a pid the spawn failed, and 'error' follows.
    if (child.pid !== undefined) {
      this.logger.info({ childPid: child.pid, command }, `Child '${name}' started with pid ${child.pid} (command '${command}')`);
    }
    let spawned = false;
    child.once('spawn', () => {
      spawned = true;
      this.context.metrics.up(name, true);
      if (this.life.state === 'starting') this.life = { state: 'running', child, since: Date.now() };
    });
    child.once('exit', (code, signal) => {
      this.context.metrics.up(name, false);
      this.ended({ kind: 'exit', pid: child.pid, code, signal });
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (!spawned) this.ended({ kind: 'spawn-failed', error });
      else this.logger.warn({ childPid: child.pid, code: error.code }, `Child '${name}' (pid ${child.pid}) could not be signalled: ${error.code}`);
    });
  }

  private ended(ending: Ending): void {
    const life = this.life;
    const { name, role, command } = this.settings;
    const what = `${role === 'job' ? 'Job child' : 'Child'} '${name}'${ending.kind === 'exit' ? ` (pid ${ending.pid})` : ''}`;
    // Error codes only: a spawn error's message and properties may repeat the arguments.
    const how =
      ending.kind === 'spawn-failed'
        ? `could not be started (command '${command}'): ${ending.error.code ?? 'unknown error'}`
        : ending.signal !== null
          ? `was ended by ${ending.signal}`
          : `exited with code ${ending.code}`;
    const fields =
      ending.kind === 'exit'
        ? { childPid: ending.pid, exitCode: ending.code, signal: ending.signal, restarts: this.restarts }
        : { command, code: ending.error.code, restarts: this.restarts };
    switch (life.state) {
      case 'stopped':
        return;
      case 'stopping':
        clearTimeout(life.killTimer);
        this.life = { state: 'stopped' };
        this.logger.info(fields, `${what} stopped; it ${how}`);
        life.resolveStopped();
        return;
      // spawn() threw (e.g. E2BIG) before there was a process.
      case 'pending':
      case 'backoff':
      case 'starting':
      case 'running':
        break;
    }
    if (role === 'job') {
      this.life = { state: 'stopped' };
      const exitCode = ending.kind === 'exit' ? shellExitCode(ending.code, ending.signal) : spawnFailureExitCode(ending.error);
      this.logger[exitCode === 0 ? 'info' : 'warn']({ ...fields, jobExitCode: exitCode }, `${what} ${how}`);
      this.context.onJobEnd(exitCode, `job child '${name}' ${how}`);
      return;
    }
    if (this.settings.restart === 'on-failure' && ending.kind === 'exit' && ending.code === 0) {
      this.life = { state: 'stopped' };
      this.logger.info(fields, `${what} ${how}; it is not restarted (restart: on-failure)`);
      return;
    }
    const uptimeMs = life.state === 'running' ? Date.now() - life.since : undefined;
    const delayMs = this.delays.afterExit(uptimeMs);
    const timer = setTimeout(() => {
      this.restarts += 1;
      this.context.metrics.restarted(name);
      this.spawn();
    }, delayMs);
    this.life = { state: 'backoff', timer };
    this.logger[ending.kind === 'exit' ? 'warn' : 'error'](
      { ...fields, uptimeMs, delayMs },
      `${what} ${how}${uptimeMs === undefined ? '' : ` after ${uptimeMs} ms`}; restart ${this.restarts + 1} in ${delayMs} ms`,
    );
  }
}

/**
 * Signals `child` if it has a process. A spawn that failed has no pid until its 'error' event,
 * one tick later, and Node's `kill()` in that window signals pid 0: the supervisor's whole
 * process group, itself included.
 */
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.pid !== undefined) child.kill(name);
}
