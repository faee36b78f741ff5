import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, ConfigErrorCode } from './config-error';
import { Duration } from './duration';
import { createConfig, loadConfig, resolveConfDir } from './load-config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mesoflow-load-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeConf(lines: string[], folder = dir): string {
  const file = path.join(folder, 'mesoflow-conf.yaml');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loaded without an error');
}

describe('sources and precedence', () => {
  it('lets file override defaults, environment override file, and -D override environment, recording each source', () => {
    const file = writeConf([
      'mesos.resourcemanager.tasks.cpus: 2',
      'mesos.resourcemanager.tasks.gpus: 1',
      'rest.port: 9000',
      'taskmanager.numberOfTaskSlots: 3',
    ]);
    const config = loadConfig({
      confDir: dir,
      env: {
        MESOFLOW_MESOS_RESOURCEMANAGER_TASKS_CPUS: '3',
        MESOFLOW_REST_PORT: '9001',
        MESOFLOW_TASKMANAGER_NUMBEROFTASKSLOTS: '4',
      },
      dynamicProperties: [
        { key: 'mesos.resourcemanager.tasks.cpus', value: '4.5' },
        { key: 'mesos.resourcemanager.tasks.cpus', value: '6' },
      ],
    });

    expect(config.get('mesos.resourcemanager.tasks.cpus')).toBe(6);
    expect(config.source('mesos.resourcemanager.tasks.cpus')).toEqual({ kind: 'dynamic-property' });
    expect(config.get('rest.port')).toBe(9001);
    expect(config.source('rest.port')).toEqual({ kind: 'environment', variable: 'MESOFLOW_REST_PORT' });
    expect(config.get('taskmanager.numberOfTaskSlots')).toBe(4);
    expect(config.get('mesos.resourcemanager.tasks.gpus')).toBe(1);
    expect(config.source('mesos.resourcemanager.tasks.gpus')).toEqual({ kind: 'file', path: file, line: 2 });
    expect(config.get('jobmanager.rpc.port')).toBe(6123);
    expect(config.source('jobmanager.rpc.port')).toEqual({ kind: 'default' });
    expect(config.get('mesos.master')).toBeUndefined();
    expect(config.source('mesos.master')).toBeUndefined();
    expect(config.confFile).toBe(file);
    expect(config.warnings).toEqual([]);
  });

  it('validates only the effective value: a bad file value overridden by -D is no problem', () => {
    writeConf(['rest.port: eighty']);
    const config = loadConfig({ confDir: dir, env: {}, dynamicProperties: [{ key: 'rest.port', value: '80' }] });
    expect(config.get('rest.port')).toBe(80);
  });

  it('resets an option to its default with a blank value', () => {
    writeConf(['mesos.resourcemanager.framework.role: analytics', 'rest.port: 9000']);
    const config = loadConfig({ confDir: dir, env: { MESOFLOW_MESOS_RESOURCEMANAGER_FRAMEWORK_ROLE: '' }, dynamicProperties: [{ key: 'rest.port', value: ' ' }] });
    expect(config.get('mesos.resourcemanager.framework.role')).toBe('*');
    expect(config.source('mesos.resourcemanager.framework.role')).toEqual({ kind: 'default' });
    expect(config.get('rest.port')).toBe(8081);
  });

  it('recognises only registry keys in the environment', () => {
    const config = loadConfig({ confDir: dir, env: { MESOFLOW_NOT_AN_OPTION: 'x', MESOFLOW_HOME: '/opt', PATH: '/bin' } });
    expect(config.warnings).toEqual([]);
  });

  it('finds the file through MESOFLOW_CONF_DIR, and an explicit confDir wins over it', () => {
    const other = mkdtempSync(path.join(tmpdir(), 'mesoflow-other-'));
    try {
      writeConf(['rest.port: 7000']);
      writeConf(['rest.port: 7001'], other);
      expect(loadConfig({ env: { MESOFLOW_CONF_DIR: dir } }).get('rest.port')).toBe(7000);
      expect(loadConfig({ env: { MESOFLOW_CONF_DIR: dir }, confDir: other }).get('rest.port')).toBe(7001);
      expect(resolveConfDir({ env: {} })).toBe(path.resolve('conf'));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('is fine without a file', () => {
    const config = loadConfig({ env: { MESOFLOW_CONF_DIR: path.join(dir, 'missing') } });
    expect(config.confFile).toBeUndefined();
    expect(config.get('mesos.resourcemanager.framework.name')).toBe('Mesoflow');
  });

  it('fails on a malformed file, naming the line', () => {
    const file = writeConf(['rest.port: 8081', 'mesos.master: "127.0.0.1:5050', 'parallelism.default: 2']);
    const error = configError(() => loadConfig({ confDir: dir, env: {} }));
    expect(error.code).toBe(ConfigErrorCode.MALFORMED_FILE);
    expect(error.problems[0]?.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: `));
  });
});

describe('typed access', () => {
  it('infers value types from keys', () => {
    const config = createConfig({ 'mesos.master': 'm:5050' });
    const cpus: number = config.get('mesos.resourcemanager.tasks.cpus');
    const master: string | undefined = config.get('mesos.master');
    const type: 'mesos' | 'docker' = config.get('mesos.resourcemanager.tasks.container.type');
    const forcePull: boolean = config.get('mesos.resourcemanager.tasks.container.docker.force-pull-image');
    const uris: readonly string[] = config.get('mesos.resourcemanager.tasks.uris');
    // @ts-expect-error an option without a default may be undefined
    const principal: string = config.get('mesos.resourcemanager.framework.principal');
    // @ts-expect-error unknown keys do not compile
    config.get('mesos.resourcemanager.task.cpus');
    expect([cpus, master, type, forcePull, uris, principal]).toEqual([0, 'm:5050', 'mesos', false, [], undefined]);
  });
});

describe('validation', () => {
  it('reports every problem at once, with key, value, expectation and source', () => {
    const file = writeConf(['rest.port: 70000', 'mesos.failover-timeout: soon']);
    const error = configError(() =>
      loadConfig({
        confDir: dir,
        env: { MESOFLOW_TASKMANAGER_NUMBEROFTASKSLOTS: 'many' },
        dynamicProperties: [
          { key: 'mesos.resourcemanager.tasks.cpus', value: 'six' },
          { key: 'mesos.resourcemanager.tasks.container.type', value: 'docker' },
          { key: 'mesos.resourcemanager.task.cpus', value: '2' },
        ],
        service: 'scheduler',
      }),
    );
    expect(error.code).toBe(ConfigErrorCode.INVALID_CONFIGURATION);
    expect(error.problems.map((p) => p.message)).toEqual([
      "mesos.failover-timeout: 'soon' is not a duration (expected a duration such as 10 s, 5000 ms, 2 min or 1 h; a bare number is seconds)",
      "mesos.resourcemanager.tasks.cpus: 'six' is not a number (expected a positive number of CPUs, e.g. 1.5)",
      "taskmanager.numberOfTaskSlots: 'many' is not a whole number (expected a whole number (≥ 1))",
      "rest.port: '70000' is not between 0 and 65535 (expected a port number (0–65535))",
      'mesos.resourcemanager.tasks.container.image.name: required when mesos.resourcemanager.tasks.container.type is docker (expected an image name, e.g. mesoflow:latest)',
      'mesos.master: required by the scheduler (expected host:port, zk://host:2181[,host:2181]/path or an http(s):// URL)',
    ]);
    expect(error.problems[0]).toMatchObject({ kind: 'invalid-value', key: 'mesos.failover-timeout', value: 'soon', source: { kind: 'file', path: file, line: 2 } });
    expect(error.problems[2]?.source).toEqual({ kind: 'environment', variable: 'MESOFLOW_TASKMANAGER_NUMBEROFTASKSLOTS' });
    expect(error.warnings.map((w) => w.message)).toEqual([
      "mesos.resourcemanager.task.cpus: unknown option, ignored; did you mean 'mesos.resourcemanager.tasks.cpus'?",
    ]);
    expect(error.message).toContain(`mesos.failover-timeout: 'soon' is not a duration`);
    expect(error.message).toContain(`[${file}:2]`);
    expect(error.message).toContain('Warnings:');
  });

  it('warns about unknown keys with the closest known key, and loads', () => {
    const file = writeConf(['mesos.resourcemanager.task.cpus: 2', 'completely.unrelated: x']);
    const config = loadConfig({ confDir: dir, env: {} });
    expect(config.warnings).toEqual([
      {
        kind: 'unknown-key',
        key: 'mesos.resourcemanager.task.cpus',
        source: { kind: 'file', path: file, line: 1 },
        suggestion: 'mesos.resourcemanager.tasks.cpus',
        message: "mesos.resourcemanager.task.cpus: unknown option, ignored; did you mean 'mesos.resourcemanager.tasks.cpus'?",
      },
      {
        kind: 'unknown-key',
        key: 'completely.unrelated',
        source: { kind: 'file', path: file, line: 2 },
        message: 'completely.unrelated: unknown option, ignored',
      },
    ]);
  });

  it('requires ZooKeeper settings with high-availability: zookeeper', () => {
    const error = configError(() => createConfig({ 'high-availability': 'zookeeper' }));
    expect(error.problems.map((p) => [p.kind, p.message])).toEqual([
      ['missing', 'high-availability.zookeeper.quorum: required when high-availability is zookeeper (expected host:port[,host:port…])'],
      ['missing', 'high-availability.storageDir: required when high-availability is zookeeper (expected a directory path or URI)'],
    ]);
    expect(createConfig({ 'high-availability': 'zookeeper', 'high-availability.zookeeper.quorum': 'zk:2181', 'high-availability.storageDir': '/ha' }).get('high-availability')).toBe(
      'zookeeper',
    );
  });

  it('checks TLS, Kerberos and framework credentials come in complete sets', () => {
    const error = configError(() =>
      createConfig({
        'security.ssl.internal.enabled': true,
        'security.ssl.rest.enabled': true,
        'security.kerberos.login.keytab': '/etc/krb5.keytab',
        'mesos.resourcemanager.framework.secret': 's3cret',
      }),
    );
    expect(error.problems.map((p) => p.key)).toEqual([
      'mesos.resourcemanager.framework.principal',
      'security.ssl.internal.keystore',
      'security.ssl.internal.truststore',
      'security.ssl.rest.keystore',
      'mesos.resourcemanager.artifactserver.ssl.cert',
      'mesos.resourcemanager.artifactserver.ssl.key',
      'security.kerberos.login.principal',
    ]);
    expect(error.message).not.toContain('s3cret');
  });

  it('rejects tasks.mem and taskmanager.memory.process.size that disagree', () => {
    const error = configError(() =>
      loadConfig({
        confDir: dir,
        env: {},
        dynamicProperties: [
          { key: 'mesos.resourcemanager.tasks.mem', value: '2048' },
          { key: 'taskmanager.memory.process.size', value: '1728m' },
        ],
      }),
    );
    expect(error.problems.map((p) => p.message)).toEqual([
      'mesos.resourcemanager.tasks.mem: 2g disagrees with taskmanager.memory.process.size 1728m (set only one of them, or both to the same size)',
    ]);
    expect(createConfig({ 'taskmanager.memory.process.size': createConfig().get('mesos.resourcemanager.tasks.mem') }).warnings).toEqual([]);
  });

  it('asks a process only for the options it reads', () => {
    const tls = {
      'security.ssl.internal.enabled': true,
      'security.ssl.internal.keystore': '/k.p12',
      'security.ssl.internal.truststore': '/t.p12',
    } as const;
    const artifactServer = { 'mesos.resourcemanager.artifactserver.grpc.port': 6124, 'mesos.resourcemanager.artifactserver.root': '/srv/artifacts' } as const;
    expect(configError(() => createConfig({ ...tls, ...artifactServer }, { service: 'artifact-server' })).problems.map((p) => p.key)).toEqual([
      'mesos.resourcemanager.artifactserver.ssl.cert',
      'mesos.resourcemanager.artifactserver.ssl.key',
    ]);
    expect(configError(() => createConfig({}, { service: 'artifact-server' })).problems.map((p) => p.message)).toEqual([
      'mesos.resourcemanager.artifactserver.grpc.port: required by the artifact-server (expected a port number (1–65535))',
      'mesos.resourcemanager.artifactserver.root: required by the artifact-server (expected a folder path)',
    ]);
    expect(createConfig(tls, { service: 'taskmanager' }).get('security.ssl.internal.enabled')).toBe(true);
    expect(configError(() => createConfig({}, { service: 'scheduler' })).problems.map((p) => p.message)).toEqual([
      'mesos.master: required by the scheduler (expected host:port, zk://host:2181[,host:2181]/path or an http(s):// URL)',
    ]);
    expect(createConfig({}, { service: 'cli' }).get('mesos.master')).toBeUndefined();
  });

  it('keeps the default signed-URL validity within the maximum', () => {
    const ttl = 'mesos.resourcemanager.artifactserver.signed-url.ttl';
    const maxTtl = 'mesos.resourcemanager.artifactserver.signed-url.max-ttl';
    const error = configError(() => loadConfig({ confDir: dir, env: {}, dynamicProperties: [{ key: ttl, value: '2h' }, { key: maxTtl, value: '3600' }] }));
    expect(error.problems).toEqual([
      expect.objectContaining({ kind: 'conflict', key: ttl, message: `${ttl}: 2 h is longer than ${maxTtl} 1 h` }),
    ]);
    expect(createConfig({ [ttl]: Duration.of(1, 'h'), [maxTtl]: Duration.of(1, 'h') }).get(ttl)).toEqual(Duration.of(1, 'h'));
    expect(configError(() => createConfig({ [maxTtl]: Duration.of(30, 'min') })).problems.map((p) => p.key)).toEqual([ttl]);
  });

  it('wants several heartbeats within the heartbeat timeout', () => {
    const error = configError(() => createConfig({ 'heartbeat.interval': Duration.of(50, 's') }));
    expect(error.problems).toEqual([
      expect.objectContaining({ kind: 'conflict', key: 'heartbeat.interval', message: 'heartbeat.interval: 50 s is not shorter than heartbeat.timeout 50 s' }),
    ]);
    expect(createConfig({ 'heartbeat.interval': Duration.of(1, 's'), 'heartbeat.timeout': Duration.of(3, 's') }).get('heartbeat.timeout').seconds).toBe(3);
  });

  it('does not pile a cross-field problem on an invalid value', () => {
    const error = configError(() =>
      loadConfig({ confDir: dir, env: {}, dynamicProperties: [{ key: 'high-availability', value: 'zookeeper' }, { key: 'high-availability.zookeeper.quorum', value: 'zk:99999' }, { key: 'high-availability.storageDir', value: '/ha' }] }),
    );
    expect(error.problems.map((p) => p.key)).toEqual(['high-availability.zookeeper.quorum']);
  });
});

describe('conf/mesoflow-conf.yaml', () => {
  it('loads without warnings or problems, for the scheduler too', () => {
    const confDir = path.resolve(__dirname, '../../../conf');
    const config = loadConfig({ confDir, env: {}, service: 'scheduler' });
    expect(config.confFile).toBe(path.join(confDir, 'mesoflow-conf.yaml'));
    expect(config.warnings).toEqual([]);
    expect(config.get('mesos.master')).toBe('127.0.0.1:5050');
    expect(config.source('mesos.master')).toMatchObject({ kind: 'file' });
  });
});
