// A TaskManager PROCESS (main.ts, as bin/mesos-taskmanager.sh starts it) registered with the real
// scheduler as its one launched worker runs WordCount deployed by the real job master; the
// record counts it sends over WatchTasks reach the job master's task snapshots.
import { planProgram } from '@mesoflow/dataflow-api';
import { GrpcTaskDeployer, JobMaster, type CollectedRecord, type JobMasterEvent } from '@mesoflow/dataflow-jobmaster';
import { startLocalMesos, type LocalMesos } from '@mesoflow/mesos-local';
import { SlotRequester } from '@mesoflow/resourcemanager-client';
import { freePort, SchedulerProcess, waitFor } from '@mesoflow/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Of } from './bundle';
import { withProgramArgs } from './program-loader';

const PROGRAM = join(__dirname, 'testing/programs.ts');
const FAST_BACKOFF = { initialMs: 50, maxMs: 300 };

describe('A TaskManager process', () => {
  let folder: string;
  let local: LocalMesos;
  let scheduler: SchedulerProcess;
  let requester: SlotRequester;
  let taskManager: ChildProcess;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'taskmanager-process-'));
    await mkdir(join(folder, 'conf'));
    local = await startLocalMesos({ port: 0, agents: 1, resources: 'cpus:2;mem:2048;disk:1000;ports:[31000-31100]', workDir: join(folder, 'mesos'), allocationIntervalMs: 100 });
    const rpcPort = await freePort();
    scheduler = SchedulerProcess.start({
      storeDir: join(folder, 'store'),
      workers: 1,
      logFile: join(folder, 'scheduler.log'),
      properties: {
        'mesos.master': local.url,
        'jobmanager.rpc.port': rpcPort,
        'taskmanager.numberOfTaskSlots': 2,
        'mesos.initial-tasks': 1,
        'mesos.resourcemanager.framework.name': 'taskmanager-process-test',
        'mesos.resourcemanager.tasks.cpus': 0.2,
        'mesos.resourcemanager.tasks.mem': '32m',
        // The worker Mesos launches holds the task id; the TaskManager process below takes it.
        'mesos.resourcemanager.tasks.taskmanager-cmd': 'exec sleep 600',
        'mesos.resourcemanager.declined-offer-refuse-duration': '200ms',
        'resourcemanager.taskmanager-registration.timeout': '1h',
      },
    });
    requester = new SlotRequester({ target: `127.0.0.1:${rpcPort}`, backoff: FAST_BACKOFF });
    const taskId = await waitFor(async () => (await requester.listWorkers({ timeoutMs: 60_000 })).workers.find((worker) => worker.state === 'Launched')?.taskId, {
      timeoutMs: 60_000,
      description: 'a Launched worker',
    });
    taskManager = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(__dirname, 'main.ts'),
        '--bind-host',
        '127.0.0.1',
        '--work-dir',
        folder,
        '-Djobmanager.rpc.address=127.0.0.1',
        `-Djobmanager.rpc.port=${rpcPort}`,
        '-Dtaskmanager.numberOfTaskSlots=2',
        '-Dtaskmanager.rpc.port=0',
        '-Dtaskmanager.data.port=0',
      ],
      {
        cwd: join(__dirname, '../../..'),
        env: { ...process.env, MESOFLOW_TASK_ID: taskId, MESOFLOW_HOSTNAME: '127.0.0.1', MESOFLOW_CONF_DIR: join(folder, 'conf') },
        stdio: 'ignore',
      },
    );
    await waitFor(async () => (await requester.listWorkers()).workers.some((worker) => worker.taskId === taskId && worker.taskManager !== undefined), {
      timeoutMs: 60_000,
      description: `TaskManager '${taskId}' registered`,
    });
  }, 120_000);

  afterAll(async () => {
    if (taskManager?.exitCode === null) {
      const exited = once(taskManager, 'exit');
      taskManager.kill('SIGTERM');
      await exited;
    }
    requester?.close();
    await scheduler?.stop();
    await local?.stop();
    await rm(folder, { recursive: true, force: true });
  }, 60_000);

  it('runs WordCount and reports the records of each task: every line in at the source, every collected record out at the sink', async () => {
    const args = ['--mode', 'word-count'];
    const sha256 = sha256Of(await readFile(PROGRAM));
    const { graph } = await withProgramArgs(PROGRAM, args, () =>
      planProgram(
        () =>
          jest.isolateModules(() => {
            jest.requireActual<object>(PROGRAM);
          }),
        { bundle: { path: 'jobs/programs.ts', sha256 }, defaultParallelism: 2 },
      ),
    );
    const collected: CollectedRecord[] = [];
    const deployer = new GrpcTaskDeployer({ bundle: { url: PROGRAM, sha256 }, programArgs: args, onCollected: (record) => collected.push(record) });
    const master = new JobMaster({ jobId: 'counted-in-a-process', graph, slots: requester, deployer, restartStrategy: { attempts: 0, delayMs: 0 } });
    const events: JobMasterEvent[] = [];
    master.onEvent((event) => events.push(event));
    try {
      const result = await master.run();
      expect(result).toMatchObject({ state: 'FINISHED', failure: undefined });
    } finally {
      await deployer.close();
    }
    expect(events.some((event) => event.kind === 'task-metrics')).toBe(true);
    const sums = new Map<string, { recordsIn: number; recordsOut: number }>();
    for (const task of master.tasks()) {
      expect(task).toMatchObject({ state: 'FINISHED', recordsIn: expect.any(Number), recordsOut: expect.any(Number) });
      const sum = sums.get(task.attemptId.vertexId) ?? { recordsIn: 0, recordsOut: 0 };
      sums.set(task.attemptId.vertexId, { recordsIn: sum.recordsIn + (task.recordsIn ?? 0), recordsOut: sum.recordsOut + (task.recordsOut ?? 0) });
    }
    const vertexIds = (graph.vertices ?? []).map((vertex) => vertex.id ?? '');
    // The six lines of testing/programs.ts in; one rolling count out per word.
    expect(sums.get(vertexIds[0])?.recordsIn).toBe(6);
    for (const edge of graph.edges ?? []) expect(sums.get(edge.source_vertex_id ?? '')?.recordsOut).toBe(sums.get(edge.target_vertex_id ?? '')?.recordsIn);
    expect(collected.length).toBeGreaterThan(0);
    expect(sums.get(vertexIds[vertexIds.length - 1])?.recordsOut).toBe(collected.length);
  }, 60_000);
});
