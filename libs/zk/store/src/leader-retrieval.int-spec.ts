// Following the scheduler leader from outside the election, against a REAL ZooKeeper 3.8 on
// loopback: the address moves to the standby when the leader leaves, nobody leading is an error
// after the wait (so resource manager clients back off and ask again), and a session cut off long
// enough to expire is replaced by a new one.
import { createConfig } from '@mesoflow/config';
import { rejectionOf, startTcpProxy, startZooKeeper, type TcpProxy, type TestZooKeeper, waitFor } from '@mesoflow/testing';
import { randomUUID } from 'node:crypto';
import { LeaderLatch } from './leader-latch';
import { LeaderRetrieval, resourceManagerLocation, schedulerLatchPath } from './leader-retrieval';
import { ZooKeeperConnection } from './zookeeper-connection';

describe('LeaderRetrieval', () => {
  let zk: TestZooKeeper;
  let path: string;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    zk = await startZooKeeper({ tickTimeMs: 500 });
  }, 60_000);

  beforeEach(() => {
    path = schedulerLatchPath('/mesoflow', `/cluster-${randomUUID()}`);
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  afterAll(async () => {
    await zk?.stop();
  });

  async function participant(id: string, address: string): Promise<LeaderLatch> {
    const connection = await ZooKeeperConnection.connect({ connectString: zk.connectString });
    const latch = new LeaderLatch({ connection, path, id, address });
    closers.push(() => connection.close(), () => latch.close());
    await latch.start();
    return latch;
  }

  function retrieval(connectString = zk.connectString): LeaderRetrieval {
    const followed = new LeaderRetrieval({ connectString, sessionTimeoutMs: 1_000, path, pollMs: 50, maxWaitMs: 400 });
    closers.push(() => followed.close());
    return followed;
  }

  it('answers the leader, then the standby once the leader leaves', async () => {
    const leader = await participant('a', 'host-a:6123');
    await leader.awaitLeadership();
    await participant('b', 'host-b:6123');
    const followed = retrieval();
    expect(await followed.address()).toBe('host-a:6123');
    await leader.close();
    await waitFor(async () => (await followed.address()) === 'host-b:6123', { timeoutMs: 10_000, description: 'the standby as leader' });
  });

  it('fails after its wait when nobody leads, and answers once somebody does', async () => {
    const followed = retrieval();
    expect(await rejectionOf(followed.address())).toHaveProperty('message', `No scheduler leads the cluster at ZooKeeper node '${path}' yet`);
    await participant('a', 'host-a:6123');
    expect(await followed.address()).toBe('host-a:6123');
  });

  it('opens a new session after its own expired', async () => {
    await participant('a', 'host-a:6123');
    const [host = '127.0.0.1', port = '0'] = zk.connectString.split(':');
    const proxy: TcpProxy = await startTcpProxy(host, Number(port));
    closers.push(() => proxy.stop());
    const followed = retrieval(proxy.address);
    expect(await followed.address()).toBe('host-a:6123');
    // Cut off past the session timeout: the server expires the session.
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await proxy.heal();
    await waitFor(async () => (await followed.address().catch(() => undefined)) === 'host-a:6123', { timeoutMs: 15_000, description: 'the leader read in a new session' });
  }, 30_000);

  it('is the plain jobmanager.rpc address without high availability, and the latch of the cluster with it', async () => {
    const plain = resourceManagerLocation(createConfig({ 'jobmanager.rpc.address': 'am.example', 'jobmanager.rpc.port': 6123 }));
    expect(plain).toMatchObject({ target: 'am.example:6123', description: 'am.example:6123' });
    const clusterId = `/cluster-${randomUUID()}`;
    path = schedulerLatchPath('/mesoflow', clusterId);
    await participant('a', 'leader.example:6123');
    const ha = resourceManagerLocation(
      createConfig({ 'high-availability': 'zookeeper', 'high-availability.zookeeper.quorum': zk.connectString, 'high-availability.cluster-id': clusterId, 'high-availability.storageDir': '/tmp/ha' }),
    );
    closers.push(() => ha.close());
    expect(ha.description).toBe(`the scheduler leader of zk://${zk.connectString}/mesoflow${clusterId}/leader-latch`);
    expect(typeof ha.target === 'function' ? await ha.target() : ha.target).toBe('leader.example:6123');
  });
});
