import { startZooKeeper, waitFor, type TestZooKeeper } from '@mesoflow/testing';
import { startLocalMesos, type LocalMesos } from '../index';
import { get, post, RawSubscription, subscribeCall } from '../test-support/raw-scheduler';

describe('standby masters contending in ZooKeeper', () => {
  let zk: TestZooKeeper;
  const clusters: LocalMesos[] = [];
  const streams: RawSubscription[] = [];
  let group = 0;

  beforeAll(async () => {
    zk = await startZooKeeper();
  }, 60_000);

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()));
  });

  afterAll(async () => {
    await zk?.stop();
  });

  /** Two stand-ins on a fresh group path; the first registered leads. */
  async function pair(standbyOptions: { credentials?: { principal: string; secret: string }[] } = {}): Promise<[LocalMesos, LocalMesos]> {
    const url = `zk://${zk.connectString}/mesos-ha-${++group}`;
    const leader = await startLocalMesos({ agents: 1, zk: url, heartbeatIntervalSeconds: 1 });
    clusters.push(leader);
    const standby = await startLocalMesos({ agents: 1, zk: url, heartbeatIntervalSeconds: 1, ...standbyOptions });
    clusters.push(standby);
    return [leader, standby];
  }

  async function subscribe(baseUrl: string, body: unknown, path?: string): Promise<RawSubscription> {
    const stream = await RawSubscription.open(baseUrl, body, path ? { path } : {});
    streams.push(stream);
    return stream;
  }

  it('redirects scheduler calls, /redirect and /master/state of the standby to the leader', async () => {
    const [leader, standby] = await pair();
    expect(leader.leading).toBe(true);
    expect(standby.leading).toBe(false);

    const refused = await subscribe(standby.url, subscribeCall());
    expect(refused.status).toBe(307);
    expect(refused.response.headers.location).toBe(`//127.0.0.1:${leader.port}/api/v1/scheduler`);
    const prefixed = await post(standby.url, subscribeCall(), { path: '/master/api/v1/scheduler?from=test' });
    expect(prefixed.status).toBe(307);
    expect(prefixed.headers.location).toBe(`//127.0.0.1:${leader.port}/master/api/v1/scheduler?from=test`);
    // Any call, before the method or body is looked at.
    expect((await get(standby.url, '/api/v1/scheduler')).status).toBe(307);

    for (const cluster of [leader, standby]) {
      const redirect = await get(cluster.url, '/master/redirect');
      expect(redirect.status).toBe(307);
      expect(redirect.headers.location).toBe(`//127.0.0.1:${leader.port}`);
    }
    const state = await get(standby.url, '/master/state');
    expect(state.status).toBe(307);
    expect(state.headers.location).toBe(`//127.0.0.1:${leader.port}/master/state`);
    expect(standby.state()).toMatchObject({
      id: standby.masterId,
      leader: `master@127.0.0.1:${leader.port}`,
      leader_info: { id: leader.masterId, port: leader.port, hostname: '127.0.0.1' },
    });
    expect(standby.state()).not.toHaveProperty('elected_time');
    expect(leader.state()).toMatchObject({ leader: `master@127.0.0.1:${leader.port}`, leader_info: { id: leader.masterId } });

    const accepted = await subscribe(leader.url, subscribeCall());
    expect(accepted.status).toBe(200);
  }, 30_000);

  it('authenticates before redirecting', async () => {
    const [leader, standby] = await pair({ credentials: [{ principal: 'p', secret: 's' }] });
    expect((await post(standby.url, subscribeCall())).status).toBe(401);
    const authorized = await post(standby.url, subscribeCall(), { headers: { Authorization: `Basic ${Buffer.from('p:s').toString('base64')}` } });
    expect(authorized.status).toBe(307);
    expect(authorized.headers.location).toBe(`//127.0.0.1:${leader.port}/api/v1/scheduler`);
  }, 30_000);

  it('makes the standby lead, with no frameworks, once the leader stops', async () => {
    const [leader, standby] = await pair();
    const first = await subscribe(leader.url, subscribeCall());
    await first.next((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED from the leader');
    const frameworkId = first.frameworkId;

    await leader.stop();
    await waitFor(() => standby.leading, { description: 'the standby to take over' });
    expect(standby.state()).toMatchObject({ leader: `master@127.0.0.1:${standby.port}`, frameworks: [] });
    expect(standby.state()).toHaveProperty('elected_time');
    const redirect = await get(standby.url, '/redirect');
    expect(redirect.headers.location).toBe(`//127.0.0.1:${standby.port}`);

    // The framework re-subscribes to the new leader with its ID (4.8).
    const again = await subscribe(standby.url, subscribeCall(undefined, frameworkId));
    expect(again.status).toBe(200);
    const subscribed = await again.next((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED from the new leader');
    expect(subscribed.subscribed.framework_id.value).toBe(frameworkId);
    expect(subscribed.subscribed.master_info.id).toBe(standby.masterId);
  }, 30_000);
});
