// TaskManagers on Mesos, end to end and real: the artifact server and the config-overlay service
// run as processes, the local Mesos stand-in runs the tasks. First a TaskManager launched by hand
// from its spec: the stand-in's fetcher downloads the spec's URIs from the artifact server into
// the sandbox (the distribution unpacked, user libraries, keytab and configuration through signed
// URLs), and bin/mesos-taskmanager.sh finds and loads that configuration. Then the scheduler
// process launches two TaskManagers from the overlay's spec, they register, and the WordCount and
// WindowJoin examples run across them through the job master, printing exactly what the
// reference executor prints.
import * as grpc from '@grpc/grpc-js';
import { MesosSchedulerClient, type UpdateEvent } from '@mesoflow/mesos-client';
import { startLocalMesos, type LocalMesos } from '@mesoflow/mesos-local';
import { CONFIG_OVERLAY_GRPC, grpcServiceClient, mesos, type mesoflow } from '@mesoflow/proto';
import { freePort, ManagedProcess, waitFor } from '@mesoflow/testing';
import { FileWorkerStore } from '@mesoflow/zk-store';
import { loadRuntimeProgram, planProgram, type RuntimeProgram } from '@mesoflow/dataflow-api';
import { GrpcTaskDeployer, JobMaster, type CollectedRecord } from '@mesoflow/dataflow-jobmaster';
import { READINGS, reading, WINDOW_MS } from './programs/window-sums-data';
import { runJobLocally } from '@mesoflow/dataflow-runtime';
import { SlotRequester, type WorkerInfo } from '@mesoflow/resourcemanager-client';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdir, readlink } from 'node:fs/promises';
import pino from 'pino';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

type TaskManagerSpec = mesoflow.config.v1.TaskManagerSpec.$Properties;
type SpecRequest = mesoflow.config.v1.GetTaskManagerSpecRequest.$Properties;
type Offer = mesos.v1.Offer.$Properties;
type TaskStatus = mesos.v1.TaskStatus.$Properties;

const ROOT = resolve(__dirname, '../../..');
const S = mesos.v1.TaskState;

interface ConfigOverlayClient extends grpc.Client {
  GetTaskManagerSpec(request: SpecRequest, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, spec?: TaskManagerSpec) => void): void;
}

function configOverlayClient(target: string): ConfigOverlayClient {
  const ConfigOverlayService = grpcServiceClient(CONFIG_OVERLAY_GRPC);
  return new ConfigOverlayService(target, grpc.credentials.createInsecure()) as unknown as ConfigOverlayClient;
}

function getSpec(client: ConfigOverlayClient, request: SpecRequest): Promise<TaskManagerSpec> {
  return new Promise((resolvePromise, reject) =>
    client.GetTaskManagerSpec(request, { deadline: new Date(Date.now() + 30_000) }, (error, spec) => (error || !spec ? reject(error ?? new Error('no spec')) : resolvePromise(spec))),
  );
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/** The framework ID the scheduler persisted in its store folder. */
async function frameworkIdIn(storeDir: string): Promise<string> {
  const store = await FileWorkerStore.open(storeDir);
  try {
    return (await store.getFrameworkId()) ?? '?';
  } finally {
    await store.close();
  }
}

/** Processes whose working directory is `folder` (a task's processes run in its sandbox). */
async function pidsWithCwd(folder: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => '');
    if (cwd === folder) pids.push(Number(name));
  }
  return pids;
}

/** `node --import tsx <entry> <args>` from the repository root, with only the given MESOFLOW_* variables. */
function nodeProcess(name: string, entry: string, args: string[], logFile: string, ready: () => Promise<boolean>, env: Record<string, string> = {}): ManagedProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MESOFLOW_')));
  return new ManagedProcess({ name, command: process.execPath, args: ['--import', 'tsx', join(ROOT, entry), ...args], logFile, env: { ...inherited, ...env }, ready, readyTimeoutMs: 60_000 });
}

function offeredPorts(offer: Offer, count: number): number[] {
  const ranges = (offer.resources ?? []).filter((r) => r.name === 'ports').flatMap((r) => r.ranges?.range ?? []);
  const ports: number[] = [];
  for (const range of ranges) for (let port = Number(range.begin); port <= Number(range.end) && ports.length < count; port++) ports.push(port);
  return ports;
}

