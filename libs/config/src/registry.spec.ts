import { CONFIG_GROUPS, CONFIG_READERS } from './option';
import { CONFIG_KEYS, CONFIG_OPTIONS, envVariableName, optionDefinition } from './registry';

describe('the option registry', () => {
  it('covers Flink\'s Mesos options and the cluster options Mesoflow uses', () => {
    const flinkKeys = [
      'mesos.master',
      'mesos.failover-timeout',
      'mesos.maximum-failed-tasks',
      ...['name', 'role', 'principal', 'secret', 'user'].map((k) => `mesos.resourcemanager.framework.${k}`),
      'mesos.resourcemanager.declined-offer-refuse-duration',
      'mesos.resourcemanager.unused-offer-expiration',
      ...['cpus', 'mem', 'disk', 'gpus', 'network.bandwidth', 'uris', 'hostname', 'bootstrap-cmd', 'taskmanager-cmd', 'labels', 'port-assignments'].map(
        (k) => `mesos.resourcemanager.tasks.${k}`,
      ),
      ...['type', 'image.name', 'volumes', 'docker.parameters', 'docker.force-pull-image'].map((k) => `mesos.resourcemanager.tasks.container.${k}`),
      'mesos.constraints.hard.hostattribute',
      'mesos.resourcemanager.artifactserver.port',
      'mesos.resourcemanager.artifactserver.ssl.enabled',
      'jobmanager.rpc.address',
      'jobmanager.rpc.port',
      'rest.port',
      'taskmanager.numberOfTaskSlots',
      'taskmanager.memory.process.size',
      'parallelism.default',
      'resourcemanager.taskmanager-timeout',
      'high-availability',
      'high-availability.zookeeper.quorum',
      'high-availability.zookeeper.path.root',
      'high-availability.cluster-id',
      'high-availability.storageDir',
      'high-availability.zookeeper.client.session-timeout',
      'internal.jobgraph-path',
      'redis.url',
      'security.kerberos.login.keytab',
      'security.kerberos.login.principal',
      'security.kerberos.krb5-conf.path',
      'mesos.resourcemanager.artifactserver.ssl.cert',
      'mesos.resourcemanager.artifactserver.ssl.key',
    ];
    expect(CONFIG_KEYS).toEqual(expect.arrayContaining(flinkKeys));
  });

  it('uses Flink\'s defaults, with our names where Flink says flink', () => {
    const defaults = Object.fromEntries(CONFIG_KEYS.map((key) => [key, optionDefinition(key).hasDefault ? optionDefinition(key).type.format(optionDefinition(key).default) : undefined]));
    expect(defaults).toMatchObject({
      'mesos.failover-timeout': '7 d',
      'mesos.resourcemanager.declined-offer-refuse-duration': '5 s',
      'mesos.resourcemanager.unused-offer-expiration': '2 min',
      'mesos.resourcemanager.tasks.mem': '1g',
      'mesos.resourcemanager.tasks.container.type': 'mesos',
      'mesos.resourcemanager.framework.name': 'Mesoflow',
      'mesos.resourcemanager.framework.role': '*',
      'mesos.maximum-failed-tasks': '-1',
      'rest.port': '8081',
      'jobmanager.rpc.port': '6123',
      'taskmanager.numberOfTaskSlots': '1',
      'high-availability': 'NONE',
      'high-availability.zookeeper.path.root': '/mesoflow',
      'high-availability.cluster-id': '/default',
      'high-availability.zookeeper.client.session-timeout': '1 min',
      'resourcemanager.taskmanager-timeout': '30 s',
      'internal.jobgraph-path': 'job.graph',
    });
  });

  it('marks secrets sensitive', () => {
    const sensitive = CONFIG_KEYS.filter((key) => optionDefinition(key).sensitive);
    expect(sensitive).toEqual(
      expect.arrayContaining([
        'mesos.resourcemanager.framework.secret',
        'mesos.resourcemanager.artifactserver.url-signing-key',
        'security.api.auth-token',
        'security.ssl.internal.keystore-password',
        'security.ssl.internal.truststore-password',
        'security.ssl.rest.keystore-password',
        'redis.password',
      ]),
    );
    // Only free text may be secret: typed parsers quote entries in their reasons.
    for (const key of sensitive) expect({ key, kind: optionDefinition(key).type.kind }).toEqual({ key, kind: 'string' });
  });

  it('is consistent: known groups and readers, master-only options not read by TaskManagers, one variable per key', () => {
    for (const [key, definition] of Object.entries(CONFIG_OPTIONS)) {
      expect({ key, group: CONFIG_GROUPS.includes(definition.group) }).toEqual({ key, group: true });
      expect(definition.readers.length).toBeGreaterThan(0);
      for (const reader of [...definition.readers, ...definition.requiredBy]) expect(CONFIG_READERS).toContain(reader);
      if (definition.masterOnly) expect({ key, readers: definition.readers }).not.toEqual({ key, readers: expect.arrayContaining(['taskmanager']) });
      expect(definition.description).toMatch(/\.$/);
    }
    expect(new Set(CONFIG_KEYS.map(envVariableName)).size).toBe(CONFIG_KEYS.length);
    expect(envVariableName('mesos.resourcemanager.tasks.cpus')).toBe('MESOFLOW_MESOS_RESOURCEMANAGER_TASKS_CPUS');
    expect(envVariableName('high-availability.zookeeper.path.root')).toBe('MESOFLOW_HIGH_AVAILABILITY_ZOOKEEPER_PATH_ROOT');
  });
});
