// zk:// detection against a REAL ZooKeeper server (Debian's package, started on loopback by
// @mesoflow/testing); the masters it names are FAKE Mesos masters (./testing/fake-master.ts).
import { startZooKeeper, waitFor, type TestZooKeeper } from '@mesoflow/testing';
import { createClient, CreateMode, type ZooKeeperClient } from 'node-zookeeper-client';
import { randomUUID } from 'node:crypto';
import type { LeaderChangedNotice } from './scheduler-client';
import { MesosSchedulerClient } from './scheduler-client';
import { FakeMaster } from './testing/fake-master';

function masterInfo(master: FakeMaster): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: master.name,
      ip: 16777343,
      port: master.port,
      pid: `master@127.0.0.1:${master.port}`,
      hostname: '127.0.0.1',
      version: '1.11.0',
      address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: master.port },
    }),
  );
}

function zkCall<T>(run: (callback: (error: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, result) => (error ? reject(error) : resolve(result))));
}

describe('MesosSchedulerClient with zk:// master detection', () => {
  let zk: TestZooKeeper;
  let admin: ZooKeeperClient;
  const masters: FakeMaster[] = [];
  const clients: MesosSchedulerClient[] = [];

  beforeAll(async () => {
    zk = await startZooKeeper();
    admin = createClient(zk.connectString, { sessionTimeout: 5_000 });
    await new Promise<void>((resolve) => {
      admin.once('connected', () => resolve());
      admin.connect();
    });
  }, 60_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(masters.splice(0).map((master) => master.stop()));
  });

  afterAll(async () => {
    admin?.close();
    await zk?.stop();
  });

  async function fakeMaster(name: string): Promise<FakeMaster> {
    const master = await FakeMaster.start(name);
    masters.push(master);
    return master;
  }

  it('subscribes to the leader named in ZooKeeper and follows a leader change', async () => {
    const group = `/mesos-${randomUUID()}`;
    const a = await fakeMaster('a');
    const b = await fakeMaster('b');
    await zkCall<string>((cb) => admin.mkdirp(group, cb));
    await zkCall<string>((cb) => admin.create(`${group}/log_replicas`, Buffer.alloc(0), CreateMode.PERSISTENT, cb));
    await zkCall<string>((cb) => admin.create(`${group}/json.info_0000000005`, masterInfo(a), CreateMode.PERSISTENT, cb));

    const client = new MesosSchedulerClient({
      master: `zk://${zk.connectString}${group}`,
      frameworkInfo: { user: 'svc', name: 'zk-test', failover_timeout: 3600 },
      backoff: { initialMs: 10, maxMs: 50 },
      zooKeeperSessionTimeoutMs: 4_000,
    });
    clients.push(client);
    const changes: LeaderChangedNotice[] = [];
    client.on('leaderChanged', (notice) => changes.push(notice));

    const first = await client.start();
    expect(first.endpoint).toBe(`http://127.0.0.1:${a.port}/api/v1/scheduler`);
    expect(a.subscribes).toHaveLength(1);

    // A member with a lower sequence leads, whatever came first.
    await zkCall<string>((cb) => admin.create(`${group}/json.info_0000000002`, masterInfo(b), CreateMode.PERSISTENT, cb));
    await waitFor(() => client.state.name === 'subscribed' && b.subscribes.length === 1, {
      description: 'the client to re-subscribe at master b',
    });
    expect(changes).toEqual([
      { previous: `http://127.0.0.1:${a.port}/api/v1/scheduler`, leader: `http://127.0.0.1:${b.port}/api/v1/scheduler` },
    ]);
    expect(b.subscribes[0]?.call.framework_id?.value).toBe(first.frameworkId);
    expect(b.subscribes[0]?.call.subscribe?.framework_info.id?.value).toBe(first.frameworkId);
    await waitFor(() => a.openStream === undefined, { description: 'the stream at master a to be dropped' });
    await client.revive();
    expect(b.calls).toHaveLength(1);
    expect(a.calls).toHaveLength(0);

    // The leader's node goes away (its session ended): back to a, again with the framework ID.
    await zkCall<void>((cb) => admin.remove(`${group}/json.info_0000000002`, (error) => cb(error, undefined)));
    await waitFor(() => client.state.name === 'subscribed' && a.subscribes.length === 2, {
      description: 'the client to re-subscribe at master a',
    });
    expect(a.subscribes[1]?.call.framework_id?.value).toBe(first.frameworkId);
  }, 30_000);

  it('waits while no master is registered, then subscribes to the first one that appears', async () => {
    const group = `/mesos-${randomUUID()}`;
    const a = await fakeMaster('a');
    const client = new MesosSchedulerClient({
      master: `zk://${zk.connectString}${group}`,
      frameworkInfo: { user: 'svc', name: 'zk-test' },
      backoff: { initialMs: 10, maxMs: 50 },
    });
    clients.push(client);
    const started = client.start();
    await waitFor(() => client.state.name === 'detecting', { description: 'the client to wait for a leader' });
    await zkCall<string>((cb) => admin.mkdirp(group, cb));
    await zkCall<string>((cb) =>
      admin.create(`${group}/json.info_`, masterInfo(a), CreateMode.EPHEMERAL_SEQUENTIAL, cb),
    );
    await expect(started).resolves.toMatchObject({ endpoint: `http://127.0.0.1:${a.port}/api/v1/scheduler` });
  }, 30_000);
});
