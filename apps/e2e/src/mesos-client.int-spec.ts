// Our Mesos scheduler client against our local Mesos stand-in, both real: free loopback ports, a
// real ZooKeeper for leader detection, command tasks run as local processes, no mocks. Every
// scenario runs in both encodings of the v1 API.
import { mesos } from '@mesoflow/proto';
import type { MesosMediaType } from '@mesoflow/mesos-codec';
import {
  MesosClientErrorCode,
  MesosSchedulerClient,
  isMesosClientError,
  type MesosSchedulerClientOptions,
  type ReconnectingNotice,
  type RedirectedNotice,
  type SchedulerEvent,
  type SubscribedNotice,
  type UpdateEvent,
} from '@mesoflow/mesos-client';
import { startLocalMesos, type LocalMesos, type LocalMesosOptions } from '@mesoflow/mesos-local';
import { startZooKeeper, waitFor, type TestZooKeeper } from '@mesoflow/testing';

const S = mesos.v1.TaskState;
const R = mesos.v1.TaskStatus.Reason;
const Source = mesos.v1.TaskStatus.Source;

type TaskStatus = mesos.v1.TaskStatus.$Properties;

/** Everything one client reported, with waits on what is still to come. */
class Recorder {
  readonly events: SchedulerEvent[] = [];
  readonly subscribed: SubscribedNotice[] = [];
  readonly reconnecting: ReconnectingNotice[] = [];
  readonly redirected: RedirectedNotice[] = [];

  constructor(readonly client: MesosSchedulerClient) {
    client.on('event', (event) => this.events.push(event));
    client.on('subscribed', (notice) => this.subscribed.push(notice));
    client.on('reconnecting', (notice) => this.reconnecting.push(notice));
    client.on('redirected', (notice) => this.redirected.push(notice));
  }

  /** Task statuses in arrival order (retries included). */
  updates(taskId?: string): TaskStatus[] {
    return this.events
      .filter((event): event is UpdateEvent => event.type === 'UPDATE')
      .map((event) => event.update.status)
      .filter((status) => taskId === undefined || status.task_id.value === taskId);
  }

  /** Waits for an UPDATE of `taskId` matching `predicate`, arriving after the first `from` updates of that task. */
  update(taskId: string, predicate: (status: TaskStatus) => boolean, description: string, from = 0): Promise<TaskStatus> {
    return waitFor(() => this.updates(taskId).slice(from).find(predicate), { description: `${description} of task '${taskId}'` });
  }

  /** Waits for an offer with room for a small task and returns it. */
  offer(): Promise<mesos.v1.Offer.$Properties> {
    return waitFor(
      () => this.events.flatMap((event) => (event.type === 'OFFERS' ? (event.offers.offers ?? []) : [])).find((offer) => cpus(offer) >= 0.1),
      { description: 'an offer' },
    );
  }
}

function cpus(offer: mesos.v1.Offer.$Properties): number {
  return (offer.resources ?? []).filter((r) => r.name === 'cpus').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

function hex(uuid: Uint8Array | null | undefined): string {
  return uuid ? Buffer.from(uuid).toString('hex') : '';
}

/** Launches a shell command on an offer's agent with a tenth of a CPU and 32 MB. */
async function launch(client: MesosSchedulerClient, offer: mesos.v1.Offer.$Properties, taskId: string, command: string): Promise<void> {
  await client.accept({
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
              resources: [
                { name: 'cpus', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 0.1 } },
                { name: 'mem', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 32 } },
              ],
              command: { shell: true, value: command },
            },
          ],
        },
      },
    ],
  });
}

/** Acknowledges every status that asks for it, from now on. */
function acknowledgeAll(recorder: Recorder): void {
  recorder.client.on('UPDATE', (event) => {
    recorder.client.acknowledgeStatus(event.update.status).catch(() => undefined);
  });
}

function frameworks(cluster: LocalMesos, key: 'frameworks' | 'completed_frameworks'): Array<Record<string, unknown>> {
  return cluster.state()[key] as Array<Record<string, unknown>>;
}

let zk: TestZooKeeper;
let zkGroup = 0;

beforeAll(async () => {
  zk = await startZooKeeper();
}, 60_000);

afterAll(async () => {
  await zk?.stop();
});

