// `npm run bench -- dataflow`: WordCount on generated text through two TaskManagers, against a
// plain single-process Node word count on the same file, in the same run.
//   ours   the local Mesos stand-in and the scheduler (production bundle) launch two TaskManagers
//          (production bundle, one slot each, started as bin/mesos-taskmanager.sh starts them);
//          examples/batch/word-count.ts, bundled as a user ships it, runs at parallelism 2 in
//          BATCH mode (`--execution-mode batch`, as Flink's example offers) through the job
//          master, reading the file in two splits and writing one output file per subtask.
//          Timed from JobMaster.run() to FINISHED: slots, deployment, bundle loading, the work.
//   peer   bench/peers/word-count.mjs: one plain-JavaScript process, same tokenizer, a Map of
//          counts; timed by itself from opening the file to the last count (its start-up and
//          writing its result are not counted; ours are).
// Both outputs must hold the same counts. Rounds alternate which goes first; figures are medians.
// wordcount_ratio = peer time / our time (the target is >= 1.0, the aim 1.5).
// exchange_records_per_s comes from `npm run bench -- exchange` run as a child (the data exchange
// between two TaskManager processes, 100-byte records); tm_idle_rss_mb is the larger VmRSS of the
// two registered TaskManagers before the first job.
import { GrpcTaskDeployer, JobMaster } from '@mesoflow/dataflow-jobmaster';
import { planProgram, type JobPlan } from '@mesoflow/dataflow-api';
import { startLocalMesos } from '@mesoflow/mesos-local';
import { SlotRequester } from '@mesoflow/resourcemanager-client';
import { freePort, REPOSITORY_ROOT, SchedulerProcess, waitFor } from '@mesoflow/testing';
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { writeWordText } from './support/word-text';

const MEGABYTES = Number(process.env.BENCH_DATAFLOW_MB ?? 100);
const ROUNDS = Number(process.env.BENCH_DATAFLOW_ROUNDS ?? 3);
const TARGET_RATIO = 1.0;
const TASKMANAGER_MAIN = join(REPOSITORY_ROOT, 'dist/taskmanager/main.js');
const WORK = join(tmpdir(), 'mesoflow-bench-dataflow');

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** The program as a user ships it: one CommonJS bundle with the API inside. */
async function bundleProgram(): Promise<{ path: string; sha256: string }> {
  const path = join(WORK, 'word-count.js');
  await build({
    entryPoints: [join(REPOSITORY_ROOT, 'examples/batch/word-count.ts')],
    outfile: path,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // As `bin/mesoflow run` bundles it (apps/cli/src/program/program-bundle.ts).
    minify: true,
    keepNames: true,
    tsconfig: join(REPOSITORY_ROOT, 'tsconfig.base.json'),
    logLevel: 'silent',
  });
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

/** Plans the bundle with `args` as its arguments, as the CLI does. */
async function plan(bundle: { path: string; sha256: string }, args: readonly string[]): Promise<JobPlan> {
  const argv = process.argv;
  process.argv = [argv[0], bundle.path, ...args];
  try {
    return await planProgram(
      () => {
        // Afresh each time: the program declares its job when it runs.
        delete require.cache[require.resolve(bundle.path)];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(bundle.path);
      },
      { bundle: { path: bundle.path, sha256: bundle.sha256 }, defaultParallelism: 2 },
    );
  } finally {
    process.argv = argv;
  }
}

/** Counts from the text files the sink wrote: one JSON `[word, count]` per line. */
function countsIn(folder: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const file of readdirSync(folder)) {
    for (const line of readFileSync(join(folder, file), 'utf8').split('\n')) {
      if (line === '') continue;
      const [word, count] = JSON.parse(line) as [string, number];
      if (counts.has(word)) throw new Error(`'${word}' was written twice`);
      counts.set(word, count);
    }
  }
  return counts;
}

function sameCounts(ours: Map<string, number>, peer: Record<string, number>): boolean {
  const entries = Object.entries(peer);
  return entries.length === ours.size && entries.every(([word, count]) => ours.get(word) === count);
}

/** VmRSS in MiB of the TaskManager processes (their command line names the bundle). */
function taskManagerRssMb(): number[] {
  const sizes: number[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes(TASKMANAGER_MAIN) || !readlinkSync(`/proc/${pid}/cwd`).startsWith(WORK)) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (rss !== undefined) sizes.push(Number(rss) / 1024);
    } catch {
      // The process ended while being read.
    }
  }
  return sizes;
}

function exchangeRecordsPerSecond(): number {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPOSITORY_ROOT, 'bench/exchange.ts')], { cwd: REPOSITORY_ROOT, encoding: 'utf8' });
  const line = run.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (run.status !== 0 || line === undefined) throw new Error(`The exchange benchmark failed: ${run.stderr}`);
  return (JSON.parse(line.slice('BENCH '.length)) as { exchange_records_per_s: number }).exchange_records_per_s;
}

