import { Duration } from './duration';
import { MemorySize } from './memory-size';
import { option } from './option';
import {
  booleanType,
  durationType,
  enumType,
  integerType,
  keyValueListType,
  listType,
  memoryType,
  numberType,
  portType,
  stringType,
  volumesType,
} from './option-types';
import {
  checkAbsolutePathEntry,
  checkHost,
  checkMesosMaster,
  checkNotBlank,
  checkUrlPathSegment,
  minLength,
} from './value-checks';

const none = Object.freeze([]);

/** Options of the Mesos scheduler: the framework, offers and failover (Flink's "Mesos" section). */
export const MESOS_OPTIONS = {
  'mesos.master': option({
    type: stringType({
      expected: 'host:port, zk://host:2181[,host:2181]/path or an http(s):// URL',
      check: checkMesosMaster,
    }),
    group: 'Mesos',
    readers: ['scheduler', 'cli'],
    masterOnly: true,
    requiredBy: ['scheduler'],
    description:
      'Where the Mesos master is: `host:port`, `zk://[user:pass@]host:2181[,host:2181…]/path` ' +
      '(the leading master is found through ZooKeeper), or an `http(s)://` URL.',
  }),
  'mesos.failover-timeout': option({
    type: durationType('s'),
    default: Duration.of(604_800, 's'),
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'How long the Mesos master keeps the framework and its TaskManagers running after the ' +
      'scheduler disconnects, waiting for it to fail over, before killing them.',
  }),
  'mesos.maximum-failed-tasks': option({
    type: integerType({ min: -1 }),
    default: -1,
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'How many TaskManager tasks may fail before the cluster gives up and shuts down; -1 never gives up.',
  }),
  'mesos.initial-tasks': option({
    type: integerType({ min: 0 }),
    default: 0,
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'How many TaskManagers a session cluster keeps running even when no job needs their slots (a warm pool), ' +
      'so the first job starts without waiting for Mesos. More are launched on demand.',
  }),
  'mesos.resourcemanager.framework.name': option({
    type: stringType({ check: checkNotBlank }),
    default: 'Mesoflow',
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'The framework name the Mesos master and its web UI show.',
  }),
  'mesos.resourcemanager.framework.role': option({
    type: stringType({ check: checkNotBlank }),
    default: '*',
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'The role the framework subscribes with; offers come from resources reserved for it or unreserved (`*`).',
  }),
  'mesos.resourcemanager.framework.principal': option({
    type: stringType({ expected: 'a principal name' }),
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'The principal the framework authenticates as, when the Mesos master requires authentication.',
  }),
  'mesos.resourcemanager.framework.secret': option({
    type: stringType(),
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    sensitive: true,
    description: 'The secret that goes with the framework principal.',
  }),
  'mesos.resourcemanager.framework.on-removed': option({
    type: enumType(['stop', 'register-anew']),
    default: 'stop',
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'What the scheduler does when the Mesos master refuses its stored framework ID with `Framework has been ' +
      'removed` (the scheduler stayed away longer than `mesos.failover-timeout`, or an operator tore it down): ' +
      '`stop` fails with an error naming the framework ID; `register-anew` registers a new framework, releases ' +
      'every launched worker (their tasks died with the old framework) and launches replacements.',
  }),
  'mesos.resourcemanager.framework.user': option({
    type: stringType(),
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'The operating-system user TaskManagers run as on the agents; unset means the user running the scheduler.',
  }),
  'mesos.resourcemanager.api.encoding': option({
    type: enumType(['protobuf', 'json']),
    default: 'protobuf',
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'How the scheduler talks to the master: `protobuf` (`application/x-protobuf`, the compact one) or `json` ' +
      '(`application/json`, readable when tracing the traffic). Masters speak both.',
  }),
  'mesos.resourcemanager.declined-offer-refuse-duration': option({
    type: durationType('ms'),
    default: Duration.of(5, 's'),
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'How long the master should hold back an offer the scheduler declined before offering those resources again.',
  }),
  'mesos.resourcemanager.unused-offer-expiration': option({
    type: durationType('ms'),
    default: Duration.of(120, 's'),
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'How long the scheduler keeps an offer it has no use for before declining it, so that it does not hoard resources.',
  }),
  'mesos.resourcemanager.network.resource.name': option({
    type: stringType({ check: checkNotBlank }),
    default: 'network',
    group: 'Mesos',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'The name of the agents\' network bandwidth resource, used with `mesos.resourcemanager.tasks.network.bandwidth`.',
  }),
} as const;

