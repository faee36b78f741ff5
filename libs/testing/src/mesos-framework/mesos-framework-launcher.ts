// Launches N command tasks through the npm package `mesos-framework` 0.5.3, the third-party
// peer our scheduler is compared against, used the way its README and examples/ intend: one
// Scheduler with the master's host and port, one task definition with `instances: N`, and the
// library's own OFFERS/UPDATE handlers (offer matching, ACCEPT/DECLINE, acknowledgements).
//
// Quirks of the library worked around here (lib/scheduler.js, lib/schedulerHandlers.js,
// lib/helpers.js):
// - Logging is winston 2 with a Console transport (error and debug to stderr, the rest to
//   stdout) plus a daily-rotating file, ./logs/mesos-framework.log under the cwd unless both
//   `logging.path` and `logging.fileName` are given; the folder must exist (an unhandled ENOENT
//   otherwise). We give it a file in a temporary folder and remove the Console transport right
//   after construction; the constructor logs nothing at level "error" without ZooKeeper.
// - It emits "error" on its EventEmitter (an unhandled one would throw) with an Error, a
//   `{ message }` object or a bare string; all three are collected here.
// - `masterConnectionTimeout` (default 10 s) is an idle timeout on the subscription socket.
//   When it fires (without Mesos DNS) it opens a request for a redirect that never sends its
//   headers, and calls process.exit(1) when that times out too. Mesos heartbeats every 15 s,
//   so an idle default scheduler kills its process after ~20 s; we set it beyond our deadline.
// - Whenever the subscription ends it subscribes again (with backoff), and it has no close
//   method: to stop, we shadow `subscribe` with a no-op, send TEARDOWN and destroy the request.
// - `resources.disk` and `resources.ports` must be numbers: `undefined <= n` is false, so a task
//   without them never fits an offer (it logs "has no fitting resources left" per offer).
// - `restartStates` defaults to relaunching FAILED/LOST/ERROR tasks; a benchmark must count
//   them instead, so it is set to [] and every terminal state ends a task.
// - `user` defaults to "root"; we pass the current user so a local stand-in runs tasks as us.
//
// Behaviour that shapes its timings (not worked around, it is what the peer does):
// - It removes launched tasks from the pending list inside `forEach` over that list, so each
//   offer only considers every other pending task: beyond the first offers each one launches
//   half of what is left (200 tasks of 0.1 cpus took 10 offers: 39,39,39,39,22,11,6,3,1,1).
// - Offer resources are compared with subtracted floats, so a 4-cpu offer fits 39 tasks of 0.1.
// - Task ids are `<frameworkName>.<taskName>-<i>.<uuid v4>`, spaces in the name become '-', and
//   tasks launch in string order of their names (bench-1, bench-10, bench-100, ...).
// - It acknowledges every update that has a uuid, one HTTP request each, after its bookkeeping.
// - It waits a fixed 100 ms after construction before emitting "ready" (when we subscribe).
//
// What a master must do for it: answer SUBSCRIBE with 200 and a Mesos-Stream-Id header, other
// calls with exactly 202; send JSON without being asked (it sends no Accept header); write each
// RecordIO record as its own HTTP chunk (two records in one chunk are dropped with the error
// "Other linebreak count found than expected!"); put `url.address.ip` in every offer (it sets a
// HOST variable from it; without it the handler throws, reported as "Couldn't parse as JSON").
// mesos-framework ships no types; the reference makes our declaration part of every program
// that imports this entry point.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./mesos-framework.d.ts" />
import type { ClientRequest } from 'node:http';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { waitFor } from '../wait-for';
import { Mesos, Scheduler } from 'mesos-framework';
import type { LogLevel, SchedulerError, UpdateJson } from 'mesos-framework';

/** Options of {@link launchWithMesosFramework}. */
export interface MesosFrameworkLaunchOptions {
  /** The leading master, `http://host:port` or `host:port` (the library speaks plain HTTP only). */
  masterUrl: string;
  /** How many instances of the task to launch. */
  tasks: number;
  /** A shell command, e.g. `true`. */
  command: string;
  cpus: number;
  mem: number;
  /** Give up (and resolve with `timedOut: true`) after this long. */
  timeoutMs: number;
  /**
   * Where the library's winston file log goes. Never to our stdout.
   * @default a new folder under the OS temp dir, level "info" (the library's default level)
   */
  log?: { dir?: string; level?: LogLevel };
  /** @default "mesoflow-bench-mesos-framework" */
  frameworkName?: string;
}