async function main(): Promise<void> {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const cache = join(tmpdir(), 'mesoflow-bench-text');
  mkdirSync(cache, { recursive: true });
  const input = join(cache, `words-${MEGABYTES}mb.txt`);
  console.log(`Generating ${MEGABYTES} MB of text (kept in ${cache} for later runs) ...`);
  await writeWordText(input, MEGABYTES * 2 ** 20);
  console.log(`Bundling the TaskManager and the program ...`);
  execFileSync(process.execPath, [join(REPOSITORY_ROOT, 'tools/build/bundle-service.mjs'), 'taskmanager', '--if-stale'], { cwd: REPOSITORY_ROOT, stdio: 'inherit' });
  const bundle = await bundleProgram();

  const local = await startLocalMesos({ port: 0, agents: 2, resources: 'cpus:2;mem:4096;disk:1000;ports:[31000-31100]', workDir: join(WORK, 'mesos'), allocationIntervalMs: 100 });
  const rpcPort = await freePort();
  const taskManagerCommand = [
    'exec',
    process.execPath,
    '--max-semi-space-size=1',
    TASKMANAGER_MAIN,
    '--bind-host=127.0.0.1',
    '-Djobmanager.rpc.address=127.0.0.1',
    `-Djobmanager.rpc.port=${rpcPort}`,
    '-Dtaskmanager.numberOfTaskSlots=1',
    '-Dtaskmanager.rpc.port=0',
    '-Dtaskmanager.data.port=0',
  ].join(' ');
  const scheduler = SchedulerProcess.start({
    storeDir: join(WORK, 'store'),
    workers: 2,
    bundle: true,
    logFile: join(WORK, 'scheduler.log'),
    properties: {
      'mesos.master': local.url,
      'jobmanager.rpc.port': rpcPort,
      'taskmanager.numberOfTaskSlots': 1,
      'mesos.resourcemanager.framework.name': 'bench-dataflow',
      'mesos.resourcemanager.tasks.cpus': 1,
      'mesos.resourcemanager.tasks.mem': '1024m',
      'mesos.resourcemanager.tasks.taskmanager-cmd': taskManagerCommand,
    },
  });
  const slots = new SlotRequester({ target: `127.0.0.1:${rpcPort}`, logger: pino({ level: 'silent' }) });
  try {
    console.log('Waiting for two TaskManagers to register ...');
    await waitFor(
      async () => (await slots.listWorkers()).workers.filter((worker) => worker.taskManager !== undefined).length === 2,
      { timeoutMs: 120_000, intervalMs: 200, description: `two registered TaskManagers (logs in ${WORK})` },
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idleRss = taskManagerRssMb();
    if (idleRss.length !== 2) throw new Error(`Expected two TaskManager processes, found ${idleRss.length}`);

    const ours: number[] = [];
    const peer: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const runPeer = (): void => {
        const output = join(WORK, `peer-${round}.json`);
        const run = spawnSync(process.execPath, [join(REPOSITORY_ROOT, 'bench/peers/word-count.mjs'), input, output], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`The peer failed: ${run.stderr}`);
        peer.push((JSON.parse(run.stdout) as { elapsed_ms: number }).elapsed_ms);
      };
      const runOurs = async (): Promise<void> => {
        const output = join(WORK, `ours-${round}`);
        const args = ['--input', input, '--output', output, '--execution-mode', 'batch'];
        const { graph } = await plan(bundle, args);
        const deployer = new GrpcTaskDeployer({ bundle: { url: bundle.path, sha256: bundle.sha256 }, programArgs: args });
        const started = performance.now();
        const result = await new JobMaster({ jobId: `bench-wordcount-${round}`, graph, slots, deployer }).run();
        const elapsed = performance.now() - started;
        if (result.state !== 'FINISHED') throw new Error(`WordCount ended ${result.state}: ${result.failure?.message ?? ''}`);
        ours.push(elapsed);
      };
      if (round % 2 === 1) {
        runPeer();
        await runOurs();
      } else {
        await runOurs();
        runPeer();
      }
      const expected = JSON.parse(readFileSync(join(WORK, `peer-${round}.json`), 'utf8')) as Record<string, number>;
      if (!sameCounts(countsIn(join(WORK, `ours-${round}`)), expected)) throw new Error(`Round ${round}: our counts differ from the peer's`);
      console.log(`round ${round}: ours ${(ours.at(-1) ?? 0).toFixed(0)} ms, peer ${(peer.at(-1) ?? 0).toFixed(0)} ms, counts equal`);
    }
    const ratio = median(peer) / median(ours);
    console.log('Measuring the exchange between two TaskManager processes (npm run bench -- exchange) ...');
    const exchange = exchangeRecordsPerSecond();
    const figures = {
      wordcount_ratio: Math.round(ratio * 1000) / 1000,
      exchange_records_per_s: exchange,
      tm_idle_rss_mb: Math.round(Math.max(...idleRss) * 10) / 10,
      wordcount_ms: Math.round(median(ours)),
      peer_ms: Math.round(median(peer)),
      wordcount_samples_ms: ours.map(Math.round),
      peer_samples_ms: peer.map(Math.round),
      input_mb: MEGABYTES,
      input_bytes: statSync(input).size,
      parallelism: 2,
      rounds: ROUNDS,
      target_ratio: TARGET_RATIO,
      target_met: ratio >= TARGET_RATIO,
    };
    console.log(
      `WordCount ${MEGABYTES} MB: ours ${figures.wordcount_ms} ms (2 TaskManagers), peer ${figures.peer_ms} ms (one process): ratio ${ratio.toFixed(2)} ` +
        `(${ratio >= TARGET_RATIO ? 'meets' : 'does NOT meet'} the target ${TARGET_RATIO}); idle TaskManager RSS ${figures.tm_idle_rss_mb} MB`,
    );
    console.log(`BENCH ${JSON.stringify(figures)}`);
  } finally {
    slots.close();
    await scheduler.stop();
    await local.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
