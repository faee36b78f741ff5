// 1,000 open connections and slow readers do not hold up anyone else.
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { freePort, waitFor } from '@mesoflow/testing';
import { sha256, startTestArtifactServer, type TestArtifactServer } from './testing/test-server';

const BIG = randomBytes(32 * 1024 * 1024);

describe('artifact server under many connections', () => {
  let t: TestArtifactServer;
  let port: number;

  beforeAll(async () => {
    t = await startTestArtifactServer(await freePort());
    port = Number(new URL(t.server.httpUrl).port);
    await t.client.publish({ path: 'small.txt', size: 5, sha256: sha256('small') }, Buffer.from('small'));
    await t.client.publish({ path: 'big.bin', size: BIG.length, sha256: sha256(BIG) }, BIG, 1024 * 1024);
  });

  afterAll(() => t.stop());

  it('answers a GET while 1,000 other connections are open', async () => {
    const sockets: Socket[] = [];
    try {
      await Promise.all(
        Array.from(
          { length: 1000 },
          (_, index) =>
            new Promise<void>((resolve, reject) => {
              const socket = connect(port, '127.0.0.1', () => {
                // Half idle, half stuck half-way through their request headers.
                if (index % 2 === 1) socket.write('GET /cluster-t/small.txt HTTP/1.1\r\nHost: x\r\n');
                resolve();
              });
              socket.on('error', reject);
              sockets.push(socket);
            }),
        ),
      );
      const response = await fetch(`${t.base}small.txt`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('small');
      expect(sockets.filter((socket) => socket.destroyed || socket.readyState !== 'open')).toHaveLength(0);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  }, 30_000);

  it('lets a fast download finish while a slow reader of the same file is stalled', async () => {
    // The slow client reads the response headers and then stops reading.
    const slow = connect(port, '127.0.0.1');
    let slowBytes = 0;
    slow.on('data', (chunk: Buffer) => {
      slowBytes += chunk.length;
      slow.pause();
    });
    slow.write('GET /cluster-t/big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => slowBytes > 0, { description: 'the slow client to get its first bytes' });

    const fast = await fetch(`${t.base}big.bin`);
    const hash = createHash('sha256').update(Buffer.from(await fast.arrayBuffer())).digest('hex');
    expect(hash).toBe(sha256(BIG));
    // The fast download completed while the slow one is still far from done.
    expect(slowBytes).toBeLessThan(BIG.length);

    let rest = 0;
    slow.removeAllListeners('data');
    slow.on('data', (chunk: Buffer) => (rest += chunk.length));
    slow.resume();
    await waitFor(() => slowBytes + rest > BIG.length, { timeoutMs: 20_000, description: 'the slow client to finish' });
    slow.destroy();
  }, 60_000);
});
