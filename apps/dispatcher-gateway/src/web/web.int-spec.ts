// The web UI's API, live events and files served by the real gateway (Nest on Fastify, REST port)
// against a REAL Redis, over HTTP on loopback. The scheduler is a fixed ClusterSource, or, for the
// unreachable case, the real resource manager client pointed at a port nobody listens on.
import { createConfig, MASK } from '@mesoflow/config';
import type { SchedulerStatusInfo, WorkerList } from '@mesoflow/resourcemanager-client';
import { freePort, startRedis, waitFor, type TestRedis } from '@mesoflow/testing';
import type { ConfigEntryView, JobDetailView, JobSummaryView, MesosView, OverviewView, TaskManagerView } from '@mesoflow/web-api';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startDispatcherGateway, type RunningDispatcherGateway } from '../app';
import { parseSettings } from '../settings';
import { GatedExecution } from '../testing/gated-execution';
import { GRAPH, SHA } from '../testing/job-service-client';
import type { ClusterSource } from './cluster-source';

const RESOURCES = { cpus: 1, memMb: 1024, diskMb: 512, gpus: 0, networkMbps: 0 };

const STATUS: SchedulerStatusInfo = {
  frameworkName: 'Mesoflow',
  frameworkId: 'fw-1',
  master: '127.0.0.1:5050',
  leader: '127.0.0.1:5050',
  subscribed: true,
  suppressed: true,
  offersReceived: 4,
  offersAccepted: 1,
  offersDeclined: 3,
  offersRescinded: 0,
  offerHistory: [],
  offerHistoryIntervalMs: 60_000,
  pendingWorkers: 0,
  desiredWorkers: 1,
  reconciliationRounds: 1,
  resubscriptions: 0,
  failedTasks: 0,
  maximumFailedTasks: -1,
  startedAtMs: 1_000,
};

const WORKERS: WorkerList = {
  desiredWorkers: 1,
  workers: [
    {
      taskId: 'taskmanager-00001',
      state: 'Launched',
      taskState: 'TASK_RUNNING',
      agentId: 'agent-1',
      hostname: '127.0.0.1',
      ports: [31000],
      resources: RESOURCES,
      failureCount: 0,
      launchedAtMs: 2_000,
      taskManager: { rpcAddress: '127.0.0.1:31000', dataAddress: '127.0.0.1:31001', slotsTotal: 2, slotsFree: 2, lastHeartbeatAgeMs: 100, registeredAtMs: 2_500, resources: RESOURCES, instanceId: 'i-1' },
      history: [{ atMs: 2_000, state: 'LAUNCHED' }],
      frameworkId: 'fw-1',
    },
  ],
};

const FIXED_CLUSTER: ClusterSource = { workers: () => Promise.resolve(WORKERS), status: () => Promise.resolve(STATUS) };

/** A GET with the path exactly as given: fetch would resolve `..` before sending. */
function rawGet(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path, method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Reads a Server-Sent Events response into `events` until aborted. */
class EventReader {
  readonly events: Array<{ event: string; data: string }> = [];
  comments = 0;
  private buffer = '';

  constructor(response: Response) {
    void this.read(response);
  }

  last(event: string): unknown {
    const found = this.events.filter((entry) => entry.event === event).at(-1);
    return found === undefined ? undefined : JSON.parse(found.data);
  }

  private async read(response: Response): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end + 2);
          if (block.startsWith(':')) this.comments += 1;
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) this.events.push({ event, data });
        }
      }
    } catch {
      // Aborted by the test.
    }
  }
}

