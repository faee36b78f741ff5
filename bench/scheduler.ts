// `npm run bench -- scheduler`: the real scheduler process (apps/scheduler/src/main.ts) against
// the local Mesos stand-in as its own process (bin/mesos-local, 100 agents, sandboxes on tmpfs).
//
// - launch: 1,000 workers of `exec sleep 600` (0.1 cpus, 32 MB, 2 ports each), ours and the npm
//   package `mesos-framework` alternately, each on a fresh stand-in, `--rounds` times. The end
//   point for both is 1,000 tasks TASK_RUNNING on the master (its /metrics gauge, polled every
//   50 ms). The start point is the first offer (the "from first offer to all RUNNING"):
//   for ours, the moment its "First offers since subscribing" log line is read; for the peer, its
//   first `offers` event. From SUBSCRIBED (which adds the wait for the stand-in's first 1 s
//   allocation) and ours from its process start (node + tsx + Nest bootstrap + store open) are
//   reported too. ratio = median ours / median mesos-framework (target <= 0.4).
// - decision: OFFERS-to-ACCEPT decision time for 100-offer events, measured in-process with
//   `placeWorkers` (what the scheduler calls per OFFERS batch) on 100 offers shaped like the
//   stand-in's (one per agent) and 1,000 pending workers of the launch's profile: p50/p99 of
//   1,000 calls (target p99 <= 2 ms). The scheduler's own histogram
//   (mesoflow_scheduler_offer_decision_seconds on its /metrics) from the launch rounds is
//   reported beside it: its count, mean, and the share of decisions within 2 ms.
// - failover: 500 workers RUNNING, SIGKILL, restart on the same store: time from the restart
//   (spawn) to the log line "Every launched worker is confirmed", and the tasks launched after
//   the restart (relaunches; target 0), `--rounds` times (target <= 2 s).
// - rss: VmRSS of the scheduler with 1,000 workers RUNNING and nothing pending (target <= 150 MB).
// The scheduler runs as operators run it: the bundle (`npm run bundle -- scheduler`, rebuilt here
// when stale) with dist/scheduler/run's V8 flags.
import { placeWorkers } from '@mesoflow/mesos-placement';
import { freePort, SchedulerProcess, waitFor, type SchedulerLogLine } from '@mesoflow/testing';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startMesosFrameworkPeer } from './support/mesos-framework-running';
import { stateFrameworks, type StateTask } from '@mesoflow/mesos-local';
import { startMesosLocalProcess } from './support/mesos-local-process';
import { processTreeCpuSeconds } from './support/process-cpu';
import { pendingWorkers, STAND_IN_AGENT_RESOURCES, standInOffers } from './support/stand-in-offers';

const AGENTS = 100;
const LAUNCH_WORKERS = 1_000;
const FAILOVER_WORKERS = 500;
const TASK = { command: 'exec sleep 600', cpus: 0.1, mem: 32 };
const TIMEOUT_MS = 180_000;
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'work-root': { type: 'string' } } });
const ROUNDS = Number(args.rounds);
const WORK_ROOT = args['work-root'] ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const round3 = (value: number): number => Number(value.toFixed(3));

