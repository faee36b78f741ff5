import { createConfig, MASK } from '@mesoflow/config';
import type { SchedulerStatusInfo, WorkerInfo, WorkerList } from '@mesoflow/resourcemanager-client';
import { schedulerClusterSource, SchedulerUnavailableError } from './cluster-source';
import { mesosView, overviewView, sandboxUrl, taskManagerView } from './cluster-views';
import { configEntryViews } from './config-view';
import { defaultWebUiDir, segmentsOf } from './web-ui-files';

const STATUS: SchedulerStatusInfo = {
  frameworkName: 'Mesoflow',
  frameworkId: 'fw-2',
  master: 'zk://zk:2181/mesos',
  leader: 'master-1:5050',
  subscribed: true,
  suppressed: false,
  offersReceived: 10,
  offersAccepted: 2,
  offersDeclined: 7,
  offersRescinded: 1,
  offerHistory: [{ startMs: 60_000, received: 3, accepted: 1, declined: 2 }],
  offerHistoryIntervalMs: 60_000,
  pendingWorkers: 1,
  desiredWorkers: 3,
  reconciliationRounds: 4,
  resubscriptions: 0,
  failedTasks: 1,
  maximumFailedTasks: -1,
  startedAtMs: 1_000,
};

const RESOURCES = { cpus: 1, memMb: 1024, diskMb: 512, gpus: 0, networkMbps: 0 };

function worker(overrides: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    taskId: 'taskmanager-00001',
    state: 'Launched',
    taskState: 'TASK_RUNNING',
    agentId: 'agent-1',
    hostname: 'host-1',
    ports: [31000, 31001],
    resources: RESOURCES,
    failureCount: 0,
    launchedAtMs: 2_000,
    taskManager: { rpcAddress: 'host-1:31000', dataAddress: 'host-1:31001', slotsTotal: 2, slotsFree: 1, lastHeartbeatAgeMs: 300, registeredAtMs: 2_500, resources: RESOURCES, instanceId: 'i-1' },
    history: [{ atMs: 1_500, state: 'NEW' }, { atMs: 2_000, state: 'LAUNCHED', detail: '' }, { atMs: 2_400, state: 'TASK_RUNNING', detail: 'started' }],
    frameworkId: 'fw-1',
    ...overrides,
  };
}

const WORKERS: WorkerList = { workers: [worker(), worker({ taskId: 'taskmanager-00002', state: 'New', taskState: '', agentId: '', hostname: '', ports: [], launchedAtMs: 0, taskManager: undefined, history: [], frameworkId: '' })], desiredWorkers: 3 };

describe('the scheduler views', () => {
  it('link the sandbox on the leading master only when leader, agent and framework are known', () => {
    expect(sandboxUrl({ leader: 'master-1:5050', agentId: 'a1-S0', frameworkId: 'fw-1', taskId: 'taskmanager-00001' })).toBe(
      'http://master-1:5050/#/agents/a1-S0/frameworks/fw-1/executors/taskmanager-00001/browse',
    );
    expect(sandboxUrl({ leader: 'master-1:5050', agentId: 'a 1', frameworkId: 'f/1', taskId: 't' })).toBe('http://master-1:5050/#/agents/a%201/frameworks/f%2F1/executors/t/browse');
    expect(sandboxUrl({ leader: '', agentId: 'a', frameworkId: 'f', taskId: 't' })).toBeUndefined();
    expect(sandboxUrl({ leader: 'm:5050', agentId: '', frameworkId: 'f', taskId: 't' })).toBeUndefined();
  });

  it('show a worker with its TaskManager, history and the framework it was launched under', () => {
    expect(taskManagerView(worker(), STATUS)).toEqual({
      taskId: 'taskmanager-00001',
      workerState: 'LAUNCHED',
      taskState: 'TASK_RUNNING',
      agentId: 'agent-1',
      hostname: 'host-1',
      ports: [31000, 31001],
      resources: { cpus: 1, memMb: 1024, diskMb: 512, gpus: 0 },
      failureCount: 0,
      launchedAtMs: 2_000,
      sandboxUrl: 'http://master-1:5050/#/agents/agent-1/frameworks/fw-1/executors/taskmanager-00001/browse',
      taskManager: { rpcAddress: 'host-1:31000', dataAddress: 'host-1:31001', slotsTotal: 2, slotsFree: 1, heartbeatAgeMs: 300, registeredAtMs: 2_500 },
      history: [{ atMs: 1_500, state: 'NEW' }, { atMs: 2_000, state: 'LAUNCHED' }, { atMs: 2_400, state: 'TASK_RUNNING', detail: 'started' }],
    });
    expect(taskManagerView(worker({ frameworkId: '' }), STATUS).sandboxUrl).toContain('/frameworks/fw-2/');
    const pending = taskManagerView(WORKERS.workers[1], STATUS);
    expect(pending).toMatchObject({ workerState: 'NEW', history: [] });
    expect(pending).not.toHaveProperty('sandboxUrl');
    expect(pending).not.toHaveProperty('taskManager');
  });

  it('count slots and workers for the overview, or say why the scheduler is missing', () => {
    const jobs = { jobsByState: { ACCEPTED: 1, RUNNING: 0, FINISHED: 0, FAILED: 0, CANCELED: 0 }, recentFailures: [] };
    expect(overviewView('prod', true, jobs, { status: STATUS, workers: WORKERS })).toEqual({
      cluster: 'prod',
      authRequired: true,
      framework: { name: 'Mesoflow', id: 'fw-2', master: 'zk://zk:2181/mesos', leader: 'master-1:5050', subscribed: true },
      taskManagers: { registered: 1, slotsTotal: 2, slotsFree: 1 },
      workers: { desired: 3, launched: 1, pending: 1 },
      ...jobs,
    });
    const down = overviewView('prod', false, jobs, { error: 'The scheduler could not be read' });
    expect(down).toMatchObject({ schedulerError: 'The scheduler could not be read', taskManagers: { registered: 0 } });
    expect(down).not.toHaveProperty('framework');
  });

  it('show the Mesos page from the status', () => {
    expect(mesosView(STATUS)).toMatchObject({
      offers: { received: 10, accepted: 2, declined: 7, rescinded: 1 },
      offerHistory: STATUS.offerHistory,
      offerIntervalMs: 60_000,
      maximumFailedTasks: -1,
      framework: { id: 'fw-2' },
    });
  });
});