describe.each<MesosMediaType>(['application/json', 'application/x-protobuf'])('the Mesos client against the stand-in, over %s', (mediaType) => {
  let shared: LocalMesos;
  const clients: MesosSchedulerClient[] = [];
  const clusters: LocalMesos[] = [];
  let testNumber = 0;

  beforeAll(async () => {
    shared = await startLocalMesos({ agents: 2, allocationIntervalMs: 100, statusUpdateRetryMs: 200 });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()));
  });

  afterAll(async () => {
    await shared?.stop();
  });

  /** A client (closed after the test) and its recorder; `frameworkInfo` gets a name unique to the test. */
  function client(
    master: string,
    options: Partial<MesosSchedulerClientOptions> & { failoverTimeoutSeconds?: number } = {},
  ): Recorder {
    const { failoverTimeoutSeconds, ...rest } = options;
    const created = new MesosSchedulerClient({
      master,
      mediaType,
      frameworkInfo: { user: 'e2e', name: `e2e-${++testNumber}`, failover_timeout: failoverTimeoutSeconds ?? 3600 },
      backoff: { initialMs: 50, maxMs: 500 },
      ...rest,
    });
    clients.push(created);
    return new Recorder(created);
  }

  async function cluster(options: Partial<LocalMesosOptions> = {}): Promise<LocalMesos> {
    const started = await startLocalMesos({ agents: 1, allocationIntervalMs: 100, ...options });
    clusters.push(started);
    return started;
  }

  /** A leader and a standby contending under a fresh ZooKeeper path. */
  async function pair(): Promise<{ zkUrl: string; leader: LocalMesos; standby: LocalMesos }> {
    const zkUrl = `zk://${zk.connectString}/e2e-mesos-${++zkGroup}`;
    const leader = await cluster({ zk: zkUrl });
    const standby = await cluster({ zk: zkUrl });
    expect([leader.leading, standby.leading]).toEqual([true, false]);
    return { zkUrl, leader, standby };
  }

  it('subscribes a new framework', async () => {
    const recorder = client(shared.url);
    const notice = await recorder.client.start();
    expect(notice).toMatchObject({
      endpoint: `${shared.url}/api/v1/scheduler`,
      resubscribed: false,
      heartbeatIntervalSeconds: 15,
      masterInfo: { id: shared.masterId, port: shared.port },
    });
    expect(notice.frameworkId).toMatch(new RegExp(`^${shared.masterId}-\\d{4}$`));
    expect(recorder.client.state).toMatchObject({ name: 'subscribed', frameworkId: notice.frameworkId, streamId: notice.streamId });
    expect(frameworks(shared, 'frameworks')).toContainEqual(expect.objectContaining({ id: notice.frameworkId, active: true }));
  });

  it('launches a command task through STARTING, RUNNING and FINISHED, retrying an unacknowledged update', async () => {
    const recorder = client(shared.url);
    await recorder.client.start();
    await launch(recorder.client, await recorder.offer(), 'finishes', 'test -n "$MESOS_SANDBOX"');

    const starting = await recorder.update('finishes', (s) => s.state === S.TASK_STARTING, 'STARTING');
    expect(hex(starting.uuid)).toMatch(/^[0-9a-f]{32}$/);
    // Not acknowledged: the agent sends the same update again after statusUpdateRetryMs.
    const retried = await recorder.update('finishes', (s) => s.state === S.TASK_STARTING, 'STARTING again', 1);
    expect(hex(retried.uuid)).toBe(hex(starting.uuid));
    expect(recorder.updates('finishes').every((s) => s.state === S.TASK_STARTING)).toBe(true);

    acknowledgeAll(recorder);
    expect(await recorder.client.acknowledgeStatus(retried)).toBe(true);
    const finished = await recorder.update('finishes', (s) => s.state === S.TASK_FINISHED, 'FINISHED');
    expect(finished).toMatchObject({ source: Source.SOURCE_EXECUTOR, agent_id: starting.agent_id });
    const states = [...new Map(recorder.updates('finishes').map((s) => [hex(s.uuid), s.state])).values()];
    expect(states).toEqual([S.TASK_STARTING, S.TASK_RUNNING, S.TASK_FINISHED]);
  });

  it('kills a running task', async () => {
    const recorder = client(shared.url);
    acknowledgeAll(recorder);
    await recorder.client.start();
    const offer = await recorder.offer();
    await launch(recorder.client, offer, 'sleeper', 'sleep 30');
    await recorder.update('sleeper', (s) => s.state === S.TASK_RUNNING, 'RUNNING');

    await recorder.client.kill({ task_id: { value: 'sleeper' }, agent_id: offer.agent_id });
    const killed = await recorder.update('sleeper', (s) => s.state === S.TASK_KILLED, 'KILLED');
    expect(killed.agent_id?.value).toBe(offer.agent_id.value);
    expect(recorder.updates('sleeper').filter((s) => s.state === S.TASK_FINISHED || s.state === S.TASK_FAILED)).toEqual([]);
  });

  it('answers implicit and explicit reconciliation', async () => {
    const recorder = client(shared.url);
    acknowledgeAll(recorder);
    await recorder.client.start();
    const offer = await recorder.offer();
    const agentId = offer.agent_id.value;
    await launch(recorder.client, offer, 'reconciled', 'sleep 30');
    await recorder.update('reconciled', (s) => s.state === S.TASK_RUNNING, 'RUNNING');

    const before = recorder.updates('reconciled').length;
    await recorder.client.reconcile({});
    const implicit = await recorder.update('reconciled', (s) => s.reason === R.REASON_RECONCILIATION, 'implicit reconciliation', before);
    expect(implicit).toMatchObject({ state: S.TASK_RUNNING, source: Source.SOURCE_MASTER, message: 'Reconciliation: Latest task state' });
    expect(hex(implicit.uuid)).toBe('');
    expect(await recorder.client.acknowledgeStatus(implicit)).toBe(false);

    await recorder.client.reconcile({
      tasks: [
        { task_id: { value: 'reconciled' }, agent_id: { value: agentId } },
        { task_id: { value: 'ghost' }, agent_id: { value: agentId } },
        { task_id: { value: 'phantom' } },
      ],
    });
    const explicit = await recorder.update('reconciled', (s) => s.reason === R.REASON_RECONCILIATION, 'explicit reconciliation', before + 1);
    expect(explicit).toMatchObject({ state: S.TASK_RUNNING, source: Source.SOURCE_MASTER });
    expect(await recorder.update('ghost', () => true, 'an answer')).toMatchObject({
      state: S.TASK_LOST,
      reason: R.REASON_RECONCILIATION,
      source: Source.SOURCE_MASTER,
      message: 'Reconciliation: Task is unknown to the agent',
    });
    expect(await recorder.update('phantom', () => true, 'an answer')).toMatchObject({
      state: S.TASK_LOST,
      message: 'Reconciliation: Task is unknown',
    });
  });

  it('fails over to a new client within failover_timeout, and the framework is removed after it', async () => {
    const first = client(shared.url, { failoverTimeoutSeconds: 2 });
    acknowledgeAll(first);
    const { frameworkId } = await first.client.start();
    const offer = await first.offer();
    await launch(first.client, offer, 'survivor', 'sleep 30');
    await first.update('survivor', (s) => s.state === S.TASK_RUNNING, 'RUNNING');
    await first.client.close();
    await waitFor(() => frameworks(shared, 'frameworks').find((f) => f.id === frameworkId && f.active === false), {
      description: 'the framework to be inactive',
    });

    const second = client(shared.url, { frameworkId, failoverTimeoutSeconds: 2 });
    expect(await second.client.start()).toMatchObject({ frameworkId, resubscribed: true });
    await second.client.reconcile({ tasks: [{ task_id: { value: 'survivor' }, agent_id: offer.agent_id }] });
    expect(await second.update('survivor', (s) => s.reason === R.REASON_RECONCILIATION, 'reconciliation')).toMatchObject({
      state: S.TASK_RUNNING,
    });
    await second.client.close();

    await waitFor(() => frameworks(shared, 'completed_frameworks').some((f) => f.id === frameworkId), {
      timeoutMs: 10_000,
      description: 'the failover timeout to remove the framework',
    });
    const third = client(shared.url, { frameworkId });
    const error = await third.client.start().then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(isMesosClientError(error, MesosClientErrorCode.FRAMEWORK_ERROR)).toBe(true);
    expect(error).toMatchObject({ body: 'Framework has been removed', message: expect.stringContaining("sent ERROR 'Framework has been removed'") });
    expect(third.client.state.name).toBe('failed');
    expect(third.reconnecting).toEqual([]);
    const removed = frameworks(shared, 'completed_frameworks').find((f) => f.id === frameworkId);
    expect(removed?.completed_tasks).toEqual([expect.objectContaining({ id: 'survivor', state: 'TASK_KILLED' })]);
  }, 20_000);

  it("follows a standby's 307 to the leader", async () => {
    const { leader, standby } = await pair();
    const recorder = client(`${standby.url}`);
    const notice = await recorder.client.start();
    expect(recorder.redirected).toEqual([{ from: `${standby.url}/api/v1/scheduler`, to: `${leader.url}/api/v1/scheduler` }]);
    expect(notice).toMatchObject({ endpoint: `${leader.url}/api/v1/scheduler`, masterInfo: { id: leader.masterId } });
    expect(frameworks(leader, 'frameworks').map((f) => f.id)).toEqual([notice.frameworkId]);
    expect(frameworks(standby, 'frameworks')).toEqual([]);
    // Calls go to the leader too.
    await recorder.client.reconcile({});
  }, 20_000);

  it('authenticates with the right secret and fails at once, without retrying, with a wrong one', async () => {
    const secured = await cluster({ credentials: [{ principal: 'e2e', secret: 'right' }] });
    const good = client(secured.url, { credential: { principal: 'e2e', secret: 'right' } });
    const { frameworkId } = await good.client.start();
    expect(frameworks(secured, 'frameworks')).toContainEqual(expect.objectContaining({ id: frameworkId, principal: 'e2e' }));

    const bad = client(secured.url, { credential: { principal: 'e2e', secret: 'wrong' } });
    const error = await bad.client.start().then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(isMesosClientError(error, MesosClientErrorCode.SUBSCRIBE_REJECTED)).toBe(true);
    expect(error).toMatchObject({ status: 401, callType: 'SUBSCRIBE', message: expect.stringContaining('rejected SUBSCRIBE with HTTP 401') });
    expect(bad.client.state.name).toBe('failed');
    expect(bad.reconnecting).toEqual([]);
    expect(frameworks(secured, 'frameworks')).toHaveLength(1);
  });

  it('finds the leader through zk:// and re-subscribes to the standby that takes over', async () => {
    const { zkUrl, leader, standby } = await pair();
    const recorder = client(zkUrl);
    const leaderChanges: Array<string | undefined> = [];
    recorder.client.on('leaderChanged', (notice) => leaderChanges.push(notice.leader));
    const first = await recorder.client.start();
    expect(first.endpoint).toBe(`${leader.url}/api/v1/scheduler`);

    await leader.stop();
    const again = await waitFor(() => recorder.subscribed[1], { timeoutMs: 15_000, description: 'a subscription at the new leader' });
    expect(standby.leading).toBe(true);
    expect(again).toMatchObject({
      endpoint: `${standby.url}/api/v1/scheduler`,
      frameworkId: first.frameworkId,
      resubscribed: true,
      masterInfo: { id: standby.masterId },
    });
    expect(leaderChanges).toContain(`${standby.url}/api/v1/scheduler`);
    expect(frameworks(standby, 'frameworks')).toContainEqual(expect.objectContaining({ id: first.frameworkId, active: true }));
  }, 30_000);

  it('re-subscribes by itself after a master restart and keeps its framework ID and tasks', async () => {
    const restarting = await cluster();
    const recorder = client(restarting.url);
    acknowledgeAll(recorder);
    const first = await recorder.client.start();
    await launch(recorder.client, await recorder.offer(), 'outlives-master', 'sleep 30');
    await recorder.update('outlives-master', (s) => s.state === S.TASK_RUNNING, 'RUNNING');
    const oldMasterId = restarting.masterId;

    await restarting.restartMaster();
    const again = await waitFor(() => recorder.subscribed[1], { description: 're-subscription after the restart' });
    expect(restarting.masterId).not.toBe(oldMasterId);
    expect(again).toMatchObject({ frameworkId: first.frameworkId, resubscribed: true, masterInfo: { id: restarting.masterId } });
    expect(recorder.client.frameworkId).toBe(first.frameworkId);

    // The agent re-registers with the task; reconciliation finds it.
    const before = recorder.updates('outlives-master').length;
    await waitFor(
      async () => {
        await recorder.client.reconcile({});
        return recorder.updates('outlives-master').slice(before).find((s) => s.reason === R.REASON_RECONCILIATION);
      },
      { intervalMs: 200, description: 'the task reported after the restart' },
    ).then((status) => expect(status.state).toBe(S.TASK_RUNNING));
  }, 20_000);
});