async function onFreshCluster<T>(run: (master: string, standInPid: number) => Promise<T>): Promise<T> {
  const workDir = mkdtempSync(join(WORK_ROOT, 'mesoflow-bench-scheduler-'));
  const cluster = await startMesosLocalProcess([
    ...['--agents', String(AGENTS), '--resources', STAND_IN_AGENT_RESOURCES, '--work-dir', workDir],
  ]);
  try {
    return await run(cluster.url, cluster.pid);
  } finally {
    await cluster.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function getText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.text();
}

/** A sample's value from Prometheus text, e.g. `mesos_local_tasks{state="TASK_RUNNING"}`. */
function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

async function runningOnMaster(master: string): Promise<number> {
  return metricValue(await getText(`${master}/metrics`), 'mesos_local_tasks{state="TASK_RUNNING"}');
}

async function waitForRunning(master: string, count: number): Promise<number> {
  await waitFor(async () => (await runningOnMaster(master)) >= count, {
    timeoutMs: TIMEOUT_MS,
    intervalMs: 50,
    description: `${count} tasks RUNNING on the master`,
  });
  return performance.now();
}

async function tasksOnMaster(master: string, frameworkId: string): Promise<readonly StateTask[]> {
  const state = JSON.parse(await getText(`${master}/state`)) as Record<string, unknown>;
  return stateFrameworks(state).find((f) => f.id === frameworkId)?.tasks ?? [];
}

const SUBSCRIBED = /^Framework '(.+)' is (?:re-)?subscribed at master/;

function lastIndex(lines: readonly SchedulerLogLine[], pattern: RegExp): number {
  for (let i = lines.length - 1; i >= 0; i--) if (pattern.test(lines[i]?.msg ?? '')) return i;
  return -1;
}

/** Nothing pending: offers suppressed after the last worker was recorded. */
function quiet(lines: readonly SchedulerLogLine[]): boolean {
  const suppressed = lastIndex(lines, /^No worker is pending; offers are suppressed$/);
  return suppressed > Math.max(lastIndex(lines, /recorded and waits? for an offer$/), lastIndex(lines, /offers are revived$/));
}

async function startOurs(master: string, storeDir: string, workers: number, logFile: string): Promise<{ scheduler: SchedulerProcess; httpPort: number }> {
  const httpPort = await freePort();
  const scheduler = SchedulerProcess.start({
    // As operators run it: the bundle (dist/scheduler/run's node and V8 flags), not tsx.
    bundle: true,
    storeDir,
    workers,
    httpPort,
    logFile,
    properties: {
      'mesos.master': master,
      'jobmanager.rpc.port': await freePort(),
      'mesos.resourcemanager.framework.name': 'mesoflow-bench-scheduler',
      'mesos.resourcemanager.tasks.cpus': TASK.cpus,
      'mesos.resourcemanager.tasks.mem': `${TASK.mem}m`,
      'mesos.resourcemanager.tasks.taskmanager-cmd': TASK.command,
      'mesos.maximum-failed-tasks': -1,
      // The tasks are `sleep`, not TaskManagers: they never register.
      'resourcemanager.taskmanager-registration.timeout': '1h',
    },
  });
  return { scheduler, httpPort };
}

interface Histogram {
  count: number;
  sum: number;
  within2ms: number;
}

async function decisionHistogram(httpPort: number): Promise<Histogram> {
  const text = await getText(`http://127.0.0.1:${httpPort}/metrics`);
  const name = 'mesoflow_scheduler_offer_decision_seconds';
  return {
    count: metricValue(text, `${name}_count`),
    sum: metricValue(text, `${name}_sum`),
    within2ms: metricValue(text, `${name}_bucket{le="0.002"}`),
  };
}

interface OursLaunch {
  fromFirstOfferS: number;
  fromSubscribedS: number;
  fromStartS: number;
  rssMiB: number;
  decisions: Histogram;
  /** CPU seconds from the first offer to all RUNNING: the stand-in's (with its task processes) and the scheduler's. */
  standInCpuS: number;
  schedulerCpuS: number;
}

async function launchOurs(master: string, standInPid: number): Promise<OursLaunch> {
  const folder = mkdtempSync(join(tmpdir(), 'mesoflow-bench-scheduler-store-'));
  const { scheduler, httpPort } = await startOurs(master, join(folder, 'store'), LAUNCH_WORKERS, join(folder, 'scheduler.log'));
  try {
    const subscribed = await scheduler.waitForLine((l) => SUBSCRIBED.test(l.msg), 60_000, 'its subscription');
    const firstOffer = await scheduler.waitForLine((l) => /^First offers since subscribing/.test(l.msg), 60_000, 'its first offers');
    const standInCpu = processTreeCpuSeconds(standInPid);
    const schedulerCpu = processTreeCpuSeconds(scheduler.pid);
    const end = await waitForRunning(master, LAUNCH_WORKERS);
    const standInCpuS = processTreeCpuSeconds(standInPid) - standInCpu;
    const schedulerCpuS = processTreeCpuSeconds(scheduler.pid) - schedulerCpu;
    await waitFor(() => quiet(scheduler.lines), { timeoutMs: 30_000, description: 'nothing pending' });
    const rssMiB = scheduler.rssMiB() ?? NaN;
    const decisions = await decisionHistogram(httpPort);
    await scheduler.stop();
    rmSync(folder, { recursive: true, force: true });
    return {
      fromFirstOfferS: (end - firstOffer.seenAt) / 1000,
      fromSubscribedS: (end - subscribed.seenAt) / 1000,
      fromStartS: (end - scheduler.startedAt) / 1000,
      rssMiB,
      decisions,
      standInCpuS,
      schedulerCpuS,
    };
  } catch (error) {
    await scheduler.kill();
    throw new Error(`ours failed (log and store in ${folder}): ${(error as Error).message}`, { cause: error });
  }
}

interface PeerLaunch {
  fromFirstOfferS: number;
  fromSubscribedS: number;
  fromCallS: number;
  accepts: number;
  /** CPU seconds from the call to all RUNNING (the stand-in is idle until the peer subscribes). */
  standInCpuS: number;
  schedulerCpuS: number;
}

async function launchPeer(master: string, standInPid: number): Promise<PeerLaunch> {
  const called = performance.now();
  const standInCpu = processTreeCpuSeconds(standInPid);
  const ownCpu = process.cpuUsage();
  const peer = startMesosFrameworkPeer({ masterUrl: master, ...TASK, tasks: LAUNCH_WORKERS, connectionTimeoutSeconds: TIMEOUT_MS / 1000 + 60 });
  try {
    const end = await waitForRunning(master, LAUNCH_WORKERS);
    const standInCpuS = processTreeCpuSeconds(standInPid) - standInCpu;
    const used = process.cpuUsage(ownCpu);
    const subscribedAt = peer.subscribedAt() ?? peer.subscribeSentAt() ?? called;
    return {
      fromFirstOfferS: (end - (peer.firstOfferAt() ?? subscribedAt)) / 1000,
      fromSubscribedS: (end - subscribedAt) / 1000,
      fromCallS: (end - called) / 1000,
      accepts: peer.accepts(),
      standInCpuS,
      // The peer runs in this process, which also polls the master's /metrics (as for ours).
      schedulerCpuS: (used.user + used.system) / 1e6,
    };
  } catch (error) {
    throw new Error(`mesos-framework failed (${peer.errors().slice(0, 3).join('; ')}): ${(error as Error).message}`, { cause: error });
  } finally {
    await peer.stop();
  }
}

interface Failover {
  restartToConfirmedS: number;
  subscribedToConfirmedS: number;
  relaunches: number;
}

async function failover(master: string): Promise<Failover> {
  const folder = mkdtempSync(join(tmpdir(), 'mesoflow-bench-scheduler-failover-'));
  const storeDir = join(folder, 'store');
  const first = (await startOurs(master, storeDir, FAILOVER_WORKERS, join(folder, 'first.log'))).scheduler;
  let second: SchedulerProcess | undefined;
  try {
    const subscribed = await first.waitForLine((l) => SUBSCRIBED.test(l.msg), 60_000, 'its subscription');
    const frameworkId = SUBSCRIBED.exec(subscribed.msg)?.[1] ?? '';
    await waitForRunning(master, FAILOVER_WORKERS);
    await waitFor(() => quiet(first.lines), { timeoutMs: 30_000, description: 'nothing pending' });
    const before = new Set((await tasksOnMaster(master, frameworkId)).map((task) => task.id));
    await first.kill();

    second = (await startOurs(master, storeDir, FAILOVER_WORKERS, join(folder, 'second.log'))).scheduler;
    const resubscribed = await second.waitForLine((l) => SUBSCRIBED.test(l.msg), 60_000, 'its subscription');
    const confirmed = await second.waitForLine((l) => /^Every launched worker is confirmed/.test(l.msg), 60_000, 'every launched worker confirmed');
    const after = await tasksOnMaster(master, frameworkId);
    const relaunched = after.filter((task) => !before.has(task.id)).length;
    const launchedLines = second.lines.reduce((sum, l) => sum + (/^Launched (.+) on agent/.exec(l.msg)?.[1]?.split(', ').length ?? 0), 0);
    await second.stop();
    rmSync(folder, { recursive: true, force: true });
    return {
      restartToConfirmedS: (confirmed.seenAt - second.startedAt) / 1000,
      subscribedToConfirmedS: (confirmed.seenAt - resubscribed.seenAt) / 1000,
      relaunches: Math.max(relaunched, launchedLines),
    };
  } catch (error) {
    await first.kill();
    await second?.kill();
    throw new Error(`failover failed (logs and store in ${folder}): ${(error as Error).message}`, { cause: error });
  }
}

function decisionTimes(): { p50Ms: number; p99Ms: number; placed: number } {
  const pending = pendingWorkers(LAUNCH_WORKERS, { cpus: TASK.cpus, mem: TASK.mem, ports: 2 });
  const events = Array.from({ length: 20 }, (_, i) => standInOffers(i, AGENTS));
  const samples: number[] = [];
  let placed = 0;
  for (let i = 0; i < 1_200; i++) {
    const offers = events[i % events.length] ?? [];
    const started = performance.now();
    const result = placeWorkers(offers, pending, { constraints: [], networkResourceName: 'network', now: Date.now() }, []);
    const ms = performance.now() - started;
    if (i >= 200) samples.push(ms);
    placed = result.launches.reduce((sum, launch) => sum + launch.workers.length, 0);
  }
  samples.sort((a, b) => a - b);
  return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), placed };
}

