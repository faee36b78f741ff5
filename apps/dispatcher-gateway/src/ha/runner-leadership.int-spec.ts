// The gateways' election against a REAL ZooKeeper on loopback: one gateway runs job masters while
// the others stand by; the standby takes over when the leader leaves or its session expires, and
// a deposed leader stops at once and comes back as a standby.
import { createConfig, Duration } from '@mesoflow/config';
import { startTcpProxy, startZooKeeper, waitFor, type TcpProxy, type TestZooKeeper } from '@mesoflow/testing';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { startRunnerLeadership, type RunnerLeadership } from './runner-leadership';

describe('gateway runner leadership', () => {
  let zk: TestZooKeeper;
  let clusterId: string;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    zk = await startZooKeeper({ tickTimeMs: 500 });
  }, 60_000);

  beforeEach(() => {
    clusterId = `/cluster-${randomUUID()}`;
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  afterAll(async () => {
    await zk?.stop();
  });

  /** A gateway's leadership, recording when it starts and stops leading. */
  async function gateway(id: string, quorum = zk.connectString): Promise<{ leadership: RunnerLeadership; events: string[] }> {
    const events: string[] = [];
    const config = createConfig({
      'high-availability': 'zookeeper',
      'high-availability.zookeeper.quorum': quorum,
      'high-availability.cluster-id': clusterId,
      'high-availability.storageDir': '/unused',
      'high-availability.zookeeper.client.session-timeout': Duration.of(1, 's'),
    });
    const leadership = await startRunnerLeadership({
      config,
      id,
      address: `${id}:6126`,
      logger: pino({ level: 'silent' }),
      lead: (epoch) => {
        events.push(`lead ${epoch}`);
        return Promise.resolve(() => {
          events.push('stop');
          return Promise.resolve();
        });
      },
    });
    closers.push(() => leadership.close());
    return { leadership, events };
  }

  it('leads with one gateway; the standby takes over when the leader leaves', async () => {
    const a = await gateway('a');
    await waitFor(() => a.events.length === 1, { timeoutMs: 10_000, description: 'a to lead' });
    const b = await gateway('b');
    expect(a.leadership.leading).toBe(true);
    expect(b.leadership.leading).toBe(false);
    expect(b.events).toEqual([]);

    await a.leadership.close();
    expect(a.events).toEqual([expect.stringMatching(/^lead \d+$/), 'stop']);
    await waitFor(() => b.events.length === 1, { timeoutMs: 10_000, description: 'b to take over' });
    // Epochs grow across leaderships: the new leader's is above the old one's.
    const epochOf = (event: string | undefined): number => Number(event?.split(' ')[1]);
    expect(epochOf(b.events[0])).toBeGreaterThan(epochOf(a.events[0]));
    expect(b.leadership.leading).toBe(true);
  }, 30_000);

  it('stops leading at once when its session is cut off, and stands by once it is back', async () => {
    const [host = '127.0.0.1', port = '0'] = zk.connectString.split(':');
    const proxy: TcpProxy = await startTcpProxy(host, Number(port));
    closers.push(() => proxy.stop());
    const a = await gateway('a', proxy.address);
    await waitFor(() => a.events.length === 1, { timeoutMs: 10_000, description: 'a to lead' });
    const b = await gateway('b');

    await proxy.cut();
    // Stopped as soon as the connection was lost, before the server let anyone else lead.
    await waitFor(() => a.events.includes('stop'), { timeoutMs: 10_000, description: 'a to stop leading' });
    await waitFor(() => b.events.length === 1, { timeoutMs: 15_000, description: 'b to take over once the session expired' });
    await proxy.heal();
    // Back in a new session, behind b: a rejoins the election and does not lead.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(a.events).toEqual([expect.stringMatching(/^lead \d+$/), 'stop']);
    expect(a.leadership.leading).toBe(false);
    expect(b.leadership.leading).toBe(true);
  }, 40_000);

  it('tries a failed start again while it leads', async () => {
    const config = createConfig({
      'high-availability': 'zookeeper',
      'high-availability.zookeeper.quorum': zk.connectString,
      'high-availability.cluster-id': clusterId,
      'high-availability.storageDir': '/unused',
    });
    let calls = 0;
    const leadership = await startRunnerLeadership({
      config,
      id: 'flaky',
      address: 'flaky:6126',
      logger: pino({ level: 'silent' }),
      retryDelayMs: 50,
      lead: () => {
        calls++;
        return calls < 3 ? Promise.reject(new Error('Redis is not up yet')) : Promise.resolve(() => Promise.resolve());
      },
    });
    closers.push(() => leadership.close());
    await waitFor(() => calls === 3, { timeoutMs: 10_000, description: 'the third start' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toBe(3);
  });
});
