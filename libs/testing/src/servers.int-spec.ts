import { connect } from 'node:net';
import { startRedis, startZooKeeper, TestRedis, TestZooKeeper } from './servers';

function roundTrip(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(request));
    let answer = '';
    socket.on('data', (data) => (answer += data.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

describe('real test servers', () => {
  let redis: TestRedis;
  let zk: TestZooKeeper;

  beforeAll(async () => {
    [redis, zk] = await Promise.all([startRedis(), startZooKeeper()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([redis?.stop(), zk?.stop()]);
  });

  it('Redis keeps an append-only write across a kill -9 restart', async () => {
    expect(await roundTrip(redis.port, 'SET k v\r\nQUIT\r\n')).toContain('+OK');
    await redis.restart();
    expect(await roundTrip(redis.port, 'GET k\r\nQUIT\r\n')).toContain('$1\r\nv');
  }, 30_000);

  it('ZooKeeper answers on its loopback port', async () => {
    expect(zk.connectString).toBe(`127.0.0.1:${zk.port}`);
    expect(await roundTrip(zk.port, 'srvr')).toMatch(/Mode: standalone/);
  });
});
