import { startZooKeeper, waitFor, type TestZooKeeper } from '@mesoflow/testing';
import { startLocalMesos } from '../index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const zookeeper = require('node-zookeeper-client') as {
  createClient(servers: string): {
    connect(): void;
    close(): void;
    once(event: 'connected', listener: () => void): void;
    getChildren(path: string, callback: (error: Error | null, children: string[]) => void): void;
    getData(path: string, callback: (error: Error | null, data: Buffer) => void): void;
  };
};

describe('ZooKeeper registration', () => {
  let zk: TestZooKeeper;

  beforeAll(async () => {
    zk = await startZooKeeper();
  }, 60_000);

  afterAll(async () => {
    await zk.stop();
  });

  it('creates an ephemeral sequential json.info_ node with the MasterInfo, and a new one after failover', async () => {
    const mesosLocal = await startLocalMesos({ agents: 1, zk: `zk://${zk.connectString}/mesos-test` });
    const client = zookeeper.createClient(zk.connectString);
    try {
      await new Promise<void>((resolve) => {
        client.once('connected', resolve);
        client.connect();
      });
      const children = () =>
        new Promise<string[]>((resolve, reject) => client.getChildren('/mesos-test', (e, list) => (e ? reject(e) : resolve(list))));
      const data = (node: string) =>
        new Promise<Record<string, unknown>>((resolve, reject) =>
          client.getData(`/mesos-test/${node}`, (e, bytes) => (e ? reject(e) : resolve(JSON.parse(bytes.toString('utf8')) as Record<string, unknown>))),
        );
      const [node] = await children();
      expect(node).toMatch(/^json\.info_\d{10}$/);
      expect(mesosLocal.zkNode).toBe(`/mesos-test/${node}`);
      expect(await data(node)).toEqual({
        id: mesosLocal.masterId,
        ip: 16777343,
        port: mesosLocal.port,
        pid: `master@127.0.0.1:${mesosLocal.port}`,
        hostname: '127.0.0.1',
        version: '1.11.0',
        address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: mesosLocal.port },
        capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
      });
      await mesosLocal.restartMaster();
      const after = await waitFor(async () => {
        const list = await children();
        return list.length === 1 && list[0] !== node ? list : null;
      }, { description: 'a new json.info_ node' });
      expect((await data(after[0])).id).toBe(mesosLocal.masterId);
      await mesosLocal.stop();
      await waitFor(async () => (await children()).length === 0, { description: 'node removed on stop' });
    } finally {
      client.close();
      await mesosLocal.stop();
    }
  }, 60_000);
});