/** What one launch did. */
export interface MesosFrameworkLaunchResult {
  /** From SUBSCRIBE sent to the last task reaching a terminal state (or to the timeout). */
  seconds: number;
  /** From the call, including the library's start-up delay, to the same point. */
  wallSeconds: number;
  /** Tasks that reached TASK_FINISHED. */
  finished: number;
  /** Tasks that reached another terminal state, by state. */
  failed: Record<string, number>;
  /** ACKNOWLEDGE calls the master answered with 202. */
  acks: number;
  /** Status updates that carried a uuid (and so needed an acknowledgement). */
  acksExpected: number;
  offers: number;
  accepts: number;
  declines: number;
  timedOut: boolean;
  /** The first errors the library emitted, as text. */
  errors: string[];
  /** The folder holding the library's log file. */
  logDir: string;
}

const TASK_NAME = 'bench';
const TERMINAL_STATES = new Set([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);
const MAX_ERRORS_KEPT = 20;
const STREAM_CLOSED = 'Long-running connection was closed!';
/** How long to wait for outstanding ACKNOWLEDGE answers and for TEARDOWN at the end. */
const SETTLE_MS = 3_000;

function parseMasterUrl(masterUrl: string): { host: string; port: number } {
  const url = new URL(masterUrl.includes('://') ? masterUrl : `http://${masterUrl}`);
  if (url.protocol !== 'http:') {
    throw new Error(`mesos-framework speaks plain HTTP only, got master URL '${masterUrl}'`);
  }
  const port = url.port === '' ? 5050 : Number(url.port);
  // The library passes the host straight to http.request, which wants no IPv6 brackets.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

function errorText(error: SchedulerError): string {
  return typeof error === 'string' ? error : error.message;
}

function validate(options: MesosFrameworkLaunchOptions): void {
  if (!Number.isInteger(options.tasks) || options.tasks < 1) {
    throw new RangeError(`tasks must be a positive integer, got ${options.tasks}`);
  }
  if (!(options.cpus > 0) || !(options.mem > 0)) {
    throw new RangeError(`cpus and mem must be positive, got ${options.cpus} and ${options.mem}`);
  }
  if (!(options.timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be positive, got ${options.timeoutMs}`);
  }
}

/**
 * Launches `tasks` instances of a shell command through `mesos-framework` and resolves when every
 * one of them has reached a terminal state (or at the timeout). Rejects only when the library
 * cannot subscribe at all (connection refused, or a non-200 answer to SUBSCRIBE).
 */
export function launchWithMesosFramework(
  options: MesosFrameworkLaunchOptions,
): Promise<MesosFrameworkLaunchResult> {
  validate(options);
  const { host, port } = parseMasterUrl(options.masterUrl);
  const logDir = options.log?.dir ?? mkdtempSync(join(tmpdir(), 'mesos-framework-'));
  // The rotating file transport fails with an unhandled ENOENT when its folder is missing.
  mkdirSync(logDir, { recursive: true });
  const called = performance.now();
  // Generous so that the library never reaches its process.exit(1) path during our run.
  const connectionTimeoutSeconds = Math.ceil(options.timeoutMs / 1000) + 60;

  const scheduler = new Scheduler({
    masterUrl: host,
    port,
    frameworkName: options.frameworkName ?? 'mesoflow-bench-mesos-framework',
    user: userInfo().username,
    restartStates: [],
    masterConnectionTimeout: connectionTimeoutSeconds,
    logging: { path: logDir, fileName: 'mesos-framework.log', level: 'error' },
    tasks: {
      [TASK_NAME]: {
        instances: options.tasks,
        priority: 1,
        commandInfo: new (Mesos.getMesos().CommandInfo)(null, null, true, options.command, null, null),
        resources: { cpus: options.cpus, mem: options.mem, disk: 0, ports: 0 },
      },
    },
  });
  scheduler.logger.remove('console');
  const fileTransport = scheduler.logger.transports['dailyRotateFile'] as { level: LogLevel } | undefined;
  if (fileTransport) fileTransport.level = options.log?.level ?? 'info';

  const terminal = new Map<string, string>();
  const errors: string[] = [];
  let subscribeSentAt: number | null = null;
  let subscribed = false;
  let doneAt: number | null = null;
  let offers = 0;
  let accepts = 0;
  let declines = 0;
  let acks = 0;
  let acksExpected = 0;

  return new Promise<MesosFrameworkLaunchResult>((resolve, reject) => {
    let settled = false;
    let stopping = false;

    const result = (timedOut: boolean): MesosFrameworkLaunchResult => {
      const end = doneAt ?? performance.now();
      const failed: Record<string, number> = {};
      let finished = 0;
      for (const state of terminal.values()) {
        if (state === 'TASK_FINISHED') finished++;
        else failed[state] = (failed[state] ?? 0) + 1;
      }
      return {
        seconds: (end - (subscribeSentAt ?? called)) / 1000,
        wallSeconds: (end - called) / 1000,
        finished,
        failed,
        acks,
        acksExpected,
        offers,
        accepts,
        declines,
        timedOut,
        errors: [...errors],
        logDir,
      };
    };

    const finish = (outcome: { timedOut: boolean } | { error: Error }): void => {
      if (settled) return;
      settled = true;
      doneAt ??= performance.now();
      clearTimeout(deadline);
      void shutDown(!('error' in outcome)).then(() => {
        if ('error' in outcome) reject(outcome.error);
        else resolve(result(outcome.timedOut));
      });
    };

    const settle = async (condition: () => boolean, description: string): Promise<void> => {
      try {
        await waitFor(condition, { timeoutMs: SETTLE_MS, intervalMs: 10, description });
      } catch (error) {
        errors.push((error as Error).message);
      }
    };

    const shutDown = async (waitForAcks: boolean): Promise<void> => {
      stopping = true;
      if (waitForAcks) await settle(() => acks >= acksExpected, 'the master to answer every ACKNOWLEDGE');
      // It re-subscribes whenever the stream ends; shadow the method so it cannot.
      scheduler.subscribe = () => undefined;
      if (scheduler.frameworkId !== null) {
        let tornDown = false;
        scheduler.once('sent_teardown', () => (tornDown = true));
        scheduler.teardown();
        await settle(() => tornDown, 'the master to accept TEARDOWN');
      }
      const request = scheduler.httpRequest as Partial<ClientRequest>;
      request.destroy?.();
      scheduler.logger.close();
    };

    const deadline = setTimeout(() => finish({ timedOut: true }), options.timeoutMs);

    scheduler.on('error', (error) => {
      const text = errorText(error);
      // Our TEARDOWN ends the stream, which the library reports as an error.
      if (stopping && text === STREAM_CLOSED) return;
      if (errors.length < MAX_ERRORS_KEPT) errors.push(text);
      const subscribeFailed =
        !subscribed &&
        (text.startsWith('Error registering with mesos') ||
          text.startsWith('There was a problem with the request'));
      if (subscribeFailed) {
        finish({ error: new Error(`mesos-framework could not subscribe to ${host}:${port}: ${text}`) });
      }
    });
    scheduler.on('ready', () => {
      subscribeSentAt = performance.now();
      scheduler.subscribe();
    });
    scheduler.on('subscribed', () => (subscribed = true));
    scheduler.on('offers', (event) => (offers += event.offers.length));
    scheduler.on('sent_accept', () => accepts++);
    scheduler.on('sent_decline', () => declines++);
    scheduler.on('sent_acknowledge', () => acks++);
    scheduler.on('update', (update: UpdateJson) => {
      const { status } = update;
      if (status.uuid) acksExpected++;
      if (!TERMINAL_STATES.has(status.state) || terminal.has(status.task_id.value)) return;
      terminal.set(status.task_id.value, status.state);
      if (terminal.size === options.tasks) finish({ timedOut: false });
    });
  });
}
