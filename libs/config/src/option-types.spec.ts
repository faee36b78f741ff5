import { Duration } from './duration';
import { MemorySize } from './memory-size';
import { CONFIG_OPTIONS, type ConfigKey } from './registry';
import { createConfig, loadConfig } from './load-config';
import { ConfigError } from './config-error';

/** Loads one `-D` setting and returns the typed value, or throws the ConfigError. */
function load<K extends ConfigKey>(key: K, text: string) {
  return loadConfig({ env: {}, confDir: '/nonexistent', dynamicProperties: [{ key, value: text }] }).get(key);
}

/** The one problem message loading `key=text` gives. */
function problem(key: ConfigKey, text: string): string {
  try {
    load(key, text);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.problems).toHaveLength(1);
    return error.problems[0]?.message ?? '';
  }
  throw new Error(`${key}=${text} was accepted`);
}

describe('string', () => {
  it('keeps the text as given', () => {
    expect(load('mesos.resourcemanager.framework.user', 'flink user')).toBe('flink user');
  });
  it.each(['127.0.0.1:5050', 'master.example.org:5050', '[::1]:5050', 'zk://h1:2181,h2:2181/mesos', 'zk://u:p@h1:2181/mesos', 'http://m:5050', 'https://m.example.org/mesos'])(
    'accepts the Mesos master address %s',
    (address) => {
      expect(load('mesos.master', address)).toBe(address);
    },
  );
  it.each(['localhost', 'zk://h1:2181', 'ftp://m:5050', 'host:99999'])('rejects the Mesos master address %s', (address) => {
    expect(problem('mesos.master', address)).toBe(
      `mesos.master: '${address}' is not a Mesos master address (expected host:port, zk://host:2181[,host:2181]/path or an http(s):// URL)`,
    );
  });
  it('checks ZooKeeper quorums, paths and Redis URLs', () => {
    expect(load('high-availability.zookeeper.quorum', 'zk1:2181,zk2')).toBe('zk1:2181,zk2');
    expect(problem('high-availability.zookeeper.quorum', 'zk1:2181,,')).toBe(
      "high-availability.zookeeper.quorum: 'zk1:2181,,' is not a list of ZooKeeper host:port addresses (expected host:port[,host:port…])",
    );
    expect(problem('high-availability.zookeeper.path.root', 'mesoflow')).toBe(
      "high-availability.zookeeper.path.root: 'mesoflow' is not a ZooKeeper path (expected a ZooKeeper path such as /mesoflow)",
    );
    expect(problem('redis.url', 'http://r:6379')).toBe(
      "redis.url: 'http://r:6379' is not a redis:// or rediss:// URL (expected a redis:// or rediss:// URL)",
    );
  });
});

describe('integer and port', () => {
  it('parses whole numbers', () => {
    expect(load('taskmanager.numberOfTaskSlots', ' 4 ')).toBe(4);
    expect(load('mesos.maximum-failed-tasks', '-1')).toBe(-1);
    expect(load('rest.port', '0')).toBe(0);
    expect(load('rest.port', '65535')).toBe(65535);
  });
  it('rejects text, fractions and values out of range', () => {
    expect(problem('taskmanager.numberOfTaskSlots', 'two')).toBe(
      "taskmanager.numberOfTaskSlots: 'two' is not a whole number (expected a whole number (≥ 1))",
    );
    expect(problem('taskmanager.numberOfTaskSlots', '1.5')).toBe(
      "taskmanager.numberOfTaskSlots: '1.5' is not a whole number (expected a whole number (≥ 1))",
    );
    expect(problem('taskmanager.numberOfTaskSlots', '0')).toBe(
      "taskmanager.numberOfTaskSlots: '0' is less than 1 (expected a whole number (≥ 1))",
    );
    expect(problem('rest.port', '65536')).toBe("rest.port: '65536' is not between 0 and 65535 (expected a port number (0–65535))");
    expect(problem('jobmanager.rpc.port', '-1')).toBe(
      "jobmanager.rpc.port: '-1' is not between 0 and 65535 (expected a port number (0–65535))",
    );
  });
});

