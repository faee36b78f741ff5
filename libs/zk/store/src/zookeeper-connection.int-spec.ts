// ZooKeeperConnection against a REAL ZooKeeper 3.8 on loopback (@mesoflow/testing).
import { freePort, rejectionOf, startTcpProxy, startZooKeeper, type TcpProxy, type TestZooKeeper, waitFor } from '@mesoflow/testing';
import { randomUUID } from 'node:crypto';
import { isZkStoreError, ZkStoreErrorCode } from './errors';
import { ZooKeeperConnection, type ZooKeeperConnectionOptions } from './zookeeper-connection';

describe('ZooKeeperConnection', () => {
  let zk: TestZooKeeper;
  const connections: ZooKeeperConnection[] = [];
  const proxies: TcpProxy[] = [];
  let base: string;

  beforeAll(async () => {
    zk = await startZooKeeper();
  }, 60_000);

  beforeEach(() => {
    base = `/test-${randomUUID()}`;
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
  });

  afterAll(async () => {
    await zk?.stop();
  });

  async function open(options: Partial<ZooKeeperConnectionOptions> = {}): Promise<ZooKeeperConnection> {
    const connection = await ZooKeeperConnection.connect({ connectString: zk.connectString, ...options });
    connections.push(connection);
    return connection;
  }

  it('creates, reads, writes conditionally, lists and deletes nodes', async () => {
    const zkc = await open();
    await zkc.mkdirp(`${base}/a/b`);
    await zkc.mkdirp(`${base}/a/b`);
    expect(await zkc.create(`${base}/a/b/n`, Buffer.from('one'))).toBe(`${base}/a/b/n`);
    expect(await zkc.getData(`${base}/a/b/n`)).toEqual({ data: Buffer.from('one'), version: 0 });
    expect(await zkc.getData(`${base}/missing`)).toBeUndefined();

    expect(await zkc.setData(`${base}/a/b/n`, Buffer.from('two'), 0)).toBe(1);
    const stale = await rejectionOf(zkc.setData(`${base}/a/b/n`, Buffer.from('three'), 0));
    expect(isZkStoreError(stale, ZkStoreErrorCode.BAD_VERSION)).toBe(true);
    expect(stale).toMatchObject({ path: `${base}/a/b/n`, zkCode: -103 });
    expect((await zkc.getData(`${base}/a/b/n`))?.data.toString()).toBe('two');

    expect(isZkStoreError(await rejectionOf(zkc.create(`${base}/a/b/n`)), ZkStoreErrorCode.NODE_EXISTS)).toBe(true);
    expect(isZkStoreError(await rejectionOf(zkc.create(`${base}/none/n`)), ZkStoreErrorCode.NO_NODE)).toBe(true);
    expect(isZkStoreError(await rejectionOf(zkc.delete(`${base}/a/b`, -1)), ZkStoreErrorCode.NOT_EMPTY)).toBe(true);

    const first = await zkc.create(`${base}/a/b/seq-`, Buffer.alloc(0), 'persistent-sequential');
    expect(first).toMatch(new RegExp(`^${base}/a/b/seq-\\d{10}$`));
    expect((await zkc.getChildren(`${base}/a/b`)).sort()).toEqual(['n', first.split('/').pop()].sort());
    expect(isZkStoreError(await rejectionOf(zkc.getChildren(`${base}/none`)), ZkStoreErrorCode.NO_NODE)).toBe(true);

    expect(await zkc.exists(`${base}/a/b/n`)).toEqual({ version: 1 });
    expect(isZkStoreError(await rejectionOf(zkc.delete(`${base}/a/b/n`, 0)), ZkStoreErrorCode.BAD_VERSION)).toBe(true);
    await zkc.delete(`${base}/a/b/n`, 1);
    expect(await zkc.exists(`${base}/a/b/n`)).toBeUndefined();
  });

  it('applies a transaction entirely or not at all', async () => {
    const zkc = await open();
    await zkc.mkdirp(base);
    await zkc.create(`${base}/counter`, Buffer.from('0'));

    const results = await zkc
      .transaction()
      .setData(`${base}/counter`, Buffer.from('1'), 0)
      .create(`${base}/one`, Buffer.from('x'))
      .check(`${base}/one`, 0)
      .commit();
    expect(results).toEqual([{ version: 1 }, { path: `${base}/one` }, {}]);

    const failed = await rejectionOf(
      zkc.transaction().setData(`${base}/counter`, Buffer.from('2'), 1).create(`${base}/one`, Buffer.from('y')).commit(),
    );
    expect(isZkStoreError(failed, ZkStoreErrorCode.NODE_EXISTS)).toBe(true);
    expect(failed).toMatchObject({ path: `${base}/one` });
    expect(await zkc.getData(`${base}/counter`)).toEqual({ data: Buffer.from('1'), version: 1 });
    expect((await zkc.getData(`${base}/one`))?.data.toString()).toBe('x');

    // Version 0 stays conditional (node-zookeeper-client's Transaction would send -1: any version).
    const atZero = await rejectionOf(zkc.transaction().setData(`${base}/counter`, Buffer.from('9'), 0).commit());
    expect(isZkStoreError(atZero, ZkStoreErrorCode.BAD_VERSION)).toBe(true);
    expect(isZkStoreError(await rejectionOf(zkc.transaction().check(`${base}/counter`, 0).commit()), ZkStoreErrorCode.BAD_VERSION)).toBe(true);
    await zkc.setData(`${base}/one`, Buffer.from('z'), 0);
    expect(isZkStoreError(await rejectionOf(zkc.transaction().delete(`${base}/one`, 0).commit()), ZkStoreErrorCode.BAD_VERSION)).toBe(true);
  });

  it('works under a chroot', async () => {
    const admin = await open();
    await admin.mkdirp(`${base}/chroot`);
    const rooted = await open({ connectString: `${zk.connectString}${base}/chroot` });
    await rooted.mkdirp('/x/y');
    expect(await rooted.create('/x/y/z', Buffer.from('in chroot'))).toBe('/x/y/z');
    expect((await admin.getData(`${base}/chroot/x/y/z`))?.data.toString()).toBe('in chroot');
    const results = await rooted.transaction().create('/x/t', Buffer.alloc(0)).commit();
    expect(results).toEqual([{ path: '/x/t' }]);
  });

  /** A connection with a short session through a proxy the test can cut, and the events it fired. */
  async function openThroughProxy(): Promise<{ proxy: TcpProxy; zkc: ZooKeeperConnection; events: string[] }> {
    const proxy = await startTcpProxy(zk.host, zk.port);
    proxies.push(proxy);
    const zkc = await open({ connectString: proxy.address, sessionTimeoutMs: 1_000, spinDelayMs: 100 });
    const events: string[] = [];
    zkc.on('disconnected', () => events.push('disconnected'));
    zkc.on('expired', () => events.push('expired'));
    return { proxy, zkc, events };
  }

  it('fails to connect with CONNECT_TIMEOUT when nobody answers', async () => {
    const port = await freePort();
    const error = await rejectionOf(
      ZooKeeperConnection.connect({ connectString: `127.0.0.1:${port}`, connectTimeoutMs: 500, sessionTimeoutMs: 1_000 }),
    );
    expect(isZkStoreError(error, ZkStoreErrorCode.CONNECT_TIMEOUT)).toBe(true);
  });

  it('surfaces a session expiry as an event and fails later calls with SESSION_EXPIRED', async () => {
    const admin = await open();
    await admin.mkdirp(base);
    const { proxy, zkc, events } = await openThroughProxy();
    await zkc.create(`${base}/owner`, Buffer.alloc(0), 'ephemeral');
    expect(await admin.exists(`${base}/owner`)).toBeDefined();

    await proxy.cut();
    await waitFor(() => events.includes('disconnected'), { description: 'the disconnection' });
    // The server expires the session it no longer hears from: its ephemeral node goes.
    await waitFor(async () => (await admin.exists(`${base}/owner`)) === undefined, {
      description: 'the ephemeral node to go',
    });
    await proxy.heal();
    await waitFor(() => events.includes('expired'), { description: 'the expiry event' });

    expect(zkc.alive).toBe(false);
    expect(isZkStoreError(await rejectionOf(zkc.getData(base)), ZkStoreErrorCode.SESSION_EXPIRED)).toBe(true);
  }, 30_000);

  it('counts a session cut off for longer than its timeout as expired, though no server says so', async () => {
    const { proxy, zkc, events } = await openThroughProxy();

    await proxy.cut();
    await waitFor(() => events.includes('disconnected'), { description: 'the disconnection' });
    const cutAt = Date.now();
    await waitFor(() => events.includes('expired'), { description: 'the expiry event', timeoutMs: zkc.sessionTimeoutMs + 5_000 });
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(zkc.sessionTimeoutMs - 100);
    expect(zkc.alive).toBe(false);
    expect(isZkStoreError(await rejectionOf(zkc.getData(base)), ZkStoreErrorCode.SESSION_EXPIRED)).toBe(true);
  }, 30_000);

  it('rejects calls after close with CLOSED', async () => {
    const zkc = await open();
    await zkc.close();
    expect(isZkStoreError(await rejectionOf(zkc.exists('/')), ZkStoreErrorCode.CLOSED)).toBe(true);
  });
});