describe('the web UI API and files of the dispatcher gateway', () => {
  let redis: TestRedis;
  let dir: string;
  const started: RunningDispatcherGateway[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'gateway-web-'));
  }, 60_000);

  afterEach(async () => {
    for (const gateway of started.splice(0)) await gateway.close();
  });

  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(options: { cluster?: ClusterSource; webUiDir?: string; execution?: GatedExecution; schedulerPort?: number } = {}): Promise<{ rest: string; execution: GatedExecution }> {
    const execution = options.execution ?? new GatedExecution();
    const args = ['--grpc-port', String(await freePort()), '--bind-host=127.0.0.1', `--cluster=test-${randomUUID()}`, '--job-concurrency=1', `--web-ui-dir=${options.webUiDir ?? join(dir, 'not-built')}`];
    const config = createConfig({
      'rest.port': await freePort(),
      'redis.url': redis.url,
      'jobmanager.rpc.address': '127.0.0.1',
      'jobmanager.rpc.port': options.schedulerPort ?? (await freePort()),
      'mesos.resourcemanager.framework.principal': 'mesoflow',
      'mesos.resourcemanager.framework.secret': 'very-secret-value',
    });
    const gateway = await startDispatcherGateway(config, parseSettings(args), {
      logger: pino({ level: process.env['GATEWAY_TEST_LOG'] ?? 'silent' }),
      shutdownSignals: false,
      execution,
      pollMs: 100,
      ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    });
    started.push(gateway);
    return { rest: gateway.restUrl, execution };
  }

  async function submit(rest: string, submissionId: string, jobName = 'WordCount'): Promise<string> {
    const body = { submissionId, jobName, jobGraph: Buffer.from(GRAPH).toString('base64'), bundle: { uri: 'http://127.0.0.1:1/b.js', sha256: SHA }, config: {} };
    const response = await fetch(`${rest}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(202);
    return ((await response.json()) as { jobId: string }).jobId;
  }

  const json = async <T>(rest: string, path: string, status = 200): Promise<T> => {
    const response = await fetch(`${rest}${path}`);
    expect({ path, status: response.status }).toEqual({ path, status });
    expect(response.headers.get('content-type')).toContain('application/json');
    return (await response.json()) as T;
  };

  it('answers every view, filters jobs, and names what is wrong in a request', async () => {
    const { rest, execution } = await start({ cluster: FIXED_CLUSTER });
    const running = await submit(rest, 'web-1');
    await execution.running('web-1');
    const queued = await submit(rest, 'web-2', 'WindowJoin');

    const overview = await json<OverviewView>(rest, '/api/v1/overview');
    expect(overview).toMatchObject({
      authRequired: false,
      framework: { name: 'Mesoflow', id: 'fw-1', subscribed: true },
      taskManagers: { registered: 1, slotsTotal: 2, slotsFree: 2 },
      workers: { desired: 1, launched: 1, pending: 0 },
      jobsByState: { ACCEPTED: 1, RUNNING: 1, FINISHED: 0, FAILED: 0, CANCELED: 0 },
      recentFailures: [],
    });
    expect(overview).not.toHaveProperty('schedulerError');

    expect((await json<JobSummaryView[]>(rest, '/api/v1/jobs')).map((job) => job.jobId)).toEqual([queued, running]);
    expect((await json<JobSummaryView[]>(rest, '/api/v1/jobs?state=RUNNING')).map((job) => job.jobId)).toEqual([running]);
    expect((await json<JobSummaryView[]>(rest, '/api/v1/jobs?q=join')).map((job) => job.jobId)).toEqual([queued]);
    expect((await json<JobSummaryView[]>(rest, `/api/v1/jobs?q=${running.slice(4, 12)}`)).map((job) => job.jobId)).toEqual([running]);
    expect(await json<JobSummaryView[]>(rest, '/api/v1/jobs?limit=1')).toHaveLength(1);
    expect(await json(rest, '/api/v1/jobs?limit=501', 400)).toEqual({ error: "limit: '501' is not a whole number from 1 to 500" });
    expect(await json(rest, '/api/v1/jobs?state=DONE', 400)).toEqual({ error: expect.stringContaining("state: 'DONE' is not a job state; expected one of ACCEPTED") });
    expect(await json(rest, '/api/v1/jobs?state=FAILED&state=RUNNING', 400)).toEqual({ error: 'state: given 2 times; expected it at most once' });

    const detail = await json<JobDetailView>(rest, `/api/v1/jobs/${running}`);
    expect(detail).toMatchObject({ jobId: running, jobName: 'WordCount', state: 'RUNNING', attempts: 1, tasks: [], exceptions: [], results: [] });
    expect(detail.graph?.vertices.map((vertex) => vertex.operators[0]?.kind)).toContain('SOURCE_COLLECTION');
    expect(detail.timeline.map((entry) => entry.state)).toEqual(['ACCEPTED', 'RUNNING']);
    expect(await json(rest, `/api/v1/jobs/${'f'.repeat(32)}`, 404)).toEqual({ error: `There is no job '${'f'.repeat(32)}'` });

    const taskManagers = await json<TaskManagerView[]>(rest, '/api/v1/taskmanagers');
    expect(taskManagers).toEqual([
      expect.objectContaining({
        taskId: 'taskmanager-00001',
        workerState: 'LAUNCHED',
        sandboxUrl: 'http://127.0.0.1:5050/#/agents/agent-1/frameworks/fw-1/executors/taskmanager-00001/browse',
        taskManager: expect.objectContaining({ slotsTotal: 2 }),
      }),
    ]);
    expect(await json<MesosView>(rest, '/api/v1/mesos')).toMatchObject({ suppressed: true, offers: { received: 4, accepted: 1, declined: 3, rescinded: 0 }, maximumFailedTasks: -1 });

    const config = await json<ConfigEntryView[]>(rest, '/api/v1/config');
    expect(config.find((entry) => entry.key === 'mesos.resourcemanager.framework.secret')).toMatchObject({ value: MASK, sensitive: true, source: 'programmatic' });
    expect(config.find((entry) => entry.key === 'redis.url')).toMatchObject({ value: redis.url, source: 'programmatic' });
    expect(JSON.stringify(config)).not.toContain('very-secret-value');

    expect(await json(rest, '/api/v1/nothing-here', 404)).toEqual({ error: "There is no API resource '/api/v1/nothing-here'" });
    await execution.release('web-1');
    const finished = await waitFor(async () => {
      const job = await json<JobDetailView>(rest, `/api/v1/jobs/${running}`);
      return job.state === 'FINISHED' ? job : undefined;
    });
    expect(finished.results).toEqual([{ operatorId: 'sink', records: ['["be",2]', '["to",2]'] }]);
    expect(finished.timeline.map((entry) => entry.state)).toEqual(['ACCEPTED', 'RUNNING', 'FINISHED']);
  }, 30_000);

  it('says the scheduler is unreachable in the overview, and answers 503 for its pages', async () => {
    const { rest } = await start();
    const overview = await json<OverviewView>(rest, '/api/v1/overview');
    expect(overview.schedulerError).toMatch(/^The scheduler's resource manager \(127\.0\.0\.1:\d+\) could not be read: /);
    expect(overview).not.toHaveProperty('framework');
    expect(await json(rest, '/api/v1/taskmanagers', 503)).toEqual({ error: expect.stringContaining('could not be read') });
    expect(await json(rest, '/api/v1/mesos', 503)).toEqual({ error: expect.stringContaining('could not be read') });
  }, 30_000);

  it('streams each topic at once and again when it changed, counts open streams, and refuses bad topics', async () => {
    const { rest } = await start({ cluster: FIXED_CLUSTER });
    const first = await submit(rest, 'live-1');
    const controller = new AbortController();
    const response = await fetch(`${rest}/api/v1/events?topic=jobs&topic=job:${first}&topic=mesos`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = new EventReader(response);
    try {
      await waitFor(() => reader.events.length >= 3, { description: 'the first event of each topic' });
      expect((reader.last('jobs') as JobSummaryView[]).map((job) => job.jobId)).toEqual([first]);
      expect(reader.last(`job:${first}`)).toMatchObject({ jobId: first, state: 'RUNNING' });
      expect(reader.last('mesos')).toMatchObject({ framework: { id: 'fw-1' } });
      expect(await (await fetch(`${rest}/metrics`)).text()).toContain('mesoflow_dispatcher_web_event_streams 1');

      const second = await submit(rest, 'live-2');
      await waitFor(() => (reader.last('jobs') as JobSummaryView[]).length === 2, { description: 'the jobs topic to show the new job' });
      expect((await fetch(`${rest}/jobs/${first}/cancel`, { method: 'POST' })).status).toBe(202);
      await waitFor(() => (reader.last(`job:${first}`) as JobDetailView).state === 'CANCELED', { description: 'the job topic to show the cancellation' });
      // The mesos view did not change: it was sent once.
      expect(reader.events.filter((entry) => entry.event === 'mesos')).toHaveLength(1);
      expect(second).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      controller.abort();
    }
    await waitFor(async () => (await (await fetch(`${rest}/metrics`)).text()).includes('mesoflow_dispatcher_web_event_streams 0'), { description: 'the stream to be closed' });

    const bad = await fetch(`${rest}/api/v1/events?topic=job:xyz`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "topic: 'job:xyz' is not a topic; expected overview, jobs, taskmanagers, mesos or job:<32 hex characters>" });
    expect((await fetch(`${rest}/api/v1/events`)).status).toBe(400);
  }, 30_000);

  it('serves the built UI: files with their types and caching, index.html for client routes, nothing outside its folder', async () => {
    const root = join(dir, `web-ui-${randomUUID()}`);
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Mesoflow UI</title>');
    writeFileSync(join(root, 'assets', 'index-3f9a1c.js'), 'console.log("ui")');
    writeFileSync(join(root, 'assets', 'index-3f9a1c.css'), 'body{}');
    writeFileSync(join(dir, 'outside.txt'), 'root:x:0:0 outside the UI folder');
    symlinkSync(join(dir, 'outside.txt'), join(root, 'leak.txt'));
    symlinkSync(dir, join(root, 'up'));
    const { rest } = await start({ cluster: FIXED_CLUSTER, webUiDir: root });

    const index = await fetch(`${rest}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('Mesoflow UI');
    const script = await fetch(`${rest}/assets/index-3f9a1c.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await script.text()).toBe('console.log("ui")');
    expect((await fetch(`${rest}/assets/index-3f9a1c.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const again = await fetch(`${rest}/assets/index-3f9a1c.js`, { headers: { 'if-none-match': script.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);

    for (const route of ['/taskmanagers', '/job/abc', '/mesos/offers/']) {
      const page = await fetch(`${rest}${route}`);
      expect({ route, status: page.status, type: page.headers.get('content-type') }).toEqual({ route, status: 200, type: 'text/html; charset=utf-8' });
      expect(await page.text()).toContain('Mesoflow UI');
    }
    expect((await fetch(`${rest}/assets/index-missing.js`)).status).toBe(404);
    expect((await fetch(`${rest}/favicon.ico`)).status).toBe(404);
    const head = await rawGet(rest, '/', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '', headers: expect.objectContaining({ 'content-length': String('<!doctype html><title>Mesoflow UI</title>'.length) }) });
    expect((await fetch(`${rest}/`, { method: 'POST' })).status).toBe(404);

    for (const path of ['/../outside.txt', '/..%2foutside.txt', '/%2e%2e/outside.txt', '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', '/..%2f..%2fetc/passwd', '/assets/..%2f..%2foutside.txt', '/leak.txt', '/up/outside.txt', '/..%5coutside.txt', '/.%2e/outside.txt']) {
      const answer = await rawGet(rest, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body).not.toContain('root:');
    }
    // The API and the service's own routes are not shadowed by the UI.
    expect((await fetch(`${rest}/healthz`)).status).toBe(200);
    expect(await json(rest, '/api/v1/overview')).toHaveProperty('cluster');
  }, 30_000);

  it('answers / with 200 and how to build the UI while it is not built', async () => {
    const { rest } = await start({ cluster: FIXED_CLUSTER });
    const root = await fetch(`${rest}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await root.text();
    expect(page).toContain('The web UI is not built');
    expect(page).toContain('npm run build');
    expect(page).toContain(join(dir, 'not-built', 'index.html'));
    expect((await fetch(`${rest}/taskmanagers`)).status).toBe(200);
  }, 30_000);
});
