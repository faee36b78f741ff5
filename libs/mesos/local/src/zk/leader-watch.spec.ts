import { mesos } from '@mesoflow/proto';
import { LocalMesosError } from '../errors';
import { electedMember, leaderFromMemberData, leadershipOf, parseMember, redirectLocation, type LeaderInfo } from './leader-watch';

const leader: LeaderInfo = { node: '/mesos/json.info_0000000001', id: 'm1', hostname: 'm1.example', port: 5050, pid: 'master@10.0.0.1:5050' };

describe('master group members', () => {
  it('splits labels and sequences the way Mesos does, skipping non-members', () => {
    expect(parseMember('json.info_0000000042')).toEqual({ sequence: 42, label: 'json.info' });
    expect(parseMember('info_0000000007')).toEqual({ sequence: 7, label: 'info' });
    expect(parseMember('0000000003')).toEqual({ sequence: 3, label: '' });
    expect(parseMember('log_replicas')).toBeNull();
  });

  it('elects the lowest sequence whatever the label', () => {
    expect(electedMember(['json.info_0000000012', 'log_replicas', 'info_0000000010', 'json.info_0000000011'])).toBe('info_0000000010');
    expect(electedMember(['log_replicas'])).toBeNull();
    expect(electedMember([])).toBeNull();
  });
});

describe('leaderFromMemberData', () => {
  const node = '/mesos/x';

  it('reads JSON MasterInfo, preferring hostname for redirects', () => {
    const data = Buffer.from(
      JSON.stringify({ id: 'm2', ip: 33554442, port: 5051, pid: 'master@10.0.0.2:5051', hostname: 'm2', address: { hostname: 'm2', ip: '10.0.0.2', port: 5051 } }),
    );
    expect(leaderFromMemberData(node, 'json.info', data)).toEqual({ node, id: 'm2', hostname: 'm2', port: 5051, pid: 'master@10.0.0.2:5051' });
  });

  it('falls back to the address, then to the PID', () => {
    const data = Buffer.from(JSON.stringify({ id: 'm3', address: { ip: '10.0.0.3', port: 5052 } }));
    expect(leaderFromMemberData(node, 'json.info', data)).toMatchObject({ hostname: '10.0.0.3', port: 5052, pid: 'master@10.0.0.3:5052' });
    expect(leaderFromMemberData(node, '', Buffer.from('master@10.0.0.4:5053\n'))).toMatchObject({ hostname: '10.0.0.4', port: 5053 });
  });

  it('reads binary MasterInfo (label info)', () => {
    const data = Buffer.from(mesos.v1.MasterInfo.encode({ id: 'm5', ip: 1, port: 5054, hostname: 'm5' }).finish());
    expect(leaderFromMemberData(node, 'info', data)).toMatchObject({ id: 'm5', hostname: 'm5', port: 5054 });
  });

  it('refuses unknown labels and data without host and port', () => {
    expect(() => leaderFromMemberData(node, 'yaml.info', Buffer.from('{}'))).toThrow(LocalMesosError);
    expect(() => leaderFromMemberData(node, 'json.info', Buffer.from('{"id":"m"}'))).toThrow("Master group member '/mesos/x' is unusable: it names no host and port");
    expect(() => leaderFromMemberData(node, 'json.info', Buffer.from('not json'))).toThrow(/unusable/);
  });
});

describe('leadershipOf', () => {
  const self = { node: '/mesos/json.info_0000000002', hostname: 'm2.example', port: 5050 };

  it('leads when its own node is elected, stands by otherwise', () => {
    expect(leadershipOf({ ...leader, node: self.node }, self)).toEqual({ kind: 'leading' });
    expect(leadershipOf(leader, self)).toEqual({ kind: 'standby', leader });
    expect(leadershipOf(null, self)).toEqual({ kind: 'no-leader' });
  });

  it('knows no leader while the elected node is its own previous registration', () => {
    const previous = { ...leader, hostname: self.hostname, port: self.port };
    expect(leadershipOf(previous, { ...self, node: null })).toEqual({ kind: 'no-leader' });
  });
});

describe('redirectLocation', () => {
  it('is protocol-relative, with the requested path kept', () => {
    expect(redirectLocation(leader, '/master/api/v1/scheduler?x=1')).toBe('//m1.example:5050/master/api/v1/scheduler?x=1');
    expect(redirectLocation(leader)).toBe('//m1.example:5050');
    expect(redirectLocation({ hostname: '::1', port: 5050 }, '/api/v1/scheduler')).toBe('//[::1]:5050/api/v1/scheduler');
  });
});
