import type { Logger } from 'pino';
import { SupervisorError, SupervisorErrorCode } from './errors';
import { createChildMetrics } from './metrics';
import { resolveOptions, type SupervisorOptions, type SupervisorSettings } from './options';
import { waitUntilReady } from './readiness';
import { SupervisedChild, type ChildStatus } from './supervised-child';

/** How a {@link Supervisor} ended. */
export interface SupervisorExit {
  /**
   * What the supervisor's process should exit with: 0 after a requested stop (signals included),
   * the job child's exit code when it ended the supervisor (128 + the signal's number when a
   * signal ended it, 127 when it could not be found), 1 when start failed.
   */
  readonly exitCode: number;
  /** A sentence saying why, for the last log line. */
  readonly reason: string;
}

/**
 * Runs child processes, e.g. the services of a session cluster: starts them in order (each
 * after the previous one's `readyUrl` answers), restarts a `service` child whenever it exits,
 * and stops every child on {@link stop}, on a stop signal, or when the `job` child exits.
 *
 * Guarantees about orphans:
 * - {@link stop}, a stop signal and a job's end resolve {@link done} only once every child
 *   process has exited (SIGKILLed after `stopGraceMs` if need be).
 * - If the supervisor's process exits any other way that runs Node's `exit` event
 *   (`process.exit()`, an uncaught exception or unhandled rejection), every child still running
 *   is SIGKILLed on the way out, without a grace period.
 * - Not covered: SIGKILL of the supervisor (or a crash of Node itself) leaves the children
 *   running; they share the supervisor's process group and session, so whoever kills that
 *   (Mesos' executor, a terminal) reaches them too. Only the direct child is signalled; a child
 *   that forks must stop its own descendants.
 *
 * ```ts
 * const supervisor = await Supervisor.start({ children, logger });
 * const { exitCode } = await supervisor.done;
 * process.exit(exitCode);
 * ```
 */
export class Supervisor {
  private readonly logger: Logger;
  private readonly supervised: readonly SupervisedChild[];
  /** Aborted once stopping begins, so that a start in progress spawns nothing more. */
  private readonly startAborted = new AbortController();
  private stopping: Promise<void> | undefined;
  private resolveDone: (exit: SupervisorExit) => void = () => undefined;
  /** Resolves once every child has exited after a stop, a stop signal or the job's end; never rejects. */
  readonly done = new Promise<SupervisorExit>((resolve) => (this.resolveDone = resolve));
  private readonly killOnExit = (): void => {
    for (const child of this.supervised) child.kill();
  };
  private readonly signalHandlers: ReadonlyArray<readonly [NodeJS.Signals, () => void]>;

  /**
   * Validates the options, then starts the children in order, waiting for each `readyUrl` to
   * answer before starting the next. Resolves once every child is started, or earlier when
   * stopping began meanwhile (a signal, or the job ended): then {@link done} tells how it ended.
   *
   * @throws SupervisorError `INVALID_OPTIONS` before anything is spawned; `NOT_READY` after a
   * `readyUrl` did not answer in time and every child was stopped again.
   */
  static async start(options: SupervisorOptions): Promise<Supervisor> {
    const supervisor = new Supervisor(resolveOptions(options));
    await supervisor.startChildren();
    return supervisor;
  }

  private constructor(private readonly settings: SupervisorSettings) {
    this.logger = settings.logger.child({ component: 'process-supervisor' });
    const metrics = createChildMetrics(
      settings.metrics,
      settings.children.map((child) => child.name),
    );
    const context = {
      logger: this.logger,
      restartBackoff: settings.restartBackoff,
      stableMs: settings.stableMs,
      metrics,
      onJobEnd: (exitCode: number, reason: string) => void this.end(exitCode, reason),
    };
    this.supervised = settings.children.map((child) => new SupervisedChild(child, context));
    this.signalHandlers = settings.stopOnSignals.map((signal) => [signal, () => void this.stop(`received ${signal}`)] as const);
  }

  /** A snapshot of every child, in start order. */
  children(): ChildStatus[] {
    return this.supervised.map((child) => child.status());
  }

  /**
   * Stops every child: SIGTERM to all at once, SIGKILL to those still running after
   * `stopGraceMs`. Resolves when all have exited, like {@link done}. Later calls return the first
   * call's promise; a stop after the job's end keeps the job's exit code.
   *
   * @param reason why, for the log and {@link SupervisorExit.reason}.
   */
  stop(reason = 'stop requested'): Promise<void> {
    return this.end(0, reason);
  }

  private async startChildren(): Promise<void> {
    process.on('exit', this.killOnExit);
    for (const [signal, handler] of this.signalHandlers) process.on(signal, handler);
    const names = this.supervised.map((child) => `'${child.settings.name}'`).join(', ');
    this.logger.info(`Starting ${this.supervised.length} children in order: ${names}`);
    for (const child of this.supervised) {
      if (this.startAborted.signal.aborted) return;
      child.start();
      const { name, readyUrl } = child.settings;
      if (readyUrl === undefined) continue;
      const since = Date.now();
      const { readyTimeoutMs } = this.settings;
      if (await waitUntilReady(readyUrl, readyTimeoutMs, this.startAborted.signal)) {
        this.logger.info({ readyUrl: readyUrl.href }, `Child '${name}' answers ${readyUrl.href} after ${Date.now() - since} ms`);
        continue;
      }
      if (this.startAborted.signal.aborted) return;
      const message = `Child '${name}' did not answer ${readyUrl.href} within ${readyTimeoutMs} ms`;
      this.logger.error({ readyUrl: readyUrl.href, readyTimeoutMs }, message);
      await this.end(1, message);
      throw new SupervisorError(SupervisorErrorCode.NOT_READY, message, name);
    }
    this.logger.info(`Start sequence of ${this.supervised.length} children complete`);
  }

  private end(exitCode: number, reason: string): Promise<void> {
    this.stopping ??= this.stopAll(exitCode, reason);
    return this.stopping;
  }

  private async stopAll(exitCode: number, reason: string): Promise<void> {
    this.startAborted.abort();
    this.logger.info({ reason }, `Stopping every child: ${reason}`);
    await Promise.all(this.supervised.map((child) => child.stop(this.settings.stopGraceMs)));
    process.off('exit', this.killOnExit);
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    this.logger.info({ exitCode, reason }, `Every child has stopped; exit code ${exitCode}`);
    this.resolveDone({ exitCode, reason });
  }
}
