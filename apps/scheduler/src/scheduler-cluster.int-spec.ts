// The scheduler service (startScheduler, in this process) against the local Mesos stand-in when the
// cluster changes under it: placement constraints and host ports, a master failover, an agent
// removed for good, and a standby scheduler taking over through ZooKeeper leader election. The
// workers are real `sleep` processes on the stand-in's agents; each first writes what it was
// started with (pid, agent, port variables) to `<folder>/reports/<task id>.task`.
import { createConfig, Duration, MemorySize, type ConfigValues, type MesoflowConfig } from '@mesoflow/config';
import { startLocalMesos, stateFrameworks, type AgentSpec, type LocalMesos, type StateFramework } from '@mesoflow/mesos-local';
import { SlotRequester, type WorkerInfo, type WorkerList } from '@mesoflow/resourcemanager-client';
import { freePort, startZooKeeper, waitFor } from '@mesoflow/testing';
import { ZooKeeperConnection } from '@mesoflow/zk-store';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { startScheduler, type RunningScheduler } from './app';


interface AgentJson {
  id: string;
  attributes: Record<string, string | number>;
}

/** What a worker's task process wrote when it started. */
interface TaskReport {
  pid: number;
  agentId: string;
  rpcPort: number;
  dataPort: number;
}

/** The only framework the master knows (every test runs one). */
function theFramework(local: LocalMesos): StateFramework | undefined {
  const frameworks = stateFrameworks(local.state());
  return frameworks.length === 1 ? frameworks[0] : undefined;
}

/** IDs of the framework's live tasks when every one of them is RUNNING; undefined otherwise. */
function runningTaskIds(framework: StateFramework | undefined): string[] | undefined {
  if (!framework || framework.tasks.some((task) => task.state !== 'TASK_RUNNING')) return undefined;
  return framework.tasks.map((task) => task.id).sort();
}

const sameIds = (a: readonly string[] | undefined, b: readonly string[]): boolean => a !== undefined && a.join() === b.join();

/** `<pid> <agent> <rpc port> <data port>` per task; a report still being written is skipped. */
async function taskReports(dir: string): Promise<Map<string, TaskReport>> {
  const reports = new Map<string, TaskReport>();
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.task')) continue;
    const fields = (await readFile(join(dir, name), 'utf8')).trim().split(/\s+/);
    if (fields.length !== 4) continue;
    const [pid, agentId, rpcPort, dataPort] = fields;
    reports.set(name.slice(0, -'.task'.length), { pid: Number(pid), agentId: agentId ?? '', rpcPort: Number(rpcPort), dataPort: Number(dataPort) });
  }
  return reports;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The workers as the resource manager lists them, through the job master's client. */
async function listWorkers(running: RunningScheduler): Promise<WorkerList> {
  const client = new SlotRequester({ target: running.grpcTarget, logger: pino({ level: 'silent' }) });
  try {
    return await client.listWorkers();
  } finally {
    client.close();
  }
}

const launchedWorkers = (listed: WorkerList): WorkerInfo[] => listed.workers.filter((w) => w.state === 'Launched');

/** Launched workers, in task ID order, once exactly `count` of them report TASK_RUNNING since this scheduler subscribed. */
async function runningWorkers(running: RunningScheduler, count: number): Promise<WorkerInfo[] | undefined> {
  const launched = launchedWorkers(await listWorkers(running));
  return launched.length === count && launched.every((w) => w.taskState === 'TASK_RUNNING') ? launched : undefined;
}

