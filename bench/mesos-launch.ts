// `npm run bench -- mesos-launch`: 1,000 short command tasks across 100 agents of the local
// Mesos stand-in, launched by a minimal scheduler on our client and by the npm package
// `mesos-framework`, alternately in the same run, each on a fresh stand-in. The figure that
// decides is the ratio of medians (ours / theirs, lower is better); acknowledged updates per
// second are ours over the whole launch (3 updates a task: STARTING, RUNNING, FINISHED).
// The stand-in runs as its own process (bin/mesos-local), as a real master does, so neither
// scheduler shares an event loop with the master and its agents.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchWithMesoflow } from './launchers/mesoflow-launcher';
import { launchWithMesosFramework } from '@mesoflow/testing/mesos-framework';
import { startMesosLocalProcess } from './support/mesos-local-process';

const TASKS = 1_000;
const AGENTS = 100;
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'work-root': { type: 'string' } } });
const ROUNDS = Number(args.rounds);
// The sandboxes (6 inodes a task) go to tmpfs when there is one: on ext4, creating them right
// after the previous round deleted its own makes the inode allocator scan recently freed inodes,
// which cost the stand-in 0.7 to 2.7 CPU-seconds a round here, varying round to round.
const WORK_ROOT = args['work-root'] ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
const TASK = { command: 'true', cpus: 0.1, mem: 32 };
const TIMEOUT_MS = 180_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function onFreshCluster<T>(run: (master: string) => Promise<T>): Promise<T> {
  const workDir = mkdtempSync(join(WORK_ROOT, 'mesoflow-bench-launch-'));
  const cluster = await startMesosLocalProcess([
    ...['--agents', String(AGENTS), '--resources', 'cpus:4;mem:8192;disk:20000;ports:[31000-32000]'],
    ...['--work-dir', workDir],
  ]);
  try {
    return await run(cluster.url);
  } finally {
    await cluster.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const ours: number[] = [];
  const theirs: number[] = [];
  const acksPerSecond: number[] = [];
  console.log(
    `mesos-launch: ${TASKS} tasks of '${TASK.command}' across ${AGENTS} agents, ${ROUNDS} rounds each, sandboxes under ${WORK_ROOT}`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    const mine = await onFreshCluster((master) => launchWithMesoflow({ master, tasks: TASKS, timeoutMs: TIMEOUT_MS, ...TASK }));
    if (mine.timedOut || mine.finished !== TASKS) throw new Error(`ours did not finish every task: ${JSON.stringify(mine)}`);
    ours.push(mine.seconds);
    acksPerSecond.push(mine.acks / mine.seconds);
    const peer = await onFreshCluster((masterUrl) => launchWithMesosFramework({ masterUrl, tasks: TASKS, timeoutMs: TIMEOUT_MS, ...TASK }));
    if (peer.timedOut || peer.finished !== TASKS) throw new Error(`mesos-framework did not finish every task: ${JSON.stringify({ ...peer, errors: peer.errors.slice(0, 3) })}`);
    theirs.push(peer.seconds);
    console.log(
      `round ${round}: ours ${mine.seconds.toFixed(2)} s (${mine.accepts} accepts, ${mine.acks} acks), ` +
        `mesos-framework ${peer.seconds.toFixed(2)} s (${peer.accepts} accepts, ${peer.acks} acks)`,
    );
  }
  const figures = {
    ours_s: Number(median(ours).toFixed(3)),
    mesos_framework_s: Number(median(theirs).toFixed(3)),
    ratio: Number((median(ours) / median(theirs)).toFixed(3)),
    acks_per_s: Math.round(median(acksPerSecond)),
    tasks: TASKS,
    agents: AGENTS,
    rounds: ROUNDS,
    work_root: WORK_ROOT,
    target_ratio: 0.4,
    target_acks_per_s: 2000,
  };
  console.log(`BENCH ${JSON.stringify(figures)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
