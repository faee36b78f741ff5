// Unit tier: the scheduler's decisions, one event at a time, with a recording client in place of
// the Mesos connection so each call can be asserted exactly (a real file store; the real master
// path is scheduler.int-spec.ts, against the local Mesos stand-in).
import { createConfig, Duration, MemorySize, type ConfigValues } from '@mesoflow/config';
import { MesosClientError, MesosClientErrorCode } from '@mesoflow/mesos-client';
import { mesos } from '@mesoflow/proto';
import { FileWorkerStore, type WorkerStore } from '@mesoflow/zk-store';
import { mkdtemp, rm } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameworkRemovedError, SchedulerErrorCode, type SchedulerError } from './errors';
import { FakeClient, frameworkRemoved, ManualClock, offer, status } from './testing/fake-client';
import { WorkerScheduler, type WorkerSchedulerOptions } from './worker-scheduler';

const S = mesos.v1.TaskState;

describe('WorkerScheduler', () => {
  let folder: string;
  let store: WorkerStore;
  let client: FakeClient;
  let clock: ManualClock;
  let fatal: SchedulerError[];

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'worker-scheduler-'));
    store = await FileWorkerStore.open(folder);
    client = new FakeClient();
    clock = new ManualClock();
    fatal = [];
  });

  afterEach(async () => {
    await store.close();
    await rm(folder, { recursive: true, force: true });
  });

  function scheduler(
    desiredWorkers: number,
    values: ConfigValues = {},
    extra: Partial<WorkerSchedulerOptions> = {},
  ): WorkerScheduler {
    const config = createConfig(
      {
        'mesos.master': 'master:5050',
        'mesos.resourcemanager.tasks.cpus': 1,
        'mesos.resourcemanager.tasks.mem': MemorySize.of(256, 'm'),
        'mesos.resourcemanager.tasks.taskmanager-cmd': 'sleep 300',
        'mesos.resourcemanager.declined-offer-refuse-duration': Duration.of(7, 's'),
        ...values,
      },
      { service: 'scheduler' },
    );
    return new WorkerScheduler({
      client,
      store,
      config,
      desiredWorkers,
      clock,
      replacementBackoff: { initialMs: 100, maxMs: 1_000 },
      onFatalError: (error) => fatal.push(error),
      ...extra,
    });
  }

  /** Starts with `desired` workers and places them all on one offer; returns the scheduler. */
  async function running(
    desired: number,
    values: ConfigValues = {},
    extra: Partial<WorkerSchedulerOptions> = {},
  ): Promise<WorkerScheduler> {
    const s = scheduler(desired, values, extra);
    await s.start();
    client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o1', 'a1', 8, 4096, [31000, 31099])] } });
    await s.idle();
    for (const view of s.workerViews()) {
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status(view.taskId, S.TASK_RUNNING) } });
    }
    await s.idle();
    return s;
  }

  it('persists the framework ID and records the desired workers on subscription', async () => {
    const s = scheduler(2);
    await s.start();

    expect(await store.getFrameworkId()).toBe('fw-1');
    expect((await store.list()).map((w) => [w.taskId, w.state])).toEqual([
      ['taskmanager-00001', 'New'],
      ['taskmanager-00002', 'New'],
    ]);
    // Nothing was suppressed, so demand needs no REVIVE; nothing is reconciled yet.
    expect(client.calls).toEqual([]);
    expect(s.offersSuppressed).toBe(false);
  });

  it('marks workers Launched before the ACCEPT, declines the rest and suppresses when nothing is pending', async () => {
    const s = scheduler(2);
    await s.start();
    const statesAtAccept: string[] = [];
    client.onAccept = async () => {
      for (const worker of await store.list()) statesAtAccept.push(`${worker.taskId}:${worker.state}`);
    };

    client.emit('OFFERS', {
      type: 'OFFERS',
      offers: { offers: [offer('o1', 'a1', 2, 1024, [31000, 31010]), offer('o2', 'a2', 0.5, 128, [31000, 31010])] },
    });
    await s.idle();

    expect(statesAtAccept).toEqual(['taskmanager-00001:Launched', 'taskmanager-00002:Launched']);
    const [accept] = client.named('accept');
    expect(accept?.body.offer_ids).toEqual([{ value: 'o1' }]);
    expect(accept?.body.filters).toEqual({ refuse_seconds: 7 });
    const tasks = accept?.body.operations?.[0]?.launch?.task_infos ?? [];
    expect(tasks.map((t) => t.task_id.value)).toEqual(['taskmanager-00001', 'taskmanager-00002']);
    const first = tasks[0];
    expect(first?.agent_id).toEqual({ value: 'a1' });
    expect(first?.command?.value).toBe('sleep 300');
    const env = Object.fromEntries((first?.command?.environment?.variables ?? []).map((v) => [v.name, v.value]));
    const stored = await store.get('taskmanager-00001');
    expect(env).toEqual({ MESOFLOW_RPC_PORT: String(stored?.ports[0]), MESOFLOW_DATA_PORT: String(stored?.ports[1]) });
    expect(stored).toMatchObject({ state: 'Launched', agentId: 'a1', hostname: 'a1.example' });
    expect((first?.resources ?? []).map((r) => r.name).sort()).toEqual(['cpus', 'mem', 'ports']);

    expect(client.named('decline').map((c) => c.body)).toEqual([{ offer_ids: [{ value: 'o2' }], filters: { refuse_seconds: 7 } }]);
    expect(client.calls.at(-1)).toEqual({ name: 'suppress' });
    expect(s.offersSuppressed).toBe(true);
  });

  it("persists each agent's workers as Launched before that agent's ACCEPT, one ACCEPT per agent", async () => {
    const s = scheduler(3);
    await s.start();
    const storedAtAccept: string[] = [];
    client.onAccept = async (body) => {
      for (const task of body.operations?.[0]?.launch?.task_infos ?? []) {
        storedAtAccept.push(`${task.task_id.value}:${(await store.get(task.task_id.value))?.state ?? 'missing'}`);
      }
    };
    const offers = ['a1', 'a2', 'a3'].map((agent, i) => offer(`o${i + 1}`, agent, 1, 1024, [31000, 31010]));
    client.emit('OFFERS', { type: 'OFFERS', offers: { offers } });
    await s.idle();

    expect(storedAtAccept.sort()).toEqual(['taskmanager-00001:Launched', 'taskmanager-00002:Launched', 'taskmanager-00003:Launched']);
    expect(client.named('accept').map((c) => c.body.offer_ids?.[0]?.value).sort()).toEqual(['o1', 'o2', 'o3']);
  });

  it('launches nothing when the batch cannot be persisted, and reconciles whatever was written', async () => {
    const failing = new Proxy(store, {
      get: (target, name: keyof WorkerStore) =>
        name === 'updateAll' ? () => Promise.reject(new Error('disk full')) : (target[name] as (...args: unknown[]) => unknown).bind(target),
    });
    const s = scheduler(1, {}, { store: failing });
    await s.start();
    client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o1', 'a1', 8, 4096, [31000, 31099])] } });
    await s.idle();

    expect(client.named('accept')).toEqual([]);
    expect(client.named('decline').map((c) => c.body.offer_ids)).toEqual([[{ value: 'o1' }]]);
    // Nothing was written, so nothing needs reconciling; the worker waits for the next offer.
    expect(client.named('reconcile')).toEqual([]);
    expect(s.workerViews().map((w) => w.state)).toEqual(['New']);
  });

  it('acknowledges a status only after persisting it, and tracks RUNNING', async () => {
    const s = await running(1);
    expect(s.workerViews()[0]?.taskState).toBe('TASK_RUNNING');
    const stateAtAck: string[] = [];
    client.onAcknowledge = async (st) => {
      stateAtAck.push((await store.get(st.task_id.value))?.state ?? 'missing');
    };

    client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_FAILED) } });
    await s.idle();

    expect(stateAtAck).toEqual(['Released']);
    expect(await store.get('taskmanager-00001')).toMatchObject({ state: 'Released', failureCount: 1 });
  });

  it('replaces a failed worker after a backoff and revives offers for it', async () => {
    const s = await running(2);
    client.calls.length = 0;

    client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00002', S.TASK_LOST) } });
    await s.idle();
    expect((await store.list()).filter((w) => w.state !== 'Released')).toHaveLength(1);
    // The replacement, and the periodic implicit reconciliation.
    expect(clock.pending).toBe(2);

    clock.advance(99);
    await s.idle();
    expect(await store.get('taskmanager-00003')).toBeUndefined();

    clock.advance(1);
    await s.idle();
    expect(await store.get('taskmanager-00003')).toMatchObject({ state: 'New' });
    expect(client.calls.map((c) => c.name)).toEqual(['acknowledge', 'revive']);
    expect(s.failedTasks()).toBe(1);
  });

  it('doubles the backoff for failures in a row', async () => {
    const s = await running(1);
    client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_FAILED) } });
    await s.idle();
    clock.advance(100);
    await s.idle();
    client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o2', 'a1', 8, 4096, [31000, 31099])] } });
    await s.idle();
    client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00002', S.TASK_FAILED) } });
    await s.idle();

    clock.advance(199);
    await s.idle();
    expect(await store.get('taskmanager-00003')).toBeUndefined();
    clock.advance(1);
    await s.idle();
    expect(await store.get('taskmanager-00003')).toMatchObject({ state: 'New' });
  });

  it('gives up with a clear error once more tasks failed than mesos.maximum-failed-tasks', async () => {
    const s = await running(2, { 'mesos.maximum-failed-tasks': 1 });

    client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_FAILED) } });
    await s.idle();
    expect(s.state.name).toBe('running');
    client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00002', S.TASK_GONE) } });
    await s.idle();

    expect(s.state.name).toBe('failed');
    expect(fatal.map((e) => e.code)).toEqual([SchedulerErrorCode.TOO_MANY_FAILED_TASKS]);
    expect(fatal[0]?.message).toMatch(/2 TaskManager tasks failed, more than 'mesos.maximum-failed-tasks' \(1\)/);
    expect(clock.pending).toBe(0);
    expect(s.offersSuppressed).toBe(true);
  });

  it('treats TASK_UNREACHABLE as lost and kills the task if it comes back', async () => {
    const s = await running(1);
    client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_UNREACHABLE) } });
    await s.idle();
    expect(await store.get('taskmanager-00001')).toMatchObject({ state: 'Released', failureCount: 1 });

    client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_RUNNING) } });
    await s.idle();
    expect(client.named('kill').map((c) => c.body)).toEqual([
      { task_id: { value: 'taskmanager-00001' }, agent_id: { value: 'a1' } },
    ]);
  });

  it('reconciles every Launched worker on re-subscription and launches nothing more', async () => {
    const s = await running(2);
    client.calls.length = 0;

    client.subscribe();
    await s.idle();

    expect(client.named('reconcile').map((c) => c.body)).toEqual([
      {
        tasks: [
          { task_id: { value: 'taskmanager-00001' }, agent_id: { value: 'a1' } },
          { task_id: { value: 'taskmanager-00002' }, agent_id: { value: 'a1' } },
        ],
      },
    ]);
    // The new subscription starts unsuppressed; nothing is pending, so it is suppressed again.
    expect(client.calls.map((c) => c.name)).toEqual(['reconcile', 'suppress']);
    expect(await store.list()).toHaveLength(2);
  });

  it('after a restart keeps the stored workers and records only the missing ones', async () => {
    const old = await running(1);
    await old.close();
    client = new FakeClient();

    const s = scheduler(2);
    await s.start();

    expect(client.named('reconcile')).toHaveLength(1);
    expect((await store.list()).map((w) => [w.taskId, w.state])).toEqual([
      ['taskmanager-00001', 'Launched'],
      ['taskmanager-00002', 'New'],
    ]);
    // Reconciliation answers carry no uuid and are not acknowledged.
    client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_RUNNING, 'a1', false) } });
    await s.idle();
    expect(client.named('acknowledge')).toHaveLength(0);
    expect(s.workerViews().find((v) => v.taskId === 'taskmanager-00001')?.taskState).toBe('TASK_RUNNING');
  });

  describe('as the resource manager\'s fleet', () => {
    it('records and launches more workers when more are desired, and drops New ones when fewer are', async () => {
      const s = await running(1);
      s.setDesiredWorkers(3);
      await s.idle();
      expect((await store.list()).map((w) => `${w.taskId}:${w.state}`)).toEqual([
        'taskmanager-00001:Launched',
        'taskmanager-00002:New',
        'taskmanager-00003:New',
      ]);
      expect(client.calls.at(-1)).toEqual({ name: 'revive' });

      s.setDesiredWorkers(2);
      await s.idle();
      // The newest pending worker goes first; a Launched one is never killed for a lower count.
      expect((await store.list()).map((w) => `${w.taskId}:${w.state}`)).toEqual([
        'taskmanager-00001:Launched',
        'taskmanager-00002:New',
        'taskmanager-00003:Released',
      ]);
      s.setDesiredWorkers(0);
      await s.idle();
      expect((await store.get('taskmanager-00001'))?.state).toBe('Launched');
      expect(s.offersSuppressed).toBe(true);
      expect(s.failedTasks()).toBe(0);
      expect(() => s.setDesiredWorkers(-1)).toThrow(/whole number >= 0, got -1/);
    });

    it('releases an idle worker: persisted, then killed, not a failure and not replaced', async () => {
      const s = await running(2);
      s.setDesiredWorkers(1);
      client.calls.length = 0;
      let stateAtKill = '';
      client.onKill = async (body) => {
        stateAtKill = (await store.get(body.task_id.value))?.state ?? 'missing';
      };

      await s.releaseWorker('taskmanager-00002', 'idle for 30 s');

      expect(stateAtKill).toBe('Released');
      expect(client.named('kill').map((c) => c.body)).toEqual([{ task_id: { value: 'taskmanager-00002' }, agent_id: { value: 'a1' } }]);
      expect(await store.get('taskmanager-00002')).toMatchObject({ state: 'Released', failureCount: 0 });
      // The KILLED update that follows is acknowledged and changes nothing.
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00002', S.TASK_KILLED) } });
      await s.idle();
      clock.advance(10_000);
      await s.idle();
      expect((await store.list()).filter((w) => w.state !== 'Released').map((w) => w.taskId)).toEqual(['taskmanager-00001']);
      expect(s.failedTasks()).toBe(0);
      // Not Launched any more: a second release is a no-op.
      await s.releaseWorker('taskmanager-00002', 'again');
      expect(client.named('kill')).toHaveLength(1);
    });

    it('fails a worker that never registered: killed, counted, and replaced after the backoff', async () => {
      const s = await running(1, { 'mesos.maximum-failed-tasks': 3 });
      client.calls.length = 0;

      await s.failWorker('taskmanager-00001', 'no registration within 5 min');

      expect(client.named('kill')).toHaveLength(1);
      expect(await store.get('taskmanager-00001')).toMatchObject({ state: 'Released', failureCount: 1 });
      expect(s.failedTasks()).toBe(1);
      clock.advance(100);
      await s.idle();
      expect(await store.get('taskmanager-00002')).toMatchObject({ state: 'New' });
    });

    it('tells listeners about every change of a worker', async () => {
      const s = scheduler(1);
      const seen: string[] = [];
      s.onWorkerChange((view) => seen.push(`${view.taskId}:${view.state}:${view.taskState ?? '-'}`));
      await s.start();
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o1', 'a1', 8, 4096, [31000, 31099])] } });
      await s.idle();
      for (const state of [S.TASK_STARTING, S.TASK_RUNNING, S.TASK_RUNNING, S.TASK_FAILED]) {
        client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', state) } });
      }
      await s.idle();

      expect(seen).toEqual([
        'taskmanager-00001:New:-',
        'taskmanager-00001:Launched:-',
        'taskmanager-00001:Launched:TASK_STARTING',
        'taskmanager-00001:Launched:TASK_RUNNING',
        'taskmanager-00001:Released:-',
      ]);
    });

    it('keeps a worker New when its TaskInfo cannot be had, and launches it on a later offer', async () => {
      let fail = true;
      const s = scheduler(1, {}, {
        taskSource: {
          taskInfo: (worker, agentId) => {
            if (fail) return Promise.reject(new Error('the configuration overlay is down'));
            return Promise.resolve({ name: 'tm', task_id: { value: worker.taskId }, agent_id: { value: agentId }, resources: [] });
          },
          close: () => undefined,
        },
      });
      await s.start();
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o1', 'a1', 8, 4096, [31000, 31099])] } });
      await s.idle();
      expect(await store.get('taskmanager-00001')).toMatchObject({ state: 'New' });
      expect(client.named('accept')).toHaveLength(0);
      expect(client.named('decline').map((c) => c.body.offer_ids)).toEqual([[{ value: 'o1' }]]);

      fail = false;
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o2', 'a1', 8, 4096, [31000, 31099])] } });
      await s.idle();
      expect(await store.get('taskmanager-00001')).toMatchObject({ state: 'Launched' });
    });

    it('counts offers, decisions and reconciliation rounds in its metrics', async () => {
      const registry = new Registry();
      const s = await running(2, {}, { metrics: registry });
      client.subscribe();
      await s.idle();
      const text = await registry.metrics();

      expect(text).toMatch(/^mesoflow_scheduler_offers_received_total 1$/m);
      expect(text).toMatch(/^mesoflow_scheduler_offers_accepted_total 1$/m);
      expect(text).toMatch(/^mesoflow_scheduler_offer_decision_seconds_count 1$/m);
      expect(text).toMatch(/^mesoflow_scheduler_launch_seconds_count 2$/m);
      expect(text).toMatch(/^mesoflow_scheduler_workers\{state="Launched"\} 2$/m);
      expect(text).toMatch(/^mesoflow_scheduler_resubscriptions_total 1$/m);
      expect(text).toMatch(/^mesoflow_scheduler_reconciliation_rounds_total\{kind="explicit"\} 1$/m);
      expect(text).toMatch(/^mesoflow_scheduler_offers_suppressed 1$/m);
    });
  });

  describe('status and worker history', () => {
    const changes = (s: WorkerScheduler, taskId: string): Array<[string, string | undefined]> =>
      (s.workerView(taskId)?.history ?? []).map((change) => [change.state, change.detail]);

    it("keeps each worker's history: recorded, launched, each new task state with its reason, released", async () => {
      const s = scheduler(1);
      await s.start();
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o1', 'a1', 8, 4096, [31000, 31099])] } });
      await s.idle();
      const failed = {
        ...status('taskmanager-00001', S.TASK_FAILED),
        reason: mesos.v1.TaskStatus.Reason.REASON_COMMAND_EXECUTOR_FAILED,
        message: 'Command exited with status 1',
      };
      for (const update of [status('taskmanager-00001', S.TASK_STARTING), status('taskmanager-00001', S.TASK_RUNNING), status('taskmanager-00001', S.TASK_RUNNING), failed]) {
        client.emit('UPDATE', { type: 'UPDATE', update: { status: update } });
      }
      await s.idle();

      expect(changes(s, 'taskmanager-00001')).toEqual([
        ['NEW', undefined],
        ['LAUNCHED', "on agent 'a1' ('a1.example')"],
        ['TASK_STARTING', undefined],
        ['TASK_RUNNING', undefined],
        ['TASK_FAILED', 'REASON_COMMAND_EXECUTOR_FAILED: Command exited with status 1'],
        ['RELEASED', 'its task is TASK_FAILED'],
      ]);
      expect(s.workerView('taskmanager-00001')?.history.every((change) => change.atMs === clock.now())).toBe(true);
      expect(s.workerView('taskmanager-00001')?.frameworkId).toBe('fw-1');
    });

    it("adds its TaskManager's changes, and the end of a released worker's task, telling listeners of the latter", async () => {
      const s = await running(1);
      s.recordTaskManagerChange('taskmanager-00001', 'REGISTERED', "2 slot(s) at '127.0.0.1:6122'");
      await s.releaseWorker('taskmanager-00001', 'idle for 30000 ms');
      const seen: string[] = [];
      s.onWorkerChange((view) => seen.push(`${view.state}:${view.history.at(-1)?.state ?? '-'}`));
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_KILLED) } });
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_KILLED) } });
      await s.idle();

      expect(changes(s, 'taskmanager-00001')).toEqual([
        ['NEW', undefined],
        ['LAUNCHED', "on agent 'a1' ('a1.example')"],
        ['TASK_RUNNING', undefined],
        ['REGISTERED', "2 slot(s) at '127.0.0.1:6122'"],
        ['RELEASED', 'idle for 30000 ms'],
        ['TASK_KILLED', undefined],
      ]);
      expect(seen).toEqual(['Released:TASK_KILLED']);
    });

    it('starts the history of a worker recorded before a restart with its stored state', async () => {
      const old = await running(1);
      await old.close();
      client = new FakeClient();
      const s = scheduler(1);
      await s.start();

      expect(s.workerView('taskmanager-00001')).toMatchObject({
        frameworkId: 'fw-1',
        history: [{ atMs: clock.now(), state: 'LAUNCHED', detail: 'as recorded before this scheduler started' }],
      });
    });

    it('tells its framework, the leader, offer counts per interval, workers, reconciliation and failures', async () => {
      const start = clock.now();
      const s = scheduler(2, { 'mesos.maximum-failed-tasks': 3, 'mesos.resourcemanager.framework.name': 'status-spec' });
      expect(s.schedulerStatus()).toMatchObject({ frameworkName: 'status-spec', frameworkId: undefined, master: 'master:5050', leader: undefined, subscribed: false });

      await s.start();
      expect(s.schedulerStatus()).toMatchObject({ frameworkId: 'fw-1', leader: 'master:5050', subscribed: true, pendingWorkers: 2, desiredWorkers: 2, suppressed: false });
      // o2 is too small for a worker: declined.
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o1', 'a1', 8, 4096, [31000, 31099]), offer('o2', 'a2', 0.5, 128, [31000, 31010])] } });
      await s.idle();
      clock.advance(10_000);
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o3', 'a2', 0.5, 128, [31000, 31010])] } });
      client.emit('RESCIND', { type: 'RESCIND', rescind: { offer_id: { value: 'o9' } } });
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_FAILED) } });
      await s.idle();
      client.subscribe();
      await s.idle();

      expect(s.schedulerStatus()).toEqual({
        frameworkName: 'status-spec',
        frameworkId: 'fw-1',
        master: 'master:5050',
        leader: 'master:5050',
        subscribed: true,
        suppressed: true,
        startedAtMs: start,
        offersReceived: 3,
        offersAccepted: 1,
        offersDeclined: 2,
        offersRescinded: 1,
        offerHistory: [
          { startMs: start, received: 2, accepted: 1, declined: 1 },
          { startMs: start + 10_000, received: 1, accepted: 0, declined: 1 },
        ],
        offerHistoryIntervalMs: 10_000,
        pendingWorkers: 0,
        desiredWorkers: 2,
        reconciliationRounds: 1,
        resubscriptions: 1,
        failedTasks: 1,
        maximumFailedTasks: 3,
      });
    });
  });

  describe('unused offers', () => {
    const holdFor10s = { 'mesos.resourcemanager.unused-offer-expiration': Duration.of(10, 's') };

    it('holds an offer that fits nothing pending but could host a worker, and declines it on expiry', async () => {
      const s = await running(1, holdFor10s);
      client.calls.length = 0;

      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o2', 'a2', 8, 4096, [31000, 31099])] } });
      await s.idle();
      expect(s.heldOfferIds()).toEqual(['o2']);
      expect(client.named('decline')).toEqual([]);

      clock.advance(9_999);
      await s.idle();
      expect(client.named('decline')).toEqual([]);
      clock.advance(1);
      await s.idle();
      expect(client.named('decline').map((c) => c.body)).toEqual([{ offer_ids: [{ value: 'o2' }], filters: { refuse_seconds: 7 } }]);
      expect(s.heldOfferIds()).toEqual([]);
    });

    it('declines at once an offer too small for any worker, and everything when the expiration is 0', async () => {
      const s = await running(1, { 'mesos.resourcemanager.unused-offer-expiration': Duration.of(0, 's') });
      client.calls.length = 0;
      client.emit('OFFERS', {
        type: 'OFFERS',
        offers: { offers: [offer('small', 'a2', 0.5, 128, [31000, 31010]), offer('big', 'a3', 8, 4096, [31000, 31099])] },
      });
      await s.idle();
      expect(client.named('decline').map((c) => c.body.offer_ids)).toEqual([[{ value: 'small' }, { value: 'big' }]]);
      expect(s.heldOfferIds()).toEqual([]);
    });

    it('places a replacement on a held offer first, without reviving offers', async () => {
      const s = await running(1, holdFor10s);
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o2', 'a2', 8, 4096, [31000, 31099])] } });
      await s.idle();
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_FAILED) } });
      await s.idle();
      client.calls.length = 0;

      clock.advance(100);
      await s.idle();

      const accepts = client.named('accept');
      expect(accepts.map((c) => c.body.offer_ids)).toEqual([[{ value: 'o2' }]]);
      expect(accepts[0]?.body.operations?.[0]?.launch?.task_infos?.map((t) => t.task_id.value)).toEqual(['taskmanager-00002']);
      expect(client.calls.map((c) => c.name)).toEqual(['accept']);
      expect(s.heldOfferIds()).toEqual([]);
      expect(await store.get('taskmanager-00002')).toMatchObject({ state: 'Launched', agentId: 'a2' });
      // The expiry timer of the used offer is gone: nothing is declined later.
      clock.advance(10_000);
      await s.idle();
      expect(client.named('decline')).toEqual([]);
    });

    it('forgets a held offer on RESCIND', async () => {
      const s = await running(1, holdFor10s);
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o2', 'a2', 8, 4096, [31000, 31099])] } });
      await s.idle();
      client.emit('RESCIND', { type: 'RESCIND', rescind: { offer_id: { value: 'o2' } } });
      await s.idle();
      expect(s.heldOfferIds()).toEqual([]);

      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_FAILED) } });
      await s.idle();
      client.calls.length = 0;
      clock.advance(10_000);
      await s.idle();
      // The replacement waits for a new offer: it revives rather than using the rescinded one.
      expect(client.calls.map((c) => c.name)).toEqual(['revive']);
    });

    it('forgets held offers on re-subscription', async () => {
      const s = await running(1, holdFor10s);
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o2', 'a2', 8, 4096, [31000, 31099])] } });
      await s.idle();
      expect(s.heldOfferIds()).toEqual(['o2']);

      client.subscribe();
      await s.idle();
      expect(s.heldOfferIds()).toEqual([]);
      client.calls.length = 0;
      clock.advance(10_000);
      await s.idle();
      expect(client.named('decline')).toEqual([]);
    });
  });

  describe('reconciliation', () => {
    const timing = { reconciliation: { initialMs: 100, maxMs: 400, implicitIntervalMs: 5_000 } };
    const reconciled = (): string[][] =>
      client.named('reconcile').map((c) => (c.body.tasks ?? []).map((t) => t.task_id.value));

    it('retries explicit reconciliation with backoff until each worker is answered, then reconciles implicitly', async () => {
      const s = await running(2, {}, timing);
      client.calls.length = 0;

      client.subscribe();
      await s.idle();
      expect(reconciled()).toEqual([['taskmanager-00001', 'taskmanager-00002']]);
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_RUNNING, 'a1', false) } });
      await s.idle();

      clock.advance(100);
      await s.idle();
      expect(reconciled()).toEqual([['taskmanager-00001', 'taskmanager-00002'], ['taskmanager-00002']]);
      clock.advance(199);
      await s.idle();
      expect(reconciled()).toHaveLength(2);
      clock.advance(1);
      await s.idle();
      expect(reconciled()).toEqual([['taskmanager-00001', 'taskmanager-00002'], ['taskmanager-00002'], ['taskmanager-00002']]);

      // An answer (here a status with a uuid) confirms it, which ends the round at once.
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00002', S.TASK_RUNNING) } });
      await s.idle();
      clock.advance(400);
      await s.idle();
      expect(reconciled()).toHaveLength(3);

      clock.advance(5_000);
      await s.idle();
      expect(client.named('reconcile').at(-1)?.body).toEqual({ tasks: [] });
      clock.advance(5_000);
      await s.idle();
      expect(client.named('reconcile').slice(3).map((c) => c.body)).toEqual([{ tasks: [] }, { tasks: [] }]);
    });

    it('ends the explicit round as soon as the last worker is answered', async () => {
      const s = await running(1, {}, timing);
      client.subscribe();
      await s.idle();
      client.calls.length = 0;
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_RUNNING, 'a1', false) } });
      await s.idle();

      clock.advance(4_999);
      await s.idle();
      expect(reconciled()).toEqual([]);
      clock.advance(1);
      await s.idle();
      expect(client.named('reconcile').map((c) => c.body)).toEqual([{ tasks: [] }]);
    });

    it('replaces at once, without counting a failure, a worker whose ACCEPT never reached the master', async () => {
      const s = scheduler(1, {}, timing);
      await s.start();
      client.onAccept = () => Promise.reject(new Error('connection reset'));
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o1', 'a1', 8, 4096, [31000, 31099])] } });
      await s.idle();
      client.onAccept = undefined;

      const unknown = {
        ...status('taskmanager-00001', S.TASK_GONE, 'a1', false),
        reason: mesos.v1.TaskStatus.Reason.REASON_RECONCILIATION,
        message: 'Reconciliation: Task is unknown to the agent',
      };
      client.emit('UPDATE', { type: 'UPDATE', update: { status: unknown } });
      await s.idle();

      expect(await store.get('taskmanager-00001')).toMatchObject({ state: 'Released', failureCount: 0 });
      expect(await store.get('taskmanager-00002')).toMatchObject({ state: 'New' });
      expect(s.failedTasks()).toBe(0);
      // A task on an agent Mesos lost track of is a failure all the same.
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o2', 'a1', 8, 4096, [31000, 31099])] } });
      await s.idle();
      const unreachable = { ...unknown, task_id: { value: 'taskmanager-00002' }, state: S.TASK_UNREACHABLE };
      client.emit('UPDATE', { type: 'UPDATE', update: { status: unreachable } });
      await s.idle();
      expect(s.failedTasks()).toBe(1);
    });

    it('caps the explicit backoff at maxMs', async () => {
      const s = await running(1, {}, timing);
      client.subscribe();
      await s.idle();
      client.calls.length = 0;
      for (const step of [100, 200, 400, 400]) {
        clock.advance(step);
        await s.idle();
      }
      expect(reconciled()).toEqual([['taskmanager-00001'], ['taskmanager-00001'], ['taskmanager-00001'], ['taskmanager-00001']]);
    });

    it('kills a running task that an implicit answer reports and the store does not know', async () => {
      const s = await running(1, {}, timing);
      clock.advance(5_000);
      await s.idle();
      expect(client.named('reconcile').map((c) => c.body)).toEqual([{ tasks: [] }]);

      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00099', S.TASK_RUNNING, 'a3', false) } });
      await s.idle();
      expect(client.named('kill').map((c) => c.body)).toEqual([
        { task_id: { value: 'taskmanager-00099' }, agent_id: { value: 'a3' } },
      ]);
    });

    it('reconciles workers whose ACCEPT failed until answered', async () => {
      const s = scheduler(1, {}, timing);
      await s.start();
      client.onAccept = () => Promise.reject(new Error('connection reset'));
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('o1', 'a1', 8, 4096, [31000, 31099])] } });
      await s.idle();
      expect(reconciled()).toEqual([['taskmanager-00001']]);
      expect(client.named('reconcile')[0]?.body.tasks?.[0]?.agent_id).toEqual({ value: 'a1' });

      clock.advance(100);
      await s.idle();
      expect(reconciled()).toHaveLength(2);
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_LOST, 'a1', false) } });
      await s.idle();
      clock.advance(200);
      await s.idle();
      expect(reconciled()).toHaveLength(2);
    });
  });

  describe('a removed framework', () => {
    const anew = { 'mesos.resourcemanager.framework.on-removed': 'register-anew' } as const;

    async function storeWithTwoLaunchedWorkers(): Promise<void> {
      const old = await running(2);
      await old.close();
      client = new FakeClient();
      client.startError = frameworkRemoved();
    }

    it("fails to start with a FrameworkRemovedError naming the framework ID in 'stop' mode (the default)", async () => {
      await storeWithTwoLaunchedWorkers();
      const s = scheduler(2);

      const error: unknown = await s.start().catch((e: unknown) => e);

      expect(error).toBeInstanceOf(FrameworkRemovedError);
      expect(error).toMatchObject({
        code: SchedulerErrorCode.FRAMEWORK_REMOVED,
        frameworkId: 'fw-1',
        masterMessage: 'Framework has been removed',
      });
      expect((error as Error).message).toMatch(/removed framework 'fw-1'.*'Framework has been removed'/);
      expect(s.state).toMatchObject({ name: 'failed', error });
      // The store is left as it was.
      expect(await store.getFrameworkId()).toBe('fw-1');
      expect((await store.list()).map((w) => w.state)).toEqual(['Launched', 'Launched']);
      expect(clock.pending).toBe(0);
    });

    it("registers anew in 'register-anew' mode: releases the Launched workers and launches replacements", async () => {
      await storeWithTwoLaunchedWorkers();
      const fresh = new FakeClient('fw-2');
      const idWhenSubscribingAnew: Array<string | undefined> = [];
      const subscribe = fresh.start.bind(fresh);
      fresh.start = async () => {
        idWhenSubscribingAnew.push(await store.getFrameworkId());
        return subscribe();
      };
      const s = scheduler(2, anew, { newFrameworkClient: () => fresh });

      await s.start();

      // Forgotten first, so that a crash before the new SUBSCRIBED cannot offer the removed ID again.
      expect(idWhenSubscribingAnew).toEqual([undefined]);
      expect(await store.getFrameworkId()).toBe('fw-2');
      expect((await store.list()).map((w) => [w.taskId, w.state, w.failureCount])).toEqual([
        ['taskmanager-00001', 'Released', 0],
        ['taskmanager-00002', 'Released', 0],
        ['taskmanager-00003', 'New', 0],
        ['taskmanager-00004', 'New', 0],
      ]);
      // Nothing to reconcile with the new framework.
      expect(fresh.named('reconcile')).toEqual([]);

      fresh.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('n1', 'a1', 8, 4096, [31000, 31099])] } });
      await s.idle();
      expect(fresh.named('accept')[0]?.body.operations?.[0]?.launch?.task_infos?.map((t) => t.task_id.value)).toEqual([
        'taskmanager-00003',
        'taskmanager-00004',
      ]);
      expect(client.calls).toEqual([]);
      expect(s.state.name).toBe('running');
    });

    it('registers anew when the client fails on a re-subscription while running', async () => {
      const fresh = new FakeClient('fw-2');
      const s = await running(1, anew, { newFrameworkClient: () => fresh });

      client.emit('failed', frameworkRemoved());
      await s.idle();

      expect(await store.getFrameworkId()).toBe('fw-2');
      expect((await store.list()).map((w) => [w.taskId, w.state])).toEqual([
        ['taskmanager-00001', 'Released'],
        ['taskmanager-00002', 'New'],
      ]);
      expect(s.failedTasks()).toBe(0);
      expect(fatal).toEqual([]);
    });

    it("reports a FrameworkRemovedError through onFatalError when it happens while running in 'stop' mode", async () => {
      const s = await running(1);

      client.emit('failed', frameworkRemoved());
      await s.idle();

      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toBeInstanceOf(FrameworkRemovedError);
      expect(fatal[0]).toMatchObject({ code: SchedulerErrorCode.FRAMEWORK_REMOVED, frameworkId: 'fw-1' });
      expect(s.state.name).toBe('failed');
      expect(clock.pending).toBe(0);
    });

    it("refuses 'register-anew' without a way to build a new framework's client", () => {
      expect(() => scheduler(1, anew)).toThrow(/register-anew/);
    });
  });

  describe('deregistration (the application ended)', () => {
    const end = { status: 'SUCCEEDED', diagnostics: 'job done' } as const;

    it('releases and kills every worker, tears the framework down, then deletes its ID and the workers', async () => {
      const deregistered: unknown[] = [];
      const s = await running(2, {}, { onDeregistered: (outcome) => deregistered.push(outcome) });
      const idAtTeardown: Array<string | undefined> = [];
      const teardown = client.teardown.bind(client);
      client.teardown = async () => {
        idAtTeardown.push(await store.getFrameworkId());
        return teardown();
      };
      client.calls.length = 0;

      const outcome = await s.deregisterApplication(end);

      expect(outcome).toEqual({ frameworkId: 'fw-1', tornDown: true });
      expect(deregistered).toEqual([outcome]);
      expect(client.calls.map((call) => (call.name === 'kill' ? `kill ${call.body.task_id.value}` : call.name))).toEqual([
        'kill taskmanager-00001',
        'kill taskmanager-00002',
        'teardown',
      ]);
      // Forgotten only after the TEARDOWN: stopping in between leaves an ID the master refuses, not a live framework nobody knows.
      expect(idAtTeardown).toEqual(['fw-1']);
      expect(await store.getFrameworkId()).toBeUndefined();
      expect(await store.list()).toEqual([]);
      expect(s.workerViews()).toEqual([]);
      expect(s.state.name).toBe('closed');
      expect(clock.pending).toBe(0);
      expect(fatal).toEqual([]);
    });

    it('answers a second call with the first outcome, and close() after it does nothing more', async () => {
      const s = await running(1);
      const first = s.deregisterApplication(end);
      const second = s.deregisterApplication({ status: 'FAILED', diagnostics: '' });

      expect(await second).toEqual(await first);
      await s.close();
      expect(await s.deregisterApplication(end)).toEqual({ frameworkId: 'fw-1', tornDown: true });
      expect(client.named('teardown')).toHaveLength(1);
    });

    it('launches nothing more once deregistering: a pending worker is released, not launched', async () => {
      const s = scheduler(1);
      await s.start();
      client.calls.length = 0;

      const outcome = s.deregisterApplication(end);
      client.emit('OFFERS', { type: 'OFFERS', offers: { offers: [offer('late', 'a1', 8, 4096, [31000, 31099])] } });
      await outcome;

      expect(client.named('accept')).toEqual([]);
      expect(client.named('kill')).toEqual([]);
      expect(client.named('teardown')).toHaveLength(1);
      expect(await store.list()).toEqual([]);
    });

    it('waits for a subscription when between subscriptions, then tears down', async () => {
      const s = await running(1);
      client.state = { name: 'backing-off', attempt: 1, delayMs: 500 };
      client.calls.length = 0;

      const outcome = s.deregisterApplication(end);
      await s.idle();
      expect(client.named('teardown')).toEqual([]);
      client.subscribe();

      expect(await outcome).toEqual({ frameworkId: 'fw-1', tornDown: true });
      expect(client.named('kill').map((call) => call.body.task_id.value)).toEqual(['taskmanager-00001']);
      expect(await store.getFrameworkId()).toBeUndefined();
    });

    it('clears the store all the same when no subscription comes within teardownWaitMs', async () => {
      const s = await running(1, {}, { teardownWaitMs: 5_000 });
      client.state = { name: 'backing-off', attempt: 3, delayMs: 2_000 };
      client.calls.length = 0;

      const outcome = s.deregisterApplication(end);
      await s.idle();
      clock.advance(5_000);

      expect(await outcome).toEqual({ frameworkId: 'fw-1', tornDown: false });
      expect(client.calls).toEqual([]);
      expect(await store.getFrameworkId()).toBeUndefined();
      expect(await store.list()).toEqual([]);
      expect(s.state.name).toBe('closed');
    });

    it('clears the store when the TEARDOWN fails, and says it was not torn down', async () => {
      const s = await running(1);
      client.teardownError = new MesosClientError(MesosClientErrorCode.CALL_FAILED, 'connection reset');

      expect(await s.deregisterApplication(end)).toEqual({ frameworkId: 'fw-1', tornDown: false });
      expect(await store.getFrameworkId()).toBeUndefined();
      expect(await store.list()).toEqual([]);
    });

    it('stops through onFatalError when the store cannot be cleared', async () => {
      const deregistered: unknown[] = [];
      const s = await running(1, {}, { onDeregistered: (outcome) => deregistered.push(outcome) });
      store.clearFrameworkId = () => Promise.reject(new Error('disk full'));

      await expect(s.deregisterApplication(end)).rejects.toMatchObject({ code: SchedulerErrorCode.DEREGISTRATION_FAILED });
      expect(fatal.map((error) => [error.code, error.message])).toEqual([
        [SchedulerErrorCode.DEREGISTRATION_FAILED, 'Deregistering the application failed: disk full; the scheduler stops'],
      ]);
      expect(deregistered).toEqual([]);
      expect(s.state.name).toBe('closed');
      expect(client.named('teardown')).toHaveLength(1);
    });

    it('refuses with NOT_RUNNING before it started, and after it failed', async () => {
      const idle = scheduler(1);
      await expect(idle.deregisterApplication(end)).rejects.toMatchObject({ code: SchedulerErrorCode.NOT_RUNNING });

      const s = await running(1, { 'mesos.maximum-failed-tasks': 0 });
      client.emit('UPDATE', { type: 'UPDATE', update: { status: status('taskmanager-00001', S.TASK_FAILED) } });
      await s.idle();
      expect(s.state.name).toBe('failed');
      await expect(s.deregisterApplication(end)).rejects.toMatchObject({ code: SchedulerErrorCode.NOT_RUNNING });
      expect(await store.getFrameworkId()).toBe('fw-1');
    });
  });
});