describe('number', () => {
  it('parses decimals', () => {
    expect(load('mesos.resourcemanager.tasks.cpus', '1.5')).toBe(1.5);
    expect(load('mesos.resourcemanager.tasks.cpus', '.5')).toBe(0.5);
    expect(load('mesos.resourcemanager.tasks.cpus', '2')).toBe(2);
  });
  it('rejects words, NaN, Infinity and negatives', () => {
    expect(problem('mesos.resourcemanager.tasks.cpus', 'six')).toBe(
      "mesos.resourcemanager.tasks.cpus: 'six' is not a number (expected a positive number of CPUs, e.g. 1.5)",
    );
    expect(problem('mesos.resourcemanager.tasks.cpus', 'NaN')).toBe(
      "mesos.resourcemanager.tasks.cpus: 'NaN' is not a number (expected a positive number of CPUs, e.g. 1.5)",
    );
    expect(problem('mesos.resourcemanager.tasks.cpus', 'Infinity')).toContain("'Infinity' is not a number");
    expect(problem('mesos.resourcemanager.tasks.cpus', '0x10')).toContain("'0x10' is not a number");
    expect(problem('mesos.resourcemanager.tasks.cpus', '-1')).toBe(
      "mesos.resourcemanager.tasks.cpus: '-1' is less than 0 (expected a positive number of CPUs, e.g. 1.5)",
    );
  });
});

describe('boolean', () => {
  it('accepts true and false in any case', () => {
    expect(load('mesos.resourcemanager.tasks.container.docker.force-pull-image', 'TRUE')).toBe(true);
    expect(load('mesos.resourcemanager.artifactserver.ssl.enabled', 'false')).toBe(false);
  });
  it.each(['yes', '1', 'on'])('rejects %s', (text) => {
    expect(problem('mesos.resourcemanager.tasks.container.docker.force-pull-image', text)).toBe(
      `mesos.resourcemanager.tasks.container.docker.force-pull-image: '${text}' is not a boolean (expected true or false)`,
    );
  });
});

describe('enum', () => {
  it('matches in any case and returns the canonical spelling', () => {
    const ha = loadConfig({
      env: {},
      confDir: '/nonexistent',
      dynamicProperties: [
        { key: 'high-availability', value: 'ZooKeeper' },
        { key: 'high-availability.zookeeper.quorum', value: 'zk:2181' },
        { key: 'high-availability.storageDir', value: '/ha' },
      ],
    });
    expect(ha.get('high-availability')).toBe('zookeeper');
    expect(load('high-availability', 'none')).toBe('NONE');
    expect(load('mesos.resourcemanager.tasks.container.type', 'MESOS')).toBe('mesos');
  });
  it('names the allowed values', () => {
    expect(problem('high-availability', 'kubernetes')).toBe(
      "high-availability: 'kubernetes' is not one of NONE, zookeeper (expected one of NONE, zookeeper)",
    );
  });
});

