import { encodeMesos } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';
import { waitFor } from '@mesoflow/testing';
import pino from 'pino';
import { MesosClientErrorCode } from './errors';
import { endpointFromMasterInfo, selectLeader, ZooKeeperMasterDetector } from './master-detector';
import type { ZooKeeperPort } from './zookeeper-port';

describe('selectLeader', () => {
  it('takes the lowest sequence, whatever the label, and skips non-members', () => {
    expect(selectLeader(['json.info_0000000012', 'log_replicas', 'json.info_0000000010', 'info_0000000011'])).toEqual({
      name: 'json.info_0000000010',
      sequence: 10,
      label: 'json.info',
    });
    expect(selectLeader(['info_0000000003', 'json.info_0000000004'])?.label).toBe('info');
    expect(selectLeader(['0000000007'])).toEqual({ name: '0000000007', sequence: 7, label: '' });
  });

  it('finds no leader in an empty or member-less group', () => {
    expect(selectLeader([])).toBeUndefined();
    expect(selectLeader(['log_replicas', 'json.info_x'])).toBeUndefined();
  });
});

describe('endpointFromMasterInfo', () => {
  const json = (info: object): Buffer => Buffer.from(JSON.stringify(info));

  it('prefers address.hostname, then address.ip, then hostname', () => {
    const address = { hostname: 'm2', ip: '10.0.0.2', port: 5050 };
    expect(endpointFromMasterInfo('json.info', json({ id: 'x', ip: 1, port: 5050, address }), 'http')).toBe(
      'http://m2:5050/api/v1/scheduler',
    );
    expect(endpointFromMasterInfo('json.info', json({ address: { ip: '10.0.0.2', port: 5051 } }), 'https')).toBe(
      'https://10.0.0.2:5051/api/v1/scheduler',
    );
    expect(endpointFromMasterInfo('json.info', json({ hostname: 'm3', port: 5052 }), 'http')).toBe(
      'http://m3:5052/api/v1/scheduler',
    );
  });

  it('reads binary MasterInfo (label info) and bare PIDs (no label)', () => {
    const binary = encodeMesos(
      mesos.v1.MasterInfo,
      { id: 'm', ip: 0, port: 5055, address: { ip: '127.0.0.1', port: 5055 } },
      'application/x-protobuf',
    );
    expect(endpointFromMasterInfo('info', binary, 'http')).toBe('http://127.0.0.1:5055/api/v1/scheduler');
    expect(endpointFromMasterInfo('', Buffer.from('master@10.1.1.1:5050'), 'http')).toBe(
      'http://10.1.1.1:5050/api/v1/scheduler',
    );
  });

  it('fails clearly on an unknown label or unusable data', () => {
    expect(() => endpointFromMasterInfo('yaml', Buffer.from('{}'), 'http')).toThrow(/label 'yaml' is unknown/);
    try {
      endpointFromMasterInfo('yaml', Buffer.from('{}'), 'http');
    } catch (error) {
      expect(error).toMatchObject({ code: MesosClientErrorCode.DETECTION_FAILED });
    }
    expect(() => endpointFromMasterInfo('json.info', Buffer.from('{not json'), 'http')).toThrow(/could not be decoded/);
    expect(() => endpointFromMasterInfo('json.info', json({ id: 'x' }), 'http')).toThrow(/names no host and port/);
  });
});

/** An in-memory ZooKeeper group with one-shot child watches, like the real thing. */
class FakeZooKeeper implements ZooKeeperPort {
  readonly nodes = new Map<string, Buffer>();
  private watches: Array<() => void> = [];
  failNext = 0;
  closed = false;

  set(name: string, data: object | string): void {
    this.nodes.set(name, Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)));
    this.fire();
  }

  remove(name: string): void {
    this.nodes.delete(name);
    this.fire();
  }

  async getChildren(_path: string, onChange: () => void): Promise<string[] | undefined> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('CONNECTION_LOSS');
    }
    this.watches.push(onChange);
    return [...this.nodes.keys()];
  }

  async getData(path: string): Promise<Buffer | undefined> {
    return this.nodes.get(path.slice(path.lastIndexOf('/') + 1));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watches = [];
  }

  private fire(): void {
    const watches = this.watches;
    this.watches = [];
    for (const watch of watches) watch();
  }
}

describe('ZooKeeperMasterDetector', () => {
  const info = (host: string, port: number): object => ({ id: host, ip: 0, port, address: { hostname: host, port } });
  const options = { path: '/mesos', scheme: 'http' as const, retryDelayMs: 10, logger: pino({ level: 'silent' }) };

  it('reports the leader, each change, and the absence of a leader', async () => {
    const zk = new FakeZooKeeper();
    zk.set('json.info_0000000003', info('a', 1));
    const seen: Array<string | undefined> = [];
    const detector = new ZooKeeperMasterDetector(zk, options);
    detector.start((endpoint) => seen.push(endpoint));
    await waitFor(() => seen.length === 1, { description: 'the first leader' });
    expect(seen).toEqual(['http://a:1/api/v1/scheduler']);

    zk.set('json.info_0000000005', info('c', 3)); // a follower joins: no change
    zk.set('json.info_0000000001', info('b', 2)); // a lower sequence leads
    await waitFor(() => seen.length === 2, { description: 'the new leader' });
    expect(seen[1]).toBe('http://b:2/api/v1/scheduler');

    zk.remove('json.info_0000000001');
    zk.remove('json.info_0000000003');
    await waitFor(() => seen.length === 3, { description: 'the third leader' });
    expect(seen[2]).toBe('http://c:3/api/v1/scheduler');

    zk.remove('json.info_0000000005');
    await waitFor(() => seen.length === 4, { description: 'no leader' });
    expect(seen[3]).toBeUndefined();

    await detector.close();
    expect(zk.closed).toBe(true);
    zk.set('json.info_0000000009', info('d', 4));
    expect(seen).toHaveLength(4);
  });

  it('retries after a ZooKeeper error', async () => {
    const zk = new FakeZooKeeper();
    zk.set('json.info_0000000001', info('a', 1));
    zk.failNext = 2;
    const seen: Array<string | undefined> = [];
    const detector = new ZooKeeperMasterDetector(zk, options);
    detector.start((endpoint) => seen.push(endpoint));
    await waitFor(() => seen.length === 1, { description: 'the leader after retries' });
    expect(seen).toEqual(['http://a:1/api/v1/scheduler']);
    await detector.close();
  });
});
