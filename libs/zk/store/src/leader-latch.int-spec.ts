// LeaderLatch and the fenced ZooKeeperWorkerStore against a REAL ZooKeeper 3.8 on loopback
// (@mesoflow/testing, tickTime 500 ms so sessions can expire within a second).
import { rejectionOf, startTcpProxy, startZooKeeper, type TcpProxy, type TestZooKeeper, waitFor } from '@mesoflow/testing';
import { randomUUID } from 'node:crypto';
import { isZkStoreError, ZkStoreErrorCode } from './errors';
import { LeaderLatch, type LeadershipLostReason, type ZooKeeperFence } from './leader-latch';
import { ZooKeeperConnection, type ZooKeeperConnectionOptions } from './zookeeper-connection';
import { ZooKeeperWorkerStore } from './zookeeper-worker-store';

const PROFILE = { cpus: 1, mem: 1024, ports: 2 };

interface Participant {
  id: string;
  latch: LeaderLatch;
  events: string[];
  lost: LeadershipLostReason[];
}

describe('LeaderLatch', () => {
  let zk: TestZooKeeper;
  const connections: ZooKeeperConnection[] = [];
  const latches: LeaderLatch[] = [];
  const proxies: TcpProxy[] = [];
  let clusterId: string;
  let latchPath: string;

  beforeAll(async () => {
    zk = await startZooKeeper({ tickTimeMs: 500 });
  }, 60_000);

  beforeEach(() => {
    clusterId = `/cluster-${randomUUID()}`;
    latchPath = `/mesoflow${clusterId}/leader-latch`;
  });

  afterEach(async () => {
    // Proxies first: a latch closing over a frozen link would wait for its delete to time out.
    await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
    await Promise.all(latches.splice(0).map((latch) => latch.close()));
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
  });

  afterAll(async () => {
    await zk?.stop();
  });

  async function connect(options: Partial<ZooKeeperConnectionOptions> = {}): Promise<ZooKeeperConnection> {
    const connection = await ZooKeeperConnection.connect({ connectString: zk.connectString, ...options });
    connections.push(connection);
    return connection;
  }

  async function participant(
    id: string,
    connection?: ZooKeeperConnection,
    reconnect?: () => Promise<ZooKeeperConnection>,
  ): Promise<Participant> {
    const latch = new LeaderLatch({
      connection: connection ?? (await connect()),
      path: latchPath,
      id,
      address: `http://${id}:8081`,
      retryDelayMs: 100,
      ...(reconnect ? { reconnect } : {}),
    });
    latches.push(latch);
    const events: string[] = [];
    const lost: LeadershipLostReason[] = [];
    latch.on('leadership-acquired', (epoch) => events.push(`acquired ${epoch}`));
    latch.on('leadership-lost', (reason) => {
      // At the moment of the event the latch must already refuse to fence writes.
      events.push(`lost ${reason}${latch.hasLeadership || latch.fence() ? ' (still leading!)' : ''}`);
      lost.push(reason);
    });
    await latch.start();
    return { id, latch, events, lost };
  }

  function leaders(participants: Participant[]): Participant[] {
    return participants.filter((p) => p.latch.hasLeadership);
  }

  it('elects exactly one of three, and the next at once when the leader closes, with increasing epochs', async () => {
    const all = [await participant('am-1'), await participant('am-2'), await participant('am-3')];
    const first = await waitFor(() => (leaders(all).length === 1 ? leaders(all)[0] : undefined), { description: 'a leader' });
    expect(first.id).toBe('am-1');
    expect(await first.latch.awaitLeadership()).toBe(1);
    expect(first.latch.epoch).toBe(1);
    expect(first.latch.fence()).toEqual({ path: first.latch.nodePath, version: 0 });
    expect(all[1]?.latch.fence()).toBeUndefined();
    expect(await all[2]?.latch.leader()).toEqual({ id: 'am-1', address: 'http://am-1:8081' });

    let previousEpoch = 1;
    for (const [index, next] of [all[1], all[2]].entries()) {
      if (!next) throw new Error('missing participant');
      const current = all[index];
      if (!current) throw new Error('missing participant');
      const started = Date.now();
      const acquired = next.latch.awaitLeadership();
      await current.latch.close();
      const epoch = await acquired;
      const tookMs = Date.now() - started;
      expect(tookMs).toBeLessThan(2_000);
      expect(epoch).toBeGreaterThan(previousEpoch);
      previousEpoch = epoch;
      expect(current.events).toEqual([expect.stringMatching(/^acquired \d+$/), 'lost closed']);
      expect(leaders(all)).toEqual([next]);
      expect(await next.latch.leader()).toEqual({ id: next.id, address: `http://${next.id}:8081` });
    }
    // Closed latches deleted their nodes: only the leader's and the epoch are left.
    expect((await (await connect()).getChildren(latchPath)).sort()).toEqual([
      expect.stringMatching(/^latch-\d{10}$/),
      'leader-epoch',
    ]);
  }, 30_000);

  it('keeps one leader among two latches racing to start, and stops waiting on abort or close', async () => {
    const [a, b] = await Promise.all([participant('am-a'), participant('am-b')]);
    if (!a || !b) throw new Error('missing participant');
    await waitFor(() => leaders([a, b]).length === 1, { description: 'one leader' });
    const standby = leaders([a, b])[0] === a ? b : a;

    const controller = new AbortController();
    const aborted = rejectionOf(standby.latch.awaitLeadership(controller.signal));
    controller.abort();
    expect(isZkStoreError(await aborted, ZkStoreErrorCode.ABORTED)).toBe(true);

    const closed = rejectionOf(standby.latch.awaitLeadership());
    await standby.latch.close();
    expect(isZkStoreError(await closed, ZkStoreErrorCode.CLOSED)).toBe(true);
    expect(leaders([a, b])).toHaveLength(1);
  });

  it('steps down at once when its node is deleted, and rejoins behind the others', async () => {
    const first = await participant('am-1');
    const second = await participant('am-2');
    expect(first.latch.hasLeadership).toBe(true);
    const admin = await connect();
    const node = first.latch.nodePath;
    if (!node) throw new Error('no latch node');
    await admin.delete(node, -1);

    const epoch = await second.latch.awaitLeadership();
    expect(epoch).toBe(2);
    expect(first.lost).toEqual(['node-deleted']);
    await waitFor(() => first.latch.nodePath !== undefined && first.latch.nodePath !== node, { description: 'the rejoin' });
    expect(first.latch.hasLeadership).toBe(false);
    expect(await first.latch.leader()).toEqual({ id: 'am-2', address: 'http://am-2:8081' });
  });

  it('steps down at once when cut off, lets another lead after the session expires, fences the deposed leader, and rejoins', async () => {
    const proxy = await startTcpProxy(zk.host, zk.port);
    proxies.push(proxy);
    const viaProxy = { connectString: proxy.address, sessionTimeoutMs: 1_000, spinDelayMs: 100 };
    const old = await participant('am-old', await connect(viaProxy), () => connect(viaProxy));
    const next = await participant('am-next', await connect({ sessionTimeoutMs: 1_000 }));
    expect(old.latch.hasLeadership).toBe(true);
    const oldEpoch = old.latch.epoch;

    // The old leader's store writes through a connection that is NOT cut, so its writes do reach
    // ZooKeeper after it was deposed: only the fence stops them. It keeps the fence it held.
    const heldFence = old.latch.fence();
    if (!heldFence) throw new Error('the leader has no fence');
    let oldFence: ZooKeeperFence | undefined = heldFence;
    const oldStore = await ZooKeeperWorkerStore.open({
      connection: await connect(),
      rootPath: '/mesoflow',
      clusterId,
      fence: () => oldFence,
    });
    const newStore = await ZooKeeperWorkerStore.open({
      connection: await connect(),
      rootPath: '/mesoflow',
      clusterId,
      fence: () => next.latch.fence(),
    });
    await oldStore.setFrameworkId('fw-1');
    const worker = await oldStore.newWorker(PROFILE);
    // A standby's writes are refused before they are sent.
    const standbyWrite = await rejectionOf(newStore.newWorker(PROFILE));
    expect(isZkStoreError(standbyWrite, ZkStoreErrorCode.FENCED)).toBe(true);
    expect((standbyWrite as Error).message).toMatch(/no longer the leader/);

    const cutAt = Date.now();
    await proxy.cut();
    await waitFor(() => old.lost.length > 0, { description: 'the old leader to step down', timeoutMs: 2_000 });
    // Stepped down on the disconnection itself, long before the session could expire.
    expect(Date.now() - cutAt).toBeLessThan(500);
    expect(old.lost).toEqual(['connection-suspended']);
    expect(old.latch.hasLeadership).toBe(false);
    expect(next.latch.hasLeadership).toBe(false);

    const nextEpoch = await next.latch.awaitLeadership();
    expect(nextEpoch).toBeGreaterThan(oldEpoch ?? Infinity);
    expect(old.latch.hasLeadership).toBe(false);

    // The session is gone with the old latch node: ZooKeeper itself refuses the held fence.
    const refused = await rejectionOf(oldStore.update({ ...worker, failureCount: 1 }));
    expect(isZkStoreError(refused, ZkStoreErrorCode.FENCED)).toBe(true);
    expect(refused).toMatchObject({ path: heldFence.path });
    expect((refused as Error).message).toMatch(/this master is no longer the leader/);
    for (const write of [
      oldStore.setFrameworkId('fw-2'),
      oldStore.clearFrameworkId(),
      oldStore.newWorker(PROFILE),
      oldStore.release(worker.taskId),
    ]) {
      expect(isZkStoreError(await rejectionOf(write), ZkStoreErrorCode.FENCED)).toBe(true);
    }
    // And a store asking the latch is refused before sending anything.
    oldFence = old.latch.fence();
    expect(oldFence).toBeUndefined();
    expect(isZkStoreError(await rejectionOf(oldStore.release(worker.taskId)), ZkStoreErrorCode.FENCED)).toBe(true);
    expect(await newStore.get(worker.taskId)).toMatchObject({ version: 0, failureCount: 0 });
    expect(await newStore.getFrameworkId()).toBe('fw-1');

    // The new leader's writes go through.
    expect(await newStore.update({ ...worker, failureCount: 1 })).toBe(1);
    await newStore.clearFrameworkId();
    await newStore.setFrameworkId('fw-2');
    expect((await newStore.newWorker(PROFILE)).taskId).toBe('taskmanager-00002');

    // Healed: the old participant learns its session expired and rejoins as a standby.
    const oldNode = heldFence.path;
    await proxy.heal();
    await waitFor(() => old.latch.nodePath !== undefined && old.latch.nodePath !== oldNode, {
      description: 'the old participant to rejoin',
    });
    expect(old.lost).toEqual(['connection-suspended']);
    expect(old.latch.hasLeadership).toBe(false);
    expect(await old.latch.leader()).toEqual({ id: 'am-next', address: 'http://am-next:8081' });

    // And it leads again, with a greater epoch, when the new leader leaves.
    await next.latch.close();
    expect(await old.latch.awaitLeadership()).toBeGreaterThan(nextEpoch);
    expect(old.events.filter((event) => event.includes('still leading'))).toEqual([]);
    expect(next.events.filter((event) => event.includes('still leading'))).toEqual([]);
  }, 30_000);

  it('steps down when the connection goes silent (no close), before the session can expire', async () => {
    const proxy = await startTcpProxy(zk.host, zk.port);
    proxies.push(proxy);
    const old = await participant('am-old', await connect({ connectString: proxy.address, sessionTimeoutMs: 3_000 }));
    const next = await participant('am-next', await connect({ sessionTimeoutMs: 3_000 }));
    expect(old.latch.hasLeadership).toBe(true);
    let nextLeadsAt = 0;
    next.latch.on('leadership-acquired', () => (nextLeadsAt = Date.now()));
    let oldLostAt = 0;
    old.latch.on('leadership-lost', () => (oldLostAt = Date.now()));

    proxy.freeze();
    await next.latch.awaitLeadership();
    expect(old.lost).toEqual(['connection-suspended']);
    // node-zookeeper-client heard no close, so this is the latch's own liveness deadline.
    expect(oldLostAt).toBeGreaterThan(0);
    expect(oldLostAt).toBeLessThan(nextLeadsAt);
    expect(old.events.filter((event) => event.includes('still leading'))).toEqual([]);
  }, 30_000);
  it('without reconnect, stays out after its session expired and tells the callers waiting', async () => {
    const proxy = await startTcpProxy(zk.host, zk.port);
    proxies.push(proxy);
    const leader = await participant('am-1', await connect({ sessionTimeoutMs: 1_000 }));
    const standby = await participant('am-2', await connect({ connectString: proxy.address, sessionTimeoutMs: 1_000, spinDelayMs: 100 }));
    expect(leader.latch.hasLeadership).toBe(true);
    const waiting = rejectionOf(standby.latch.awaitLeadership());
    await proxy.cut();
    const admin = await connect();
    await waitFor(async () => (await admin.getChildren(latchPath)).length === 2, { description: 'the standby node to go' });
    await proxy.heal();
    expect(isZkStoreError(await waiting, ZkStoreErrorCode.SESSION_EXPIRED)).toBe(true);
    expect(isZkStoreError(await rejectionOf(standby.latch.awaitLeadership()), ZkStoreErrorCode.SESSION_EXPIRED)).toBe(true);
    expect(standby.latch.nodePath).toBeUndefined();
    expect(standby.events).toEqual([]);
  }, 30_000);
});