async function metric(running: RunningScheduler, sample: string): Promise<number> {
  const text = await (await fetch(`${running.service.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

const RESUBSCRIPTIONS = 'mesoflow_scheduler_resubscriptions_total';
const EXPLICIT_RECONCILIATIONS = 'mesoflow_scheduler_reconciliation_rounds_total{kind="explicit"}';

describe('the scheduler service while the Mesos cluster changes', () => {
  let folder: string;
  let reports: string;
  /** Undone in reverse order after each test. */
  let cleanups: Array<() => Promise<void>> = [];
  /** Set by a test that got to its end; a failed test's folder (scheduler logs, task reports) is kept. */
  let passed = false;

  beforeEach(async () => {
    passed = false;
    folder = await mkdtemp(join(tmpdir(), 'mesoflow-scheduler-cluster-'));
    reports = join(folder, 'reports');
    await mkdir(reports);
  });

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error('Cleanup failed', error));
    cleanups = [];
    if (passed) await rm(folder, { recursive: true, force: true });
    else console.log(`scheduler-cluster: the failed test's scheduler logs and task reports are in ${folder}`);
  });

  async function startCluster(agents: number | AgentSpec[], resources = 'cpus:1;mem:1024;disk:1000;ports:[31000-31099]'): Promise<LocalMesos> {
    const local = await startLocalMesos({ port: 0, agents, resources, workDir: join(folder, 'mesos'), allocationIntervalMs: 100 });
    cleanups.push(() => local.stop());
    return local;
  }

  async function schedulerConfig(local: LocalMesos, values: ConfigValues): Promise<MesoflowConfig> {
    return createConfig(
      {
        'mesos.master': local.url,
        'jobmanager.rpc.port': await freePort(),
        'mesos.resourcemanager.framework.name': 'scheduler-cluster-int-spec',
        'mesos.resourcemanager.tasks.cpus': 0.5,
        'mesos.resourcemanager.tasks.mem': MemorySize.of(64, 'm'),
        'mesos.resourcemanager.tasks.taskmanager-cmd':
          `echo $$ $MESOS_SLAVE_ID $MESOFLOW_RPC_PORT $MESOFLOW_DATA_PORT > ${join(reports, '$MESOS_EXECUTOR_ID.task')}; exec sleep 300`,
        'mesos.resourcemanager.declined-offer-refuse-duration': Duration.of(200, 'ms'),
        // The tasks are `sleep`, not TaskManagers: they never register.
        'resourcemanager.taskmanager-registration.timeout': Duration.of(1, 'h'),
        ...values,
      },
      { service: 'scheduler' },
    );
  }

  /** Starts the service (logging to `<folder>/<name>.log`); closed after the test unless the test closed it. */
  function startService(name: string, config: MesoflowConfig): { started: Promise<RunningScheduler>; close: () => Promise<void> } {
    const destination = pino.destination({ dest: join(folder, `${name}.log`), sync: true });
    cleanups.push(() => Promise.resolve(destination.end()));
    const logger = pino({ level: 'debug' }, destination);
    const started = startScheduler(
      config,
      { storeDir: join(folder, `${name}-store`), httpPort: 0, bindHost: '127.0.0.1', configOverlay: undefined },
      { logger, shutdownSignals: false, onFatalError: (error) => logger.fatal({ err: error }, 'Fatal scheduler error') },
    );
    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => (closed ??= started.then((running) => running.close()));
    // A start that never finishes (a standby whose leader is never closed) must not hold cleanup up.
    cleanups.push(() => Promise.race([close(), new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]));
    return { started, close };
  }

  it('places every worker on an agent matching the host attribute constraint, on ports of that agent given to its task', async () => {
    const portRanges: Array<[number, number]> = [
      [31000, 31004],
      [32000, 32004],
      [33000, 33004],
    ];
    const racks = ['r1', 'r2', 'r1'];
    const local = await startCluster(
      portRanges.map(([from, to], i) => ({ attributes: `rack:${racks[i]}`, resources: `cpus:1;mem:1024;disk:1000;ports:[${from}-${to}]` })),
    );
    // Two workers fit an agent: the four fill both r1 agents while r2's stays unused.
    const config = await schedulerConfig(local, {
      'mesos.initial-tasks': 4,
      'mesos.constraints.hard.hostattribute': [{ key: 'rack', value: 'r1' }],
    });
    const running = await startService('scheduler', config).started;

    const workers = await waitFor(() => runningWorkers(running, 4), { timeoutMs: 15_000, description: 'four running workers' });
    const started = await waitFor(async () => {
      const found = await taskReports(reports);
      return found.size === 4 ? found : undefined;
    }, { description: 'four task reports' });

    const rackOf = new Map(((local.state()['slaves'] ?? []) as AgentJson[]).map((agent) => [agent.id, String(agent.attributes['rack'])]));
    const rangeOf = new Map(local.agentIds.map((id, i) => [id, portRanges[i] ?? [0, 0]]));
    expect(local.agentIds.map((id) => rackOf.get(id))).toEqual(racks);
    expect(workers.map((w) => rackOf.get(w.agentId))).toEqual(['r1', 'r1', 'r1', 'r1']);
    expect(new Set(workers.map((w) => w.agentId)).size).toBe(2);
    expect(runningTaskIds(theFramework(local))).toEqual(workers.map((w) => w.taskId));
    expect(theFramework(local)?.tasks.every((task) => rackOf.get(task.slave_id) === 'r1')).toBe(true);

    for (const worker of workers) {
      const [from, to] = rangeOf.get(worker.agentId) ?? [0, 0];
      const ports = worker.ports;
      expect(ports).toHaveLength(2);
      for (const port of ports) {
        expect(port).toBeGreaterThanOrEqual(from);
        expect(port).toBeLessThanOrEqual(to);
      }
      // The stored ports are the ones the task got in MESOFLOW_RPC_PORT / MESOFLOW_DATA_PORT, on its agent.
      expect(started.get(worker.taskId)).toMatchObject({ agentId: worker.agentId, rpcPort: ports[0], dataPort: ports[1] });
    }
    // No two workers of an agent share a port.
    for (const agentId of new Set(workers.map((w) => w.agentId))) {
      const ports = workers.filter((w) => w.agentId === agentId).flatMap((w) => w.ports);
      expect(new Set(ports).size).toBe(ports.length);
    }
    expect(running.scheduler.failedTasks()).toBe(0);
    passed = true;
  }, 30_000);

  it('re-subscribes after master failovers, with and without downtime, and keeps the same workers running', async () => {
    const local = await startCluster(2);
    const running = await startService('scheduler', await schedulerConfig(local, { 'mesos.initial-tasks': 2 })).started;
    const workers = await waitFor(() => runningWorkers(running, 2), { timeoutMs: 15_000, description: 'two running workers' });
    const taskIds = workers.map((w) => w.taskId);
    const started = await waitFor(async () => {
      const found = await taskReports(reports);
      return found.size === 2 ? found : undefined;
    }, { description: 'two task reports' });
    const frameworkId = theFramework(local)?.id ?? '';
    expect(frameworkId).not.toBe('');
    expect(await metric(running, RESUBSCRIPTIONS)).toBe(0);

    let failovers = 0;
    for (const downtimeMs of [0, 1_000]) {
      const masterBefore = local.masterId;
      const explicitBefore = await metric(running, EXPLICIT_RECONCILIATIONS);
      const restartedAt = performance.now();
      await local.restartMaster({ downtimeMs });
      failovers++;
      expect(local.masterId).not.toBe(masterBefore);

      // The new master learns the framework from its agents ("recovered") until the scheduler re-subscribes with its ID.
      await waitFor(
        async () => {
          const framework = theFramework(local);
          return (
            framework?.id === frameworkId &&
            framework.connected &&
            !framework.recovered &&
            sameIds(runningTaskIds(framework), taskIds) &&
            (await metric(running, RESUBSCRIPTIONS)) >= failovers &&
            (await metric(running, EXPLICIT_RECONCILIATIONS)) > explicitBefore
          );
        },
        { timeoutMs: 15_000, description: `the framework re-subscribed after a failover with ${downtimeMs} ms downtime` },
      );
      console.log(`scheduler-cluster: re-subscribed and reconciled ${Math.round(performance.now() - restartedAt)} ms after a master failover with ${downtimeMs} ms downtime`);

      // Every worker answered the reconciliation: none is asked about again (the first retry would come 1 s after it).
      const explicitAfter = await metric(running, EXPLICIT_RECONCILIATIONS);
      await expect(
        waitFor(async () => (await metric(running, EXPLICIT_RECONCILIATIONS)) > explicitAfter, { timeoutMs: 1_500, description: 'a retry' }),
      ).rejects.toThrow(/Timed out/);
      await running.scheduler.idle();
      const listed = await listWorkers(running);
      expect(listed.workers.map((w) => [w.taskId, w.state, w.failureCount])).toEqual(taskIds.map((id) => [id, 'Launched', 0]));
      expect(theFramework(local)?.completed_tasks).toEqual([]);
    }

    expect(await metric(running, RESUBSCRIPTIONS)).toBeGreaterThanOrEqual(2);
    expect(running.scheduler.failedTasks()).toBe(0);
    // Nothing was relaunched: no new task started, and the first processes still run.
    expect([...(await taskReports(reports)).keys()].sort()).toEqual(taskIds);
    for (const report of started.values()) expect(processAlive(report.pid)).toBe(true);
    passed = true;
  }, 40_000);

  it('releases the workers of a removed agent as failed and runs their replacements on the remaining agents', async () => {
    const local = await startCluster(3);
    const running = await startService('scheduler', await schedulerConfig(local, { 'mesos.initial-tasks': 4 })).started;
    const workers = await waitFor(() => runningWorkers(running, 4), { timeoutMs: 15_000, description: 'four running workers' });
    const perAgent = new Map<string, string[]>();
    for (const w of workers) perAgent.set(w.agentId, [...(perAgent.get(w.agentId) ?? []), w.taskId]);
    const [removed, victims] = [...perAgent.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
    const survivors = workers.map((w) => w.taskId).filter((id) => !victims.includes(id));

    await local.removeAgent(removed);

    const replaced = await waitFor(
      async () => {
        const now = await runningWorkers(running, 4);
        const live = runningTaskIds(theFramework(local));
        return now && running.scheduler.failedTasks() === victims.length && sameIds(live, now.map((w) => w.taskId).sort()) ? now : undefined;
      },
      { timeoutMs: 20_000, description: `replacements of ${victims.join(', ')} running` },
    );
    expect(replaced.map((w) => w.taskId)).toEqual(expect.arrayContaining(survivors));
    expect(replaced.some((w) => victims.includes(w.taskId))).toBe(false);
    expect(replaced.every((w) => w.agentId !== removed)).toBe(true);

    const listed = await listWorkers(running);
    expect(listed.desiredWorkers).toBe(4);
    const released = listed.workers.filter((w) => w.state === 'Released');
    expect(released.map((w) => [w.taskId, w.failureCount])).toEqual(victims.map((id) => [id, 1]));
    // Exactly the desired count on the master: the live tasks are the Launched workers, none on the removed agent.
    const framework = theFramework(local);
    expect(framework?.tasks).toHaveLength(4);
    expect(framework?.tasks.every((task) => task.slave_id !== removed)).toBe(true);
    expect(framework?.completed_tasks.map((task) => [task.id, task.state]).sort()).toEqual(victims.map((id) => [id, 'TASK_LOST']));
    passed = true;
  }, 40_000);

  it('hands the framework and its running workers to a standby scheduler when the leader closes', async () => {
    const zk = await startZooKeeper();
    cleanups.push(async () => {
      await zk.stop();
      await rm(zk.dir, { recursive: true, force: true });
    });
    const local = await startCluster(2);
    const clusterId = `/scheduler-cluster-${process.pid}-${Date.now()}`;
    const ha: ConfigValues = {
      'mesos.initial-tasks': 3,
      'high-availability': 'zookeeper',
      'high-availability.zookeeper.quorum': zk.connectString,
      'high-availability.storageDir': join(folder, 'ha'),
      'high-availability.cluster-id': clusterId,
      'high-availability.zookeeper.client.session-timeout': Duration.of(2, 's'),
    };
    const leaderA = startService('scheduler-a', await schedulerConfig(local, ha));
    const a = await leaderA.started;
    const workers = await waitFor(() => runningWorkers(a, 3), { timeoutMs: 15_000, description: 'three running workers' });
    const taskIds = workers.map((w) => w.taskId);
    const frameworkId = theFramework(local)?.id ?? '';
    expect(frameworkId).not.toBe('');

    const standbyB = startService('scheduler-b', await schedulerConfig(local, ha));
    // Should the test end early, A is closed first, so that B leads and can be closed in turn.
    cleanups.push(() => leaderA.close());
    let bStarted = false;
    standbyB.started.then(
      () => (bStarted = true),
      () => undefined,
    );
    // B stands by once its latch node is there, behind A's.
    const zkClient = await ZooKeeperConnection.connect({ connectString: zk.connectString, sessionTimeoutMs: 2_000 });
    cleanups.push(() => zkClient.close());
    const latchPath = `/mesoflow${clusterId}/leader-latch`;
    await waitFor(async () => (await zkClient.getChildren(latchPath)).filter((name) => name.startsWith('latch-')).length === 2, {
      description: 'two latch nodes',
    });
    // While A leads, B does not start: not within a second (two ZooKeeper ticks) of joining.
    await expect(waitFor(() => bStarted, { timeoutMs: 1_000, description: 'B to start' })).rejects.toThrow(/Timed out/);
    expect(theFramework(local)?.connected).toBe(true);

    const closingAt = performance.now();
    await leaderA.close();
    const closedAt = performance.now();
    const b = await standbyB.started;
    const leadingAt = performance.now();
    const reconciled = await waitFor(() => runningWorkers(b, 3), { timeoutMs: 15_000, description: 'B reconciling three running workers' });
    const reconciledAt = performance.now();
    console.log(
      `scheduler-cluster: takeover: A closed in ${Math.round(closedAt - closingAt)} ms; B leads and is subscribed ` +
        `${Math.round(leadingAt - closedAt)} ms later and has reconciled the workers ${Math.round(reconciledAt - closedAt)} ms after A closed`,
    );

    expect(reconciled.map((w) => w.taskId)).toEqual(taskIds);
    const framework = theFramework(local);
    expect(framework).toMatchObject({ id: frameworkId, connected: true });
    expect(runningTaskIds(framework)).toEqual(taskIds);
    expect(framework?.completed_tasks).toEqual([]);
    await b.scheduler.idle();
    expect((await listWorkers(b)).workers.map((w) => w.taskId)).toEqual(taskIds);
    expect(b.scheduler.failedTasks()).toBe(0);
    expect([...(await taskReports(reports)).keys()].sort()).toEqual(taskIds);
    passed = true;
  }, 40_000);
});
