import type { ConfigProblem } from './config-error';
import type { ConfigSource } from './config-source';
import type { MemorySize } from './memory-size';
import type { ConfigReader } from './option';
import { closestKey } from './suggest';
import { CONFIG_KEYS, optionDefinition, type ConfigKey, type ConfigValue } from './registry';

/** What a cross-field rule sees: typed values, their sources, and the process loading them. */
export interface RuleView {
  get<K extends ConfigKey>(key: K): ConfigValue<K>;
  source(key: ConfigKey): ConfigSource | undefined;
  /** The process loading the configuration, if known. */
  readonly service: ConfigReader | undefined;
}

/** A check spanning several options. It runs only when none of `keys` had an invalid value. */
export interface CrossFieldRule {
  readonly keys: readonly ConfigKey[];
  check(view: RuleView): ConfigProblem[];
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== '';
}

/**
 * `key` must be set when `condition` holds; `because` completes "required when …". A process
 * that does not read `key` does not need it (a TaskManager does not inherit the artifact
 * server's certificate, so it cannot be asked for it).
 */
function requiredWhen(key: ConfigKey, trigger: ConfigKey, because: string, condition: (view: RuleView) => boolean): CrossFieldRule {
  return {
    keys: [key, trigger],
    check: (view) => {
      if (view.service !== undefined && !optionDefinition(key).readers.includes(view.service)) return [];
      if (!condition(view) || isSet(view.get(key))) return [];
      const expected = optionDefinition(key).expected;
      const source = view.source(trigger);
      return [
        {
          kind: 'missing',
          key,
          expected,
          ...(source === undefined ? {} : { source }),
          message: `${key}: required when ${because} (expected ${expected})`,
        },
      ];
    },
  };
}

const zookeeperHa = (view: RuleView): boolean => view.get('high-availability') === 'zookeeper';
const internalSsl = (view: RuleView): boolean => view.get('security.ssl.internal.enabled');
const artifactServerSsl = (view: RuleView): boolean =>
  view.get('security.ssl.internal.enabled') && view.get('mesos.resourcemanager.artifactserver.ssl.enabled');

const PORT_KEYS = CONFIG_KEYS.filter((key) => optionDefinition(key).type.kind === 'port');

/** Every entry of `port-assignments` must name a port option. */
const portAssignmentsAreOptions: CrossFieldRule = {
  keys: ['mesos.resourcemanager.tasks.port-assignments'],
  check: (view) => {
    const key = 'mesos.resourcemanager.tasks.port-assignments';
    const entries = view.get(key);
    const source = view.source(key);
    return entries
      .filter((entry) => !PORT_KEYS.includes(entry as ConfigKey))
      .map((entry) => {
        const suggestion = closestKey(entry, PORT_KEYS);
        const hint = suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
        return {
          kind: 'invalid-value' as const,
          key,
          value: entry,
          expected: optionDefinition(key).expected,
          ...(source === undefined ? {} : { source }),
          ...(suggestion === undefined ? {} : { suggestion }),
          message: `${key}: '${entry}' is not a port option${hint}`,
        };
      });
  },
};

/** Flink's legacy `tasks.mem` and `taskmanager.memory.process.size` must not disagree when both are given. */
const memoryAgrees: CrossFieldRule = {
  keys: ['mesos.resourcemanager.tasks.mem', 'taskmanager.memory.process.size'],
  check: (view) => {
    const mem: MemorySize = view.get('mesos.resourcemanager.tasks.mem');
    const processSize = view.get('taskmanager.memory.process.size');
    const memSource = view.source('mesos.resourcemanager.tasks.mem');
    if (processSize === undefined || memSource?.kind === 'default' || mem.bytes === processSize.bytes) return [];
    return [
      {
        kind: 'conflict',
        key: 'mesos.resourcemanager.tasks.mem',
        value: mem.toString(),
        ...(memSource === undefined ? {} : { source: memSource }),
        message:
          `mesos.resourcemanager.tasks.mem: ${mem.toString()} disagrees with taskmanager.memory.process.size ` +
          `${processSize.toString()} (set only one of them, or both to the same size)`,
      },
    ];
  },
};