/** Options describing each TaskManager task: resources, command, container (Flink's "Mesos TaskManager" section). */
export const MESOS_TASK_OPTIONS = {
  'mesos.resourcemanager.tasks.cpus': option({
    type: numberType({ min: 0 }),
    default: 0,
    expected: 'a positive number of CPUs, e.g. 1.5',
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'CPUs per TaskManager. 0 (the default) asks for one CPU per task slot (`taskmanager.numberOfTaskSlots`).',
  }),
  'mesos.resourcemanager.tasks.mem': option({
    type: memoryType({ bareUnit: 'm', minBytes: 32 * 1024 ** 2 }),
    default: MemorySize.of(1024, 'm'),
    group: 'Mesos TaskManager',
    readers: ['scheduler', 'taskmanager'],
    masterOnly: false,
    description:
      'Memory per TaskManager, at least 32m (`4096` is `4g`). ' +
      'If `taskmanager.memory.process.size` is set as well, both must agree.',
  }),
  'mesos.resourcemanager.tasks.disk': option({
    type: memoryType({ bareUnit: 'm' }),
    default: MemorySize.of(0, 'm'),
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'Disk space per TaskManager; 0 asks for no disk resource.',
  }),
  'mesos.resourcemanager.tasks.gpus': option({
    type: integerType({ min: 0 }),
    default: 0,
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'GPUs per TaskManager; when above 0 the framework subscribes with the GPU_RESOURCES capability.',
  }),
  'mesos.resourcemanager.tasks.network.bandwidth': option({
    type: integerType({ min: 0 }),
    default: 0,
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'Network bandwidth per TaskManager in megabits per second; 0 asks for none.',
  }),
  'mesos.resourcemanager.tasks.uris': option({
    type: listType({ expected: 'a comma-separated list of URIs' }),
    default: none,
    group: 'Mesos TaskManager',
    readers: ['scheduler', 'config-overlay'],
    masterOnly: true,
    description:
      'Extra artifacts the Mesos fetcher downloads into every TaskManager sandbox, as a comma-separated list of URIs.',
  }),
  'mesos.resourcemanager.tasks.hostname': option({
    type: stringType(),
    group: 'Mesos TaskManager',
    readers: ['scheduler', 'taskmanager'],
    masterOnly: false,
    description:
      'The hostname TaskManagers announce; `_TASK_` is replaced by the Mesos task ID ' +
      '(e.g. `_TASK_.mesoflow.mesos` with Mesos-DNS). Unset means the agent\'s hostname.',
  }),
  'mesos.resourcemanager.tasks.bootstrap-cmd': option({
    type: stringType(),
    group: 'Mesos TaskManager',
    readers: ['scheduler', 'config-overlay'],
    masterOnly: true,
    description: 'A shell command run in the sandbox before the TaskManager starts (the task fails if it fails).',
  }),
  'mesos.resourcemanager.tasks.taskmanager-cmd': option({
    type: stringType({ check: checkNotBlank }),
    default: '$MESOFLOW_HOME/bin/mesos-taskmanager.sh',
    group: 'Mesos TaskManager',
    readers: ['scheduler', 'config-overlay'],
    masterOnly: true,
    description: 'The command that starts a TaskManager inside its task.',
  }),
  'mesos.resourcemanager.tasks.labels': option({
    type: keyValueListType(':'),
    default: none,
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'Labels put on every TaskManager task, as `key:value` pairs separated by commas.',
  }),
  'mesos.resourcemanager.tasks.port-assignments': option({
    type: listType({ expected: 'a comma-separated list of port option keys, e.g. rest.port' }),
    default: none,
    group: 'Mesos TaskManager',
    readers: ['scheduler', 'config-overlay'],
    masterOnly: true,
    description:
      'Port options (comma-separated keys) that each TaskManager gets from the ports resource of its offer, ' +
      'in addition to `taskmanager.rpc.port` and `taskmanager.data.port`, which always do.',
  }),
  'mesos.resourcemanager.tasks.container.type': option({
    type: enumType(['mesos', 'docker']),
    default: 'mesos',
    group: 'Mesos TaskManager',
    readers: ['scheduler', 'config-overlay'],
    masterOnly: true,
    description:
      'How TaskManagers are installed: `mesos` runs them from artifacts the fetcher downloads from the artifact ' +
      'server; `docker` runs them in the image named by `mesos.resourcemanager.tasks.container.image.name`.',
  }),
  'mesos.resourcemanager.tasks.container.image.name': option({
    type: stringType({ expected: 'an image name, e.g. mesoflow:latest' }),
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'The container image TaskManagers run in; required with container type `docker`.',
  }),
  'mesos.resourcemanager.tasks.container.volumes': option({
    type: volumesType(),
    default: none,
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'Extra volumes mounted into TaskManager containers: a comma-separated list of ' +
      '`[host_path:]container_path[:RO|RW]` (read-write unless `RO`).',
  }),
  'mesos.resourcemanager.tasks.container.docker.parameters': option({
    type: keyValueListType('='),
    default: none,
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'Extra `docker run` parameters for the docker containerizer, as `key=value` pairs separated by commas ' +
      '(the value may contain `=`), e.g. `env=A=1,memory-swap=-1`.',
  }),
  'mesos.resourcemanager.tasks.container.docker.force-pull-image': option({
    type: booleanType(),
    default: false,
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'Make the docker containerizer pull the image for every task instead of using a cached copy.',
  }),
  'mesos.constraints.hard.hostattribute': option({
    type: keyValueListType(':'),
    default: none,
    group: 'Mesos TaskManager',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'Placement constraints on agent attributes, as `attribute:value` pairs separated by commas ' +
      '(e.g. `rack:r1,zone:z1`); only offers from agents matching every pair are used.',
  }),
} as const;