describe('a TaskManager launched from its config-overlay spec', () => {
  let dir: string;
  let artifactServer: ManagedProcess;
  let configOverlay: ManagedProcess;
  let cluster: LocalMesos;
  let scheduler: MesosSchedulerClient;
  let overlayClient: ConfigOverlayClient;
  let overlayTarget: string;
  /** `jobmanager.rpc.port`: where the second test's scheduler serves the resource manager TaskManagers register with. */
  let resourceManagerPort: number;
  let artifactHttpPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e2e-taskmanager-fetch-'));
    for (const folder of ['artifacts', 'lib', 'conf', 'mesos', 'etc']) mkdirSync(join(dir, folder));
    writeFileSync(join(dir, 'lib/udf-library.js'), 'module.exports = (x) => x * 2;\n');
    writeFileSync(join(dir, 'etc/mesoflow.keytab'), 'not-really-a-keytab');

    artifactHttpPort = await freePort();
    resourceManagerPort = await freePort();
    const artifactGrpcPort = await freePort();
    artifactServer = nodeProcess(
      'artifact-server',
      'apps/artifact-server/src/main.ts',
      [
        `-Dmesos.resourcemanager.artifactserver.port=${artifactHttpPort}`,
        `-Dmesos.resourcemanager.artifactserver.grpc.port=${artifactGrpcPort}`,
        '-Dmesos.resourcemanager.artifactserver.bind-host=127.0.0.1',
        '-Dmesos.resourcemanager.artifactserver.advertised-host=127.0.0.1',
        `-Dmesos.resourcemanager.artifactserver.root=${join(dir, 'artifacts')}`,
        '-Dmesos.resourcemanager.artifactserver.prefix=e2e-cluster',
      ],
      join(dir, 'artifact-server.log'),
      () => healthy(`http://127.0.0.1:${artifactHttpPort}/healthz`),
    );
    await artifactServer.start();

    const overlayHttpPort = await freePort();
    const overlayGrpcPort = await freePort();
    configOverlay = nodeProcess(
      'config-overlay',
      'apps/config-overlay/src/main.ts',
      [
        `--grpc-port=${overlayGrpcPort}`,
        `--http-port=${overlayHttpPort}`,
        '--bind-host=127.0.0.1',
        `--artifact-server=127.0.0.1:${artifactGrpcPort}`,
        `--lib-dir=${join(dir, 'lib')}`,
        '-Dtaskmanager.numberOfTaskSlots=3',
        '-Djobmanager.rpc.address=127.0.0.1',
        `-Djobmanager.rpc.port=${resourceManagerPort}`,
        '-Dmesos.resourcemanager.tasks.cpus=0.1',
        '-Dmesos.resourcemanager.tasks.mem=64m',
        '-Dmesos.resourcemanager.tasks.bootstrap-cmd=echo bootstrapped > bootstrap.txt',
        `-Dsecurity.kerberos.login.keytab=${join(dir, 'etc/mesoflow.keytab')}`,
        '-Dsecurity.kerberos.login.principal=mesoflow@E2E.TEST',
      ],
      join(dir, 'config-overlay.log'),
      () => healthy(`http://127.0.0.1:${overlayHttpPort}/healthz`),
      // An empty configuration folder, so the checkout's conf/ does not leak in.
      { MESOFLOW_CONF_DIR: join(dir, 'conf') },
    );
    await configOverlay.start();
    overlayTarget = `127.0.0.1:${overlayGrpcPort}`;
    overlayClient = configOverlayClient(overlayTarget);

    cluster = await startLocalMesos({ agents: 1, allocationIntervalMs: 100, workDir: join(dir, 'mesos') });
    scheduler = new MesosSchedulerClient({ master: cluster.url, frameworkInfo: { user: 'e2e', name: 'e2e-taskmanager-fetch', failover_timeout: 60 } });
  }, 120_000);

  afterAll(async () => {
    overlayClient?.close();
    await scheduler?.close();
    await cluster?.stop();
    await configOverlay?.stop();
    await artifactServer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fetches the artifacts into the sandbox, unpacks the distribution and loads the configuration', async () => {
    const events: Array<UpdateEvent | { type: 'OFFER'; offer: Offer }> = [];
    scheduler.on('OFFERS', (event) => {
      for (const offer of event.offers.offers ?? []) events.push({ type: 'OFFER', offer });
    });
    scheduler.on('UPDATE', (event) => {
      events.push(event);
      scheduler.acknowledgeStatus(event.update.status).catch(() => undefined);
    });
    const { frameworkId } = await scheduler.start();
    const offer = await waitFor(() => events.find((e): e is { type: 'OFFER'; offer: Offer } => e.type === 'OFFER')?.offer, { description: 'an offer' });

    const taskId = 'taskmanager-00001';
    const [rpcPort, dataPort] = offeredPorts(offer, 2);
    const spec = await getSpec(overlayClient, {
      task_id: taskId,
      ports: [
        { key: 'taskmanager.rpc.port', port: rpcPort },
        { key: 'taskmanager.data.port', port: dataPort },
      ],
    });

    // Every URI is served by the artifact server; the secret ones only through signed URLs.
    const uris = spec.command?.uris ?? [];
    const artifactBase = `http://127.0.0.1:${artifactHttpPort}/e2e-cluster/`;
    expect(uris.map((uri) => uri.value.startsWith(artifactBase))).toEqual(uris.map(() => true));
    const secretArtifacts = (spec.artifacts ?? []).filter((a) => a.secret).map((a) => a.sandbox_path);
    expect(secretArtifacts.sort()).toEqual(['conf/mesoflow-conf.yaml', 'security/krb5.keytab']);
    for (const uri of uris.filter((u) => secretArtifacts.includes(u.output_file ?? ''))) {
      expect(uri.value).toMatch(/[?&]signature=/);
      const unsigned = await fetch(uri.value.split('?')[0]);
      expect(unsigned.status).toBe(403);
    }

    await scheduler.accept({
      offer_ids: [offer.id],
      operations: [
        {
          type: mesos.v1.Offer.Operation.Type.LAUNCH,
          launch: {
            task_infos: [
              {
                name: taskId,
                task_id: { value: taskId },
                agent_id: offer.agent_id,
                resources: spec.resources,
                command: spec.command,
                container: spec.container,
                labels: spec.labels,
              },
            ],
          },
        },
      ],
    });

    const statuses = (): TaskStatus[] => events.flatMap((e) => (e.type === 'UPDATE' && e.update.status.task_id.value === taskId ? [e.update.status] : []));
    const sandbox = join(dir, 'mesos/agent-0/slaves', offer.agent_id.value, 'frameworks', frameworkId, 'executors', taskId, 'runs/latest');
    // After the check step the entry script runs the TaskManager, which keeps trying to reach a
    // resource manager (none serves in this test): the check's output is what this test reads.
    const stdout = await waitFor(
      () => {
        const ended = statuses().find((s) => s.state !== S.TASK_STARTING && s.state !== S.TASK_RUNNING && s.state !== S.TASK_STAGING);
        if (ended) throw new Error(`task '${taskId}' ended ${mesos.v1.TaskState[ended.state]}: ${ended.message ?? ''}\n${readFileSync(join(sandbox, 'stderr'), 'utf8')}`);
        const text = existsSync(join(sandbox, 'stdout')) ? readFileSync(join(sandbox, 'stdout'), 'utf8') : '';
        return text.includes(`Starting TaskManager '${taskId}'`) ? text : undefined;
      },
      { timeoutMs: 60_000, description: `the TaskManager of '${taskId}' to start` },
    );
    await scheduler.kill({ task_id: { value: taskId }, agent_id: offer.agent_id });
    await waitFor(() => statuses().some((s) => s.state === S.TASK_KILLED) || undefined, { description: `task '${taskId}' killed` });

    // The fetcher's work: the distribution unpacked, the library, keytab and configuration in place.
    expect(statSync(join(sandbox, 'mesoflow/bin/mesos-taskmanager.sh')).mode & 0o111).not.toBe(0);
    expect(existsSync(join(sandbox, 'mesoflow/libexec/verify-taskmanager-conf.js'))).toBe(true);
    expect(existsSync(join(sandbox, 'mesoflow/libexec/taskmanager/main.js'))).toBe(true);
    expect(readFileSync(join(sandbox, 'lib/udf-library.js'), 'utf8')).toBe('module.exports = (x) => x * 2;\n');
    expect(readFileSync(join(sandbox, 'security/krb5.keytab'), 'utf8')).toBe('not-really-a-keytab');
    expect(readFileSync(join(sandbox, 'bootstrap.txt'), 'utf8')).toBe('bootstrapped\n');

    // The entry script found the configuration and the check step loaded it.
    expect(stdout).toContain(`Configuration file: ${join(realpathSync(sandbox), 'conf/mesoflow-conf.yaml')}`);
    expect(stdout).toContain('Task slots: 3');
    expect(stdout).toContain(`JobManager RPC address: 127.0.0.1:${resourceManagerPort}`);
    expect(stdout).toContain(`TaskManager RPC port: ${rpcPort}`);
    expect(stdout).toContain(`TaskManager data port: ${dataPort}`);
    expect(stdout).toContain('Kerberos keytab: security/krb5.keytab');
    expect(stdout).toContain('User libraries: udf-library.js');
    // Its offers go to the next framework.
    await scheduler.teardown();
  }, 120_000);

  /**
   * The scheduler process launching `workers` TaskManagers from the overlay's spec, and a job
   * master's client of its resource manager, once every TaskManager registered its slots.
   */
  async function startSessionCluster(name: string, workers: number): Promise<{ scheduler: ManagedProcess; slots: SlotRequester; storeDir: string; registered: WorkerInfo[] }> {
    const storeDir = join(dir, `${name}-store`);
    const httpPort = await freePort();
    const scheduler = nodeProcess(
      'scheduler',
      'apps/scheduler/src/main.ts',
      [
        `--store-dir=${storeDir}`,
        `--http-port=${httpPort}`,
        '--bind-host=127.0.0.1',
        `--config-overlay=${overlayTarget}`,
        `-Dmesos.master=${cluster.url}`,
        `-Djobmanager.rpc.port=${resourceManagerPort}`,
        `-Dmesos.resourcemanager.framework.name=${name}`,
        `-Dmesos.initial-tasks=${workers}`,
        '-Dtaskmanager.numberOfTaskSlots=3',
        '-Dmesos.resourcemanager.tasks.cpus=0.1',
        '-Dmesos.resourcemanager.tasks.mem=64m',
      ],
      join(dir, `${name}.log`),
      () => healthy(`http://127.0.0.1:${httpPort}/healthz`),
      { MESOFLOW_CONF_DIR: join(dir, 'conf') },
    );
    await scheduler.start();
    const slots = new SlotRequester({ target: `127.0.0.1:${resourceManagerPort}`, logger: pino({ level: 'silent' }) });
    const registered = await waitFor(
      async () => {
        const listed = await slots.listWorkers();
        const found = listed.workers.filter((w) => w.state === 'Launched' && w.taskManager !== undefined);
        return found.length === workers ? found : undefined;
      },
      { timeoutMs: 90_000, description: `${workers} TaskManagers registered` },
    );
    return { scheduler, slots, storeDir, registered };
  }

  /** A program as a user ships it: one JavaScript bundle with the API inside, planned at parallelism 2. */
  async function bundleProgram(source: string, name: string): Promise<{ bundle: { path: string; sha256: string }; graph: mesoflow.dataflow.v1.JobGraph.$Properties; reference: RuntimeProgram }> {
    const bundlePath = join(dir, `${name}.js`);
    await build({ entryPoints: [join(ROOT, source)], outfile: bundlePath, bundle: true, platform: 'node', format: 'cjs', target: 'node20', tsconfig: join(ROOT, 'tsconfig.base.json'), logLevel: 'silent' });
    const bundle = { path: bundlePath, sha256: createHash('sha256').update(readFileSync(bundlePath)).digest('hex') };
    // Each load runs the program afresh, as a TaskManager's loader does.
    const load = (): void => {
      jest.isolateModules(() => void jest.requireActual(bundlePath));
    };
    const { graph } = await planProgram(load, { bundle, defaultParallelism: 2 });
    return { bundle, graph, reference: await loadRuntimeProgram(load, { bundle, defaultParallelism: 2 }) };
  }

  it('runs WordCount and WindowJoin on TaskManagers the scheduler launched through Mesos from the overlay\'s spec', async () => {
    const { scheduler, slots, storeDir, registered: workers } = await startSessionCluster('e2e-scheduler', 2);
    try {
      // The ports the scheduler took from the offer reached the TaskManager's shipped configuration.
      for (const worker of workers) expect(worker.taskManager?.rpcAddress).toBe(`127.0.0.1:${worker.ports[0]}`);

      const frameworkId = await frameworkIdIn(storeDir);
      const stdoutFiles = workers.map((worker) =>
        join(dir, 'mesos/agent-0/slaves', worker.agentId, 'frameworks', frameworkId, 'executors', worker.taskId, 'runs/latest/stdout'),
      );

      /**
       * Runs an example as a user ships it (one JavaScript bundle with the API inside) through the
       * JobMaster on the two TaskManagers, and on the reference executor; returns the records each
       * printed, sorted (the TaskManagers' print sinks write to their sandboxes' stdout).
       */
      const runExample = async (example: string, jobId: string): Promise<{ onMesos: string[]; reference: string[] }> => {
        const { bundle, graph, reference: local } = await bundleProgram(example, jobId);
        const reference: string[] = [];
        await runJobLocally(local.graph, local.functions, { stdout: (line) => reference.push(line.replace(/^\d+> /, '')) });

        const printedBefore = stdoutFiles.map((file) => readFileSync(file, 'utf8').length);
        const deployer = new GrpcTaskDeployer({ bundle: { url: bundle.path, sha256: bundle.sha256 } });
        const result = await new JobMaster({ jobId, graph, slots, deployer }).run();
        await deployer.close();
        expect(result).toMatchObject({ state: 'FINISHED', restarts: 0 });
        const onMesos = stdoutFiles.flatMap((file, i) =>
          readFileSync(file, 'utf8')
            .slice(printedBefore[i])
            .split('\n')
            .flatMap((line) => /^\d+> (\[.*\])$/.exec(line)?.[1] ?? []),
        );
        return { onMesos: onMesos.sort(), reference: reference.sort() };
      };

      // WordCount: every update printed; the same multiset of updates as the reference.
      const wordCount = await runExample('examples/batch/word-count.ts', 'e2e-word-count');
      expect(wordCount.reference).toContain('["to",7]');
      expect(wordCount.onMesos).toEqual(wordCount.reference);

      // WindowJoin: grades and salaries per name in event-time windows, across both TaskManagers.
      const windowJoin = await runExample('examples/streaming/window-join.ts', 'e2e-window-join');
      expect(windowJoin.reference.length).toBeGreaterThan(20);
      expect(windowJoin.onMesos).toEqual(windowJoin.reference);
    } finally {
      slots.close();
      await scheduler.stop();
    }
  }, 180_000);

  it('restarts a job whose TaskManager is killed with SIGKILL, and collects exactly what an undisturbed run collects', async () => {
    const { scheduler, slots, storeDir, registered } = await startSessionCluster('e2e-faults', 2);
    try {
      const { bundle, graph } = await bundleProgram('apps/e2e/src/programs/window-sums.ts', 'e2e-window-sums');
      // What an undisturbed run collects, by the program's definition: per sensor and window, the
      // sum of the values, with the fields of its first reading (window sum's rule).
      const sums = new Map<string, [string, number, number]>();
      for (let i = 0; i < READINGS; i++) {
        const [sensor, value, time] = reading(i);
        const key = `${sensor}@${Math.floor(time / WINDOW_MS)}`;
        const sum = sums.get(key);
        if (sum) sum[1] += value;
        else sums.set(key, [sensor, value, time]);
      }
      const expected = [...sums.values()].map((record) => JSON.stringify(record)).sort();
      expect(expected).toHaveLength(200);
      const frameworkId = await frameworkIdIn(storeDir);

      const collected: CollectedRecord[] = [];
      const deployer = new GrpcTaskDeployer({ bundle: { url: bundle.path, sha256: bundle.sha256 }, onCollected: (record) => collected.push(record) });
      const jobMaster = new JobMaster({ jobId: 'e2e-window-sums', graph, slots, deployer });
      let running: () => void = () => undefined;
      const allRunning = new Promise<void>((resolve) => (running = resolve));
      jobMaster.onEvent((event) => {
        if (event.kind === 'progress' && event.progress.phase === 'running' && event.progress.running === event.progress.total) running();
      });
      const finished = jobMaster.run();

      // Mid-job: kill -9 the TaskManager process of one of the workers its tasks run on.
      await allRunning;
      // A TaskManager running the windows (the last vertex), which work until the very end.
      const windowVertex = graph.vertices?.at(-1)?.id;
      const victimId = jobMaster.tasks().find((task) => task.attemptId.vertexId === windowVertex && task.state === 'RUNNING')?.taskManagerId;
      const victim = registered.find((worker) => worker.taskId === victimId);
      if (!victim) throw new Error(`the job's TaskManager '${victimId ?? '?'}' is not one of the registered workers`);
      const sandbox = realpathSync(join(dir, 'mesos/agent-0/slaves', victim.agentId, 'frameworks', frameworkId, 'executors', victim.taskId, 'runs/latest'));
      const pids = await pidsWithCwd(sandbox);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(pid, 'SIGKILL');

      const result = await finished;
      await deployer.close();
      expect(result.state).toBe('FINISHED');
      expect(result.restarts).toBeGreaterThanOrEqual(1);
      const lastAttempt = collected.filter((record) => record.attemptId.attempt === result.restarts).map((record) => record.json).sort();
      expect(lastAttempt).toEqual(expected);
      // The scheduler replaced the lost worker.
      await waitFor(async () => ((await slots.listWorkers()).workers.some((w) => w.state === 'Launched' && w.taskId !== victim.taskId && !registered.some((r) => r.taskId === w.taskId)) ? true : undefined), {
        timeoutMs: 30_000,
        description: 'a replacement worker',
      });
    } finally {
      slots.close();
      await scheduler.stop();
    }
  }, 240_000);
});
