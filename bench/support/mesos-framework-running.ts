// The peer `mesos-framework` 0.5.3 launching N long-running tasks (e.g. `sleep 600`) and kept
// running until the caller stops it. `launchWithMesosFramework` (libs/testing) ends when every
// task has reached a terminal state, which long-running tasks never do; this variant lets the
// benchmark decide when the launch is over (all RUNNING on the master) and then tears the
// framework down. It configures the library as that launcher does and for the same reasons (see
// the quirks listed in libs/testing/src/mesos-framework/mesos-framework-launcher.ts): log file in
// a temporary folder, no console transport, no restarts, our user, disk and ports as numbers,
// a connection timeout beyond the run, `subscribe` shadowed before TEARDOWN.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../libs/testing/src/mesos-framework/mesos-framework.d.ts" />
import type { ClientRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Mesos, Scheduler, type SchedulerError } from 'mesos-framework';

/** Options of {@link startMesosFrameworkPeer}. */
export interface MesosFrameworkPeerOptions {
  /** `http://host:port` of the master. */
  masterUrl: string;
  tasks: number;
  command: string;
  cpus: number;
  mem: number;
  /** Seconds of idle subscription before the library gives up on the master; beyond the run. */
  connectionTimeoutSeconds: number;
}

/** A peer scheduler launching its tasks. */
export interface MesosFrameworkPeer {
  /** `performance.now()` when SUBSCRIBE was sent (the library's 100 ms start-up delay is before it). */
  subscribeSentAt(): number | undefined;
  /** `performance.now()` when SUBSCRIBED arrived. */
  subscribedAt(): number | undefined;
  /** When the first OFFERS event arrived. */
  firstOfferAt(): number | undefined;
  /** Tasks the library saw RUNNING. */
  running(): number;
  accepts(): number;
  /** The first errors the library emitted. */
  errors(): readonly string[];
  /** TEARDOWN (every task is killed by the master), then drops the subscription. */
  stop(): Promise<void>;
}

const STREAM_CLOSED = 'Long-running connection was closed!';
const TEARDOWN_WAIT_MS = 3_000;

function errorText(error: SchedulerError): string {
  return typeof error === 'string' ? error : error.message;
}

/** Starts `mesos-framework` with one task definition of `tasks` instances; it subscribes 100 ms later. */
export function startMesosFrameworkPeer(options: MesosFrameworkPeerOptions): MesosFrameworkPeer {
  const url = new URL(options.masterUrl);
  const logDir = mkdtempSync(join(tmpdir(), 'mesos-framework-'));
  const scheduler = new Scheduler({
    masterUrl: url.hostname,
    port: Number(url.port),
    frameworkName: 'mesoflow-bench-mesos-framework',
    user: userInfo().username,
    restartStates: [],
    masterConnectionTimeout: options.connectionTimeoutSeconds,
    logging: { path: logDir, fileName: 'mesos-framework.log', level: 'error' },
    tasks: {
      bench: {
        instances: options.tasks,
        priority: 1,
        commandInfo: new (Mesos.getMesos().CommandInfo)(null, null, true, options.command, null, null),
        resources: { cpus: options.cpus, mem: options.mem, disk: 0, ports: 0 },
      },
    },
  });
  scheduler.logger.remove('console');

  let subscribeSentAt: number | undefined;
  let subscribedAt: number | undefined;
  let firstOfferAt: number | undefined;
  let stopping = false;
  let accepts = 0;
  const running = new Set<string>();
  const errors: string[] = [];
  scheduler.on('error', (error) => {
    const text = errorText(error);
    if (stopping && text === STREAM_CLOSED) return;
    if (errors.length < 20) errors.push(text);
  });
  scheduler.on('ready', () => {
    subscribeSentAt = performance.now();
    scheduler.subscribe();
  });
  scheduler.on('subscribed', () => (subscribedAt = performance.now()));
  scheduler.on('offers', () => (firstOfferAt ??= performance.now()));
  scheduler.on('sent_accept', () => accepts++);
  scheduler.on('update', (update) => {
    if (update.status.state === 'TASK_RUNNING') running.add(update.status.task_id.value);
  });

  return {
    subscribeSentAt: () => subscribeSentAt,
    subscribedAt: () => subscribedAt,
    firstOfferAt: () => firstOfferAt,
    running: () => running.size,
    accepts: () => accepts,
    errors: () => errors,
    stop: async () => {
      stopping = true;
      scheduler.subscribe = () => undefined;
      if (scheduler.frameworkId !== null) {
        const tornDown = new Promise<void>((resolve) => {
          scheduler.once('sent_teardown', () => resolve());
          setTimeout(resolve, TEARDOWN_WAIT_MS);
        });
        scheduler.teardown();
        await tornDown;
      }
      (scheduler.httpRequest as Partial<ClientRequest>).destroy?.();
      scheduler.logger.close();
    },
  };
}