describe('the scheduler source', () => {
  it('makes one call for everyone within a second, in flight or answered, with a short deadline', async () => {
    let now = 0;
    const deadlines: Array<number | undefined> = [];
    let release: (() => void) | undefined;
    const client = {
      listWorkers: async () => WORKERS,
      getSchedulerStatus: (options?: { timeoutMs?: number }) => {
        deadlines.push(options?.timeoutMs);
        return new Promise<SchedulerStatusInfo>((resolve) => {
          release = () => resolve(STATUS);
        });
      },
    };
    const source = schedulerClusterSource(client, { target: 'rm:6123', now: () => now });
    const first = source.status();
    const second = source.status();
    release!();
    expect(await Promise.all([first, second])).toEqual([STATUS, STATUS]);
    now = 999;
    await source.status();
    expect(deadlines).toEqual([2_000]);
    now = 1_001;
    const third = source.status();
    release!();
    await third;
    expect(deadlines).toEqual([2_000, 2_000]);
  });

  it('answers a failure in one sentence naming the scheduler, and keeps it for a second too', async () => {
    let calls = 0;
    const client = {
      listWorkers: async () => {
        calls += 1;
        throw new Error('ListWorkers was not served within 2000 ms (last: connect ECONNREFUSED).');
      },
      getSchedulerStatus: async () => STATUS,
    };
    const source = schedulerClusterSource(client, { target: 'rm:6123', now: () => 0 });
    const error = await source.workers().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SchedulerUnavailableError);
    expect((error as Error).message).toBe("The scheduler's resource manager (rm:6123) could not be read: ListWorkers was not served within 2000 ms (last: connect ECONNREFUSED)");
    await source.workers().catch(() => undefined);
    expect(calls).toBe(1);
  });
});

describe('the configuration page', () => {
  it('shows every option with its source, and a set secret only as the mask', () => {
    const secret = 'hunter2-very-secret';
    const rows = configEntryViews(createConfig({ 'redis.password': secret, 'rest.port': 8082 }));
    expect(rows.find((row) => row.key === 'redis.password')).toEqual(expect.objectContaining({ value: MASK, sensitive: true, source: 'programmatic' }));
    expect(rows.find((row) => row.key === 'rest.port')).toEqual(expect.objectContaining({ value: '8082', source: 'programmatic', sourceText: 'set in code', sensitive: false }));
    expect(rows.find((row) => row.key === 'jobmanager.rpc.port')).toEqual(expect.objectContaining({ source: 'default', sourceText: 'default' }));
    const unset = rows.find((row) => row.key === 'security.ssl.internal.keystore-password');
    expect(unset).toEqual(expect.objectContaining({ source: 'unset', sourceText: 'unset' }));
    expect(unset).not.toHaveProperty('value');
    expect(JSON.stringify(rows)).not.toContain(secret);
  });
});

describe('the web UI paths', () => {
  it('decode into segments, a trailing slash naming the folder index', () => {
    expect(segmentsOf('/')).toEqual([]);
    expect(segmentsOf('/assets/index-3f9a.js')).toEqual(['assets', 'index-3f9a.js']);
    expect(segmentsOf('/jobs/abc/')).toEqual(['jobs', 'abc', 'index.html']);
    expect(segmentsOf('/a%20b//c')).toEqual(['a b', 'c']);
  });

  it('refuse anything that could leave the folder or reach hidden files', () => {
    for (const path of ['/../etc/passwd', '/..%2f..%2fetc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/%2E%2E%5C..%5Cpasswd', '/a/./b', '/.env', '/a%00.js', '/%E0%A4%A']) {
      expect(segmentsOf(path)).toBeUndefined();
    }
  });

  it('are found in $MESOFLOW_HOME, else in the installation holding bin/mesoflow', () => {
    expect(defaultWebUiDir('/opt/mesoflow')).toBe('/opt/mesoflow/dist/web-ui');
    expect(defaultWebUiDir(undefined)).toBe(defaultWebUiDir(undefined, `${__dirname}/../../../../dist/dispatcher-gateway`));
    expect(defaultWebUiDir(undefined)).toMatch(/\/dist\/web-ui$/);
  });
});