async function main(): Promise<void> {
  console.log(
    `scheduler: ${LAUNCH_WORKERS} workers of '${TASK.command}' across ${AGENTS} agents, ${ROUNDS} rounds each, ` +
      `failover with ${FAILOVER_WORKERS}, sandboxes under ${WORK_ROOT}`,
  );
  const decision = decisionTimes();
  console.log(`decision: placeWorkers on 100-offer events, p50 ${decision.p50Ms.toFixed(3)} ms, p99 ${decision.p99Ms.toFixed(3)} ms (${decision.placed} placed per event)`);

  const ours: OursLaunch[] = [];
  const theirs: PeerLaunch[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const mine = await onFreshCluster(launchOurs);
    ours.push(mine);
    const peer = await onFreshCluster(launchPeer);
    theirs.push(peer);
    console.log(
      `round ${round}: ours ${mine.fromFirstOfferS.toFixed(2)} s from the first offer (${mine.fromSubscribedS.toFixed(2)} s from SUBSCRIBED, ` +
        `${mine.fromStartS.toFixed(2)} s from process start, RSS ${mine.rssMiB.toFixed(0)} MiB, ${mine.decisions.count} decisions, ` +
        `${mine.decisions.within2ms} within 2 ms; CPU: stand-in ${mine.standInCpuS.toFixed(2)} s, scheduler ${mine.schedulerCpuS.toFixed(2)} s), mesos-framework ${peer.fromFirstOfferS.toFixed(2)} s from the first offer ` +
        `(${peer.fromSubscribedS.toFixed(2)} s from SUBSCRIBED, ${peer.fromCallS.toFixed(2)} s from the call, ${peer.accepts} accepts; ` +
        `CPU: stand-in ${peer.standInCpuS.toFixed(2)} s, scheduler ${peer.schedulerCpuS.toFixed(2)} s)`,
    );
  }
  const failovers: Failover[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const result = await onFreshCluster(failover);
    failovers.push(result);
    console.log(
      `failover ${round}: ${result.restartToConfirmedS.toFixed(2)} s from restart to every launched worker confirmed ` +
        `(${result.subscribedToConfirmedS.toFixed(2)} s from re-subscription), ${result.relaunches} relaunched`,
    );
  }

  const decisionCount = ours.reduce((sum, r) => sum + r.decisions.count, 0);
  const decisionSum = ours.reduce((sum, r) => sum + r.decisions.sum, 0);
  const within2ms = ours.reduce((sum, r) => sum + r.decisions.within2ms, 0);
  const figures = {
    launch_1000_s: round3(median(ours.map((r) => r.fromFirstOfferS))),
    mesos_framework_s: round3(median(theirs.map((r) => r.fromFirstOfferS))),
    ratio: round3(median(ours.map((r) => r.fromFirstOfferS)) / median(theirs.map((r) => r.fromFirstOfferS))),
    launch_1000_from_subscribed_s: round3(median(ours.map((r) => r.fromSubscribedS))),
    stand_in_cpu_s_ours: round3(median(ours.map((r) => r.standInCpuS))),
    stand_in_cpu_s_mesos_framework: round3(median(theirs.map((r) => r.standInCpuS))),
    scheduler_cpu_s_ours: round3(median(ours.map((r) => r.schedulerCpuS))),
    scheduler_cpu_s_mesos_framework: round3(median(theirs.map((r) => r.schedulerCpuS))),
    mesos_framework_from_subscribed_s: round3(median(theirs.map((r) => r.fromSubscribedS))),
    decision_p50_ms: round3(decision.p50Ms),
    decision_p99_ms: round3(decision.p99Ms),
    failover_reconcile_s: round3(median(failovers.map((r) => r.restartToConfirmedS))),
    relaunches: Math.max(...failovers.map((r) => r.relaunches)),
    rss_mb: Math.round(median(ours.map((r) => r.rssMiB))),
    launch_1000_from_process_start_s: round3(median(ours.map((r) => r.fromStartS))),
    mesos_framework_from_call_s: round3(median(theirs.map((r) => r.fromCallS))),
    failover_from_resubscribed_s: round3(median(failovers.map((r) => r.subscribedToConfirmedS))),
    decision_metric_count: decisionCount,
    decision_metric_mean_ms: round3(decisionCount > 0 ? (decisionSum / decisionCount) * 1000 : NaN),
    decision_metric_within_2ms: decisionCount > 0 ? round3(within2ms / decisionCount) : null,
    decision_source: 'placeWorkers in-process on 100-offer events (p50/p99); the scheduler histogram for the metric_* figures',
    workers: LAUNCH_WORKERS,
    failover_workers: FAILOVER_WORKERS,
    agents: AGENTS,
    rounds: ROUNDS,
    work_root: WORK_ROOT,
    target_ratio: 0.4,
    target_decision_p99_ms: 2,
    target_failover_s: 2,
    target_rss_mb: 150,
  };
  console.log(`BENCH ${JSON.stringify(figures)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