describe('duration', () => {
  it.each([
    ['10 s', 10_000],
    ['5000 ms', 5_000],
    ['2 min', 120_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['3 days', 259_200_000],
    ['30 seconds', 30_000],
  ])('reads %s', (text, ms) => {
    expect(load('resourcemanager.taskmanager-timeout', text).milliseconds).toBe(ms);
  });
  it('reads a bare number in the option\'s unit', () => {
    expect(load('mesos.failover-timeout', '60').milliseconds).toBe(60_000);
    expect(load('mesos.resourcemanager.declined-offer-refuse-duration', '5000').milliseconds).toBe(5_000);
  });
  it('rejects other forms with the bare unit in the expectation', () => {
    expect(problem('mesos.failover-timeout', 'a week')).toBe(
      "mesos.failover-timeout: 'a week' is not a duration (expected a duration such as 10 s, 5000 ms, 2 min or 1 h; a bare number is seconds)",
    );
    expect(problem('mesos.resourcemanager.unused-offer-expiration', '10 parsecs')).toBe(
      "mesos.resourcemanager.unused-offer-expiration: '10 parsecs' has an unknown time unit 'parsecs' " +
        '(expected a duration such as 10 s, 5000 ms, 2 min or 1 h; a bare number is milliseconds)',
    );
    expect(problem('mesos.failover-timeout', '-5 s')).toContain("'-5 s' is not a duration");
    expect(problem('mesos.failover-timeout', '1.5 h')).toContain("'1.5 h' is not a duration");
  });
  it('prints in the largest exact unit', () => {
    expect(Duration.of(604_800, 's').toString()).toBe('7 d');
    expect(Duration.of(5_000, 'ms').toString()).toBe('5 s');
    expect(Duration.of(1_500, 'ms').toString()).toBe('1500 ms');
    expect(Duration.of(0, 's').toString()).toBe('0');
    expect(JSON.stringify({ d: Duration.of(2, 'min') })).toBe('{"d":"2 min"}');
  });
});

describe('memory size', () => {
  it.each([
    ['1024m', 1024],
    ['4g', 4096],
    ['3500mb', 3500],
    ['1 gb', 1024],
    ['2048 MB', 2048],
    ['1t', 1024 * 1024],
  ])('reads %s', (text, mb) => {
    expect(load('mesos.resourcemanager.tasks.mem', text).mebibytes).toBe(mb);
  });
  it('reads a bare number as megabytes for tasks.mem and as bytes for taskmanager.memory.process.size', () => {
    expect(load('mesos.resourcemanager.tasks.mem', '4096').mebibytes).toBe(4096);
    expect(load('taskmanager.memory.process.size', '1048576')?.bytes).toBe(1_048_576);
  });
  it('rejects other forms and sizes below the minimum', () => {
    expect(problem('mesos.resourcemanager.tasks.mem', 'lots')).toBe(
      "mesos.resourcemanager.tasks.mem: 'lots' is not a memory size (expected a memory size such as 1024m, 4g or 1 gb; a bare number is megabytes)",
    );
    expect(problem('mesos.resourcemanager.tasks.mem', '4 pb')).toContain("'4 pb' has an unknown memory unit 'pb'");
    expect(problem('mesos.resourcemanager.tasks.mem', '16m')).toContain("'16m' is less than the minimum of 32m");
  });
  it('prints in the largest exact unit', () => {
    expect(MemorySize.of(1024, 'm').toString()).toBe('1g');
    expect(MemorySize.of(3500, 'm').toString()).toBe('3500m');
    expect(MemorySize.of(0, 'm').toString()).toBe('0');
  });
});

describe('lists', () => {
  it('splits comma-separated URIs, trimming and skipping empty entries', () => {
    expect(load('mesos.resourcemanager.tasks.uris', 'http://a/x.tgz, http://b/y.jar,,')).toEqual(['http://a/x.tgz', 'http://b/y.jar']);
  });
  it('reads key:value lists', () => {
    expect(load('mesos.resourcemanager.tasks.labels', 'k1:v1, k2:v2')).toEqual([
      { key: 'k1', value: 'v1' },
      { key: 'k2', value: 'v2' },
    ]);
    expect(load('mesos.constraints.hard.hostattribute', 'rack:r1,zone:z1')).toEqual([
      { key: 'rack', value: 'r1' },
      { key: 'zone', value: 'z1' },
    ]);
  });
  it('reads docker parameters whose values contain =', () => {
    expect(load('mesos.resourcemanager.tasks.container.docker.parameters', 'env=A=1,memory-swap=-1')).toEqual([
      { key: 'env', value: 'A=1' },
      { key: 'memory-swap', value: '-1' },
    ]);
  });
  it('names the entries that are not pairs', () => {
    expect(problem('mesos.resourcemanager.tasks.labels', 'k1:v1,k2')).toBe(
      "mesos.resourcemanager.tasks.labels: 'k1:v1,k2' has an entry that is not key:value: 'k2' " +
        '(expected a comma-separated list of key:value pairs, e.g. k1:v1,k2:v2)',
    );
    expect(problem('mesos.constraints.hard.hostattribute', 'rack,:z1')).toBe(
      "mesos.constraints.hard.hostattribute: 'rack,:z1' has entries that are not key:value: 'rack', ':z1' " +
        '(expected a comma-separated list of key:value pairs, e.g. k1:v1,k2:v2)',
    );
  });
});

describe('volumes', () => {
  it('reads [host:]container[:RO|RW], read-write by default', () => {
    expect(load('mesos.resourcemanager.tasks.container.volumes', '/host:/container:RO, /scratch, /a:/b, /c:rw')).toEqual([
      { hostPath: '/host', containerPath: '/container', mode: 'RO' },
      { containerPath: '/scratch', mode: 'RW' },
      { hostPath: '/a', containerPath: '/b', mode: 'RW' },
      { containerPath: '/c', mode: 'RW' },
    ]);
  });
  it('names the volumes that cannot be read', () => {
    expect(problem('mesos.resourcemanager.tasks.container.volumes', '/a:/b:/c:RO,/d::RW')).toBe(
      "mesos.resourcemanager.tasks.container.volumes: '/a:/b:/c:RO,/d::RW' has volumes that cannot be read: '/a:/b:/c:RO', '/d::RW' " +
        '(expected a comma-separated list of [host_path:]container_path[:RO|RW], e.g. /data:/data:RO)',
    );
  });
});

describe('port assignments', () => {
  it('accepts port option keys', () => {
    expect(load('mesos.resourcemanager.tasks.port-assignments', 'rest.port, jobmanager.rpc.port')).toEqual(['rest.port', 'jobmanager.rpc.port']);
  });
  it('rejects keys that are not port options, with a suggestion', () => {
    expect(problem('mesos.resourcemanager.tasks.port-assignments', 'rest.prot')).toBe(
      "mesos.resourcemanager.tasks.port-assignments: 'rest.prot' is not a port option; did you mean 'rest.port'?",
    );
  });
});

describe('artifact server options', () => {
  const K = 'mesos.resourcemanager.artifactserver';

  it('accepts host names and IP addresses as hosts', () => {
    for (const host of ['0.0.0.0', '::', '::1', 'agent-1.example.org', 'localhost']) expect(load(`${K}.bind-host`, host)).toBe(host);
    expect(problem(`${K}.advertised-host`, 'http://a')).toBe(
      `${K}.advertised-host: 'http://a' is not a host name or IP address (expected a host name or IP address the agents can reach)`,
    );
  });
  it('needs a fixed gRPC port', () => {
    expect(load(`${K}.grpc.port`, '6124')).toBe(6124);
    expect(problem(`${K}.grpc.port`, '0')).toBe(`${K}.grpc.port: '0' is not between 1 and 65535 (expected a port number (1–65535))`);
  });
  it.each(['mesoflow', 'mesoflow-1a2b', 'a.b_c~d'])('accepts the prefix %s', (prefix) => {
    expect(load(`${K}.prefix`, prefix)).toBe(prefix);
  });
  it.each(['a/b', '..', '.', 'a b', 'ä'])('rejects the prefix %s', (prefix) => {
    expect(problem(`${K}.prefix`, prefix)).toBe(
      `${K}.prefix: '${prefix}' is not one URL path segment of letters, digits and '._~-' (expected one URL path segment of letters, digits and '._~-', e.g. mesoflow-1a2b)`,
    );
  });
  it('needs a signing key of at least 32 characters, and never repeats it', () => {
    expect(load(`${K}.url-signing-key`, 'k'.repeat(32))).toBe('k'.repeat(32));
    const message = problem(`${K}.url-signing-key`, 'tiny-secret');
    expect(message).toBe(`${K}.url-signing-key: the value is shorter than 32 characters (expected a key of at least 32 characters)`);
    expect(message).not.toContain('tiny-secret');
  });
  it('reads the artifact size limit as a memory size, a bare number in bytes', () => {
    expect(createConfig().get(`${K}.max-artifact-size`).bytes).toBe(4 * 1024 ** 3);
    expect(load(`${K}.max-artifact-size`, '1000000').bytes).toBe(1_000_000);
    expect(load(`${K}.max-artifact-size`, '512m').bytes).toBe(512 * 1024 ** 2);
    expect(problem(`${K}.max-artifact-size`, '0')).toContain("'0' is less than the minimum of 1b");
  });
  it('reads signed-URL validities as durations of at least a second, a bare number in seconds', () => {
    expect(createConfig().get(`${K}.signed-url.ttl`).seconds).toBe(3600);
    expect(createConfig().get(`${K}.signed-url.max-ttl`).seconds).toBe(7 * 24 * 3600);
    expect(load(`${K}.signed-url.ttl`, '600').seconds).toBe(600);
    expect(problem(`${K}.signed-url.ttl`, '500 ms')).toBe(
      `${K}.signed-url.ttl: '500 ms' is shorter than 1 s (expected a duration such as 10 s, 5000 ms, 2 min or 1 h, at least 1 s; a bare number is seconds)`,
    );
  });
  it('needs absolute local roots', () => {
    expect(load(`${K}.local-roots`, '/srv/a, /srv/b')).toEqual(['/srv/a', '/srv/b']);
    expect(load(`${K}.local-roots`, '')).toEqual([]);
    expect(problem(`${K}.local-roots`, '/srv/a,relative/dir')).toBe(
      `${K}.local-roots: '/srv/a,relative/dir': 'relative/dir' is not an absolute path (expected a comma-separated list of absolute folder paths)`,
    );
  });
});

describe('every option type round-trips', () => {
  it('formats each default to text that parses back to the same value', () => {
    for (const [key, definition] of Object.entries(CONFIG_OPTIONS)) {
      if (!definition.hasDefault) continue;
      const type = definition.type as { parse(raw: string, shown: string): { ok: boolean; value?: unknown }; format(v: unknown): string };
      const text = type.format(definition.default);
      const result = type.parse(text, 'x');
      expect({ key, ok: result.ok }).toEqual({ key, ok: true });
      expect(type.format(result.value)).toBe(text);
    }
  });
  it('accepts typed values in createConfig', () => {
    const config = createConfig({ 'mesos.resourcemanager.tasks.mem': MemorySize.of(2, 'g'), 'mesos.failover-timeout': Duration.of(1, 'h') });
    expect(config.get('mesos.resourcemanager.tasks.mem').mebibytes).toBe(2048);
    expect(config.get('mesos.failover-timeout').seconds).toBe(3600);
    expect(config.source('mesos.failover-timeout')).toEqual({ kind: 'programmatic' });
  });
});