type DurationKey = {
  [K in ConfigKey]: ConfigValue<K> extends { milliseconds: number } ? K : never;
}[ConfigKey];

/** Duration `key` must be shorter than `limit` (or as long, when `orEqual`). */
function durationBelow(key: DurationKey, limit: DurationKey, orEqual: boolean): CrossFieldRule {
  return {
    keys: [key, limit],
    check: (view) => {
      const value = view.get(key);
      const bound = view.get(limit);
      if (value.milliseconds < bound.milliseconds || (orEqual && value.milliseconds === bound.milliseconds)) return [];
      const source = view.source(key);
      const relation = orEqual ? 'longer than' : 'not shorter than';
      return [
        {
          kind: 'conflict',
          key,
          value: value.toString(),
          ...(source === undefined ? {} : { source }),
          message: `${key}: ${value.toString()} is ${relation} ${limit} ${bound.toString()}`,
        },
      ];
    },
  };
}

/** The cross-field rules, modelled on the checks Flink makes at startup. */
export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  requiredWhen('high-availability.zookeeper.quorum', 'high-availability', 'high-availability is zookeeper', zookeeperHa),
  requiredWhen('high-availability.storageDir', 'high-availability', 'high-availability is zookeeper', zookeeperHa),
  requiredWhen(
    'mesos.resourcemanager.tasks.container.image.name',
    'mesos.resourcemanager.tasks.container.type',
    'mesos.resourcemanager.tasks.container.type is docker',
    (view) => view.get('mesos.resourcemanager.tasks.container.type') === 'docker',
  ),
  requiredWhen(
    'mesos.resourcemanager.framework.principal',
    'mesos.resourcemanager.framework.secret',
    'mesos.resourcemanager.framework.secret is set',
    (view) => isSet(view.get('mesos.resourcemanager.framework.secret')),
  ),
  requiredWhen('security.ssl.internal.keystore', 'security.ssl.internal.enabled', 'security.ssl.internal.enabled is true', internalSsl),
  requiredWhen('security.ssl.internal.truststore', 'security.ssl.internal.enabled', 'security.ssl.internal.enabled is true', internalSsl),
  requiredWhen(
    'security.ssl.rest.keystore',
    'security.ssl.rest.enabled',
    'security.ssl.rest.enabled is true',
    (view) => view.get('security.ssl.rest.enabled'),
  ),
  requiredWhen(
    'mesos.resourcemanager.artifactserver.ssl.cert',
    'security.ssl.internal.enabled',
    'security.ssl.internal.enabled and mesos.resourcemanager.artifactserver.ssl.enabled are true',
    artifactServerSsl,
  ),
  requiredWhen(
    'mesos.resourcemanager.artifactserver.ssl.key',
    'security.ssl.internal.enabled',
    'security.ssl.internal.enabled and mesos.resourcemanager.artifactserver.ssl.enabled are true',
    artifactServerSsl,
  ),
  requiredWhen(
    'security.kerberos.login.principal',
    'security.kerberos.login.keytab',
    'security.kerberos.login.keytab is set',
    (view) => isSet(view.get('security.kerberos.login.keytab')),
  ),
  requiredWhen(
    'security.kerberos.login.keytab',
    'security.kerberos.login.principal',
    'security.kerberos.login.principal is set',
    (view) => isSet(view.get('security.kerberos.login.principal')),
  ),
  portAssignmentsAreOptions,
  memoryAgrees,
  // The default validity of a signed artifact URL must not exceed the longest allowed.
  durationBelow('mesos.resourcemanager.artifactserver.signed-url.ttl', 'mesos.resourcemanager.artifactserver.signed-url.max-ttl', true),
  // A TaskManager must get several heartbeats in before it is taken as lost.
  durationBelow('heartbeat.interval', 'heartbeat.timeout', false),
];