const ARTIFACT_SERVER: { readonly group: 'Artifact server'; readonly masterOnly: true } = { group: 'Artifact server', masterOnly: true };

/** Options of the artifact server that serves TaskManager artifacts to the Mesos fetcher. */
export const ARTIFACT_SERVER_OPTIONS = {
  'mesos.resourcemanager.artifactserver.port': option({
    type: portType(),
    default: 0,
    ...ARTIFACT_SERVER,
    readers: ['artifact-server', 'scheduler'],
    description:
      'The port the artifact server listens on; 0 picks a free port. `bin/mesos-appmaster.sh` uses 6127 when it is not ' +
      'configured, so the URLs of queued jobs\' bundles outlive a restart.',
  }),
  'mesos.resourcemanager.artifactserver.grpc.port': option({
    type: portType({ min: 1 }),
    ...ARTIFACT_SERVER,
    readers: ['artifact-server', 'cli'],
    requiredBy: ['artifact-server'],
    description:
      'The port of the artifact server\'s gRPC service, where artifacts are published (`bin/mesoflow run` uploads ' +
      'program bundles there, on the host of `rest.address`). ' +
      'It must be fixed (not 0), because the publishers have to be told where to connect.',
  }),
  'mesos.resourcemanager.artifactserver.bind-host': option({
    type: stringType({ expected: 'a host name or IP address, e.g. 0.0.0.0', check: checkHost }),
    default: '0.0.0.0',
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    description: 'The address the artifact server\'s HTTP(S) and gRPC ports bind; `0.0.0.0` means every IPv4 interface.',
  }),
  'mesos.resourcemanager.artifactserver.advertised-host': option({
    type: stringType({ expected: 'a host name or IP address the agents can reach', check: checkHost }),
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    description:
      'The host put in the artifact URLs handed to the Mesos fetcher, so it must resolve on the agents. ' +
      'Unset means this machine\'s host name.',
  }),
  'mesos.resourcemanager.artifactserver.root': option({
    type: stringType({ expected: 'a folder path', check: checkNotBlank }),
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    requiredBy: ['artifact-server'],
    description: 'The folder that holds the published artifacts; created if missing. A relative path is resolved against the working directory.',
  }),
  'mesos.resourcemanager.artifactserver.prefix': option({
    type: stringType({ expected: "one URL path segment of letters, digits and '._~-', e.g. mesoflow-1a2b", check: checkUrlPathSegment }),
    default: 'mesoflow',
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    description: 'The first path segment of every artifact URL, naming the cluster, e.g. `mesoflow-1a2b`.',
  }),
  'mesos.resourcemanager.artifactserver.ssl.enabled': option({
    type: booleanType(),
    default: true,
    ...ARTIFACT_SERVER,
    readers: ['artifact-server', 'scheduler'],
    description:
      'Serve artifacts over HTTPS. Takes effect only together with `security.ssl.internal.enabled`; ' +
      'then `mesos.resourcemanager.artifactserver.ssl.cert` and `.ssl.key` are required.',
  }),
  'mesos.resourcemanager.artifactserver.ssl.cert': option({
    type: stringType({ expected: 'a file path' }),
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    description: 'Path of the PEM certificate (chain) the artifact server presents over HTTPS.',
  }),
  'mesos.resourcemanager.artifactserver.ssl.key': option({
    type: stringType({ expected: 'a file path' }),
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    description: 'Path of the PEM private key that goes with `mesos.resourcemanager.artifactserver.ssl.cert`.',
  }),
  'mesos.resourcemanager.artifactserver.url-signing-key': option({
    type: stringType({ expected: 'a key of at least 32 characters', check: minLength(32) }),
    ...ARTIFACT_SERVER,
    readers: ['artifact-server', 'scheduler'],
    sensitive: true,
    description:
      'The key (at least 32 characters) that signs artifact URLs handed to the fetcher, so that only URLs the scheduler issued are served. ' +
      'Unset means a random key per start, which works only while the scheduler and artifact server share a process ' +
      'and makes signed URLs invalid when the artifact server restarts.',
  }),
  'mesos.resourcemanager.artifactserver.max-artifact-size': option({
    type: memoryType({ bareUnit: 'b', minBytes: 1 }),
    default: MemorySize.of(4, 'g'),
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    description: 'The largest artifact the artifact server accepts for publishing.',
  }),
  'mesos.resourcemanager.artifactserver.signed-url.ttl': option({
    type: durationType('s', { min: Duration.of(1, 's') }),
    default: Duration.of(1, 'h'),
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    description:
      'How long a signed artifact URL stays valid when the caller does not say; ' +
      'at most `mesos.resourcemanager.artifactserver.signed-url.max-ttl`.',
  }),
  'mesos.resourcemanager.artifactserver.signed-url.max-ttl': option({
    type: durationType('s', { min: Duration.of(1, 's') }),
    default: Duration.of(7, 'd'),
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    description: 'The longest validity a signed artifact URL may be given.',
  }),
  'mesos.resourcemanager.artifactserver.local-roots': option({
    type: listType({ expected: 'a comma-separated list of absolute folder paths', checkEntry: checkAbsolutePathEntry }),
    default: none,
    ...ARTIFACT_SERVER,
    readers: ['artifact-server'],
    description:
      'Folders on the artifact server\'s machine whose files may be published by path (`PublishFile`), comma-separated; ' +
      'empty disables publishing by path.',
  }),
} as const;
