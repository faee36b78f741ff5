import { MesosClientError, MesosClientErrorCode } from './errors';
import { parseMasterAddress, redactCredentials, resolveRedirectLocation } from './master-address';

describe('parseMasterAddress', () => {
  it.each([
    ['10.0.0.1:5050', 'http://10.0.0.1:5050/api/v1/scheduler'],
    ['master.example', 'http://master.example:5050/api/v1/scheduler'],
    ['  localhost:6060 ', 'http://localhost:6060/api/v1/scheduler'],
    ['[::1]:5050', 'http://[::1]:5050/api/v1/scheduler'],
    ['http://m1:5050', 'http://m1:5050/api/v1/scheduler'],
    ['http://m1:5050/', 'http://m1:5050/api/v1/scheduler'],
    ['http://m1', 'http://m1:5050/api/v1/scheduler'],
    ['http://m1:80', 'http://m1:80/api/v1/scheduler'],
    ['https://m1:8443/mesos', 'https://m1:8443/mesos/api/v1/scheduler'],
    ['https://m1:8443/mesos/', 'https://m1:8443/mesos/api/v1/scheduler'],
    ['http://m1:5050/master/api/v1/scheduler', 'http://m1:5050/master/api/v1/scheduler'],
    ['HTTP://m1:5050', 'http://m1:5050/api/v1/scheduler'],
  ])('reads %p as a direct master', (input, endpoint) => {
    expect(parseMasterAddress(input)).toEqual({ kind: 'http', endpoint });
  });

  it('reads zk:// with several servers and a path', () => {
    expect(parseMasterAddress('zk://z1:2181,z2:2182,z3/mesos')).toEqual({
      kind: 'zookeeper',
      connectString: 'z1:2181,z2:2182,z3:2181',
      path: '/mesos',
    });
  });

  it('reads zk:// credentials and a nested path, dropping a trailing slash', () => {
    expect(parseMasterAddress('zk://fw:s3cr@t@z1:2181/clusters/prod/')).toEqual({
      kind: 'zookeeper',
      connectString: 'z1:2181',
      path: '/clusters/prod',
      credentials: { user: 'fw', password: 's3cr@t' },
    });
  });

  it.each([
    ['', 'non-empty'],
    ['zk://z1:2181', 'znode path'],
    ['zk://z1:2181/', "must not be '/'"],
    ['zk:///mesos', 'at least one ZooKeeper server'],
    ['zk://nocolon@z1:2181/mesos', 'user:password'],
    ['zk://z1:99999/mesos', "port '99999'"],
    ['m1:abc', "port 'abc'"],
    ['m1:0', "port '0'"],
    ['ftp://m1:21', "scheme 'ftp://'"],
    ['http://user:pw@m1:5050', 'credentials do not belong in the URL'],
    ['http://m1:5050/?x=1', 'no query'],
    ['m1:5050/path', "port '5050/path'"],
    ['m1 m2:5050', 'expected host:port'],
  ])('rejects %p naming what was expected', (input, expected) => {
    let caught: unknown;
    try {
      parseMasterAddress(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MesosClientError);
    expect((caught as MesosClientError).code).toBe(MesosClientErrorCode.INVALID_MASTER_ADDRESS);
    expect((caught as MesosClientError).message).toContain(expected);
  });

  it('never repeats a password in its error message', () => {
    expect(() => parseMasterAddress('zk://fw:hunter2@z1:2181')).toThrow(/zk:\/\/fw:\*\*\*@z1:2181/);
    expect(() => parseMasterAddress('zk://fw:hunter2@z1:2181')).not.toThrow(/hunter2/);
  });
});

describe('redactCredentials', () => {
  it('masks the secret of a URL and leaves others alone', () => {
    expect(redactCredentials('zk://u:p@z1:2181/mesos')).toBe('zk://u:***@z1:2181/mesos');
    expect(redactCredentials('zk://z1:2181/mesos')).toBe('zk://z1:2181/mesos');
  });
});

describe('resolveRedirectLocation', () => {
  const requested = 'http://m1:5050/api/v1/scheduler';

  it('keeps the scheme for a protocol-relative Location, as Mesos sends it', () => {
    expect(resolveRedirectLocation('//m2:5051/master/api/v1/scheduler', requested)).toBe(
      'http://m2:5051/master/api/v1/scheduler',
    );
    expect(resolveRedirectLocation('//m2:5051/master/api/v1/scheduler', 'https://m1:5050/api/v1/scheduler')).toBe(
      'https://m2:5051/master/api/v1/scheduler',
    );
  });

  it('keeps the requested path when the Location has none', () => {
    expect(resolveRedirectLocation('//m2:5051', requested)).toBe('http://m2:5051/api/v1/scheduler');
    expect(resolveRedirectLocation('//m2:5051/', requested)).toBe('http://m2:5051/api/v1/scheduler');
  });

  it('takes absolute and path-only Locations as they are', () => {
    expect(resolveRedirectLocation('https://m3:443/master/api/v1/scheduler', requested)).toBe(
      'https://m3/master/api/v1/scheduler',
    );
    expect(resolveRedirectLocation('/master/api/v1/scheduler', requested)).toBe('http://m1:5050/master/api/v1/scheduler');
  });

  it('rejects empty and non-http Locations', () => {
    expect(() => resolveRedirectLocation(' ', requested)).toThrow(/empty/);
    expect(() => resolveRedirectLocation('ftp://m2/x', requested)).toThrow(/scheme 'ftp:'/);
  });
});
