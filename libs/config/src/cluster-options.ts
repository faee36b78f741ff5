import { Duration } from './duration';
import { option } from './option';
import { durationType, enumType, integerType, memoryType, portType, stringType } from './option-types';
import { checkNotBlank, checkRedisUrl, checkZooKeeperPath, checkZooKeeperQuorum } from './value-checks';

/** Options of the application master's JobManager side and of job execution. */
export const JOBMANAGER_OPTIONS = {
  'jobmanager.rpc.address': option({
    type: stringType({ expected: 'a hostname or IP address', check: checkNotBlank }),
    default: 'localhost',
    group: 'JobManager',
    readers: ['scheduler', 'taskmanager', 'dispatcher-gateway', 'cli'],
    description:
      'The host of the application master. TaskManagers on the agents and clients connect to it, so on a real ' +
      'cluster it must be a name or address they can reach, not `localhost`.',
  }),
  'jobmanager.rpc.port': option({
    type: portType(),
    default: 6123,
    group: 'JobManager',
    readers: ['scheduler', 'taskmanager', 'dispatcher-gateway', 'cli'],
    description: 'The port of the application master\'s RPC endpoint (gRPC), which TaskManagers register with.',
  }),
  'parallelism.default': option({
    type: integerType({ min: 1 }),
    default: 1,
    group: 'JobManager',
    readers: ['dispatcher-gateway', 'cli'],
    masterOnly: true,
    description: 'The parallelism of operators whose job does not set one.',
  }),
  'resourcemanager.taskmanager-timeout': option({
    type: durationType('ms'),
    default: Duration.of(30, 's'),
    group: 'JobManager',
    readers: ['scheduler'],
    masterOnly: true,
    description: 'How long a TaskManager may sit idle (no slot in use) before the scheduler releases it.',
  }),
  'resourcemanager.taskmanager-registration.timeout': option({
    type: durationType('ms'),
    default: Duration.of(5, 'min'),
    group: 'JobManager',
    readers: ['scheduler'],
    masterOnly: true,
    description:
      'How long a launched TaskManager task may take to register its slots with the scheduler; one that has not ' +
      'registered by then is killed and replaced (it counts as a failed task).',
  }),
  'heartbeat.interval': option({
    type: durationType('ms'),
    default: Duration.of(10, 's'),
    group: 'JobManager',
    readers: ['scheduler', 'taskmanager'],
    description: 'How often a TaskManager sends a heartbeat to the scheduler\'s resource manager.',
  }),
  'heartbeat.timeout': option({
    type: durationType('ms'),
    default: Duration.of(50, 's'),
    group: 'JobManager',
    readers: ['scheduler', 'taskmanager'],
    description:
      'How long the resource manager waits for a TaskManager\'s heartbeat before it takes the TaskManager as lost: ' +
      'its task is killed, its slots are withdrawn and a replacement is launched. Must exceed `heartbeat.interval`.',
  }),
} as const;

/** Options of each TaskManager process. */
export const TASKMANAGER_OPTIONS = {
  'taskmanager.numberOfTaskSlots': option({
    type: integerType({ min: 1 }),
    default: 1,
    group: 'TaskManager',
    readers: ['scheduler', 'taskmanager', 'dispatcher-gateway'],
    description:
      'How many parallel operator instances one TaskManager runs. More slots share the TaskManager\'s CPUs and ' +
      'memory; one slot per CPU is a good start.',
  }),
  'taskmanager.memory.process.size': option({
    type: memoryType({ bareUnit: 'b' }),
    group: 'TaskManager',
    readers: ['scheduler', 'taskmanager'],
    description:
      'Total memory of a TaskManager process, as in Flink (write a unit, e.g. `1728m`). ' +
      'When set, it must agree with `mesos.resourcemanager.tasks.mem` if that is set too.',
  }),
  'taskmanager.rpc.port': option({
    type: portType(),
    default: 0,
    group: 'TaskManager',
    readers: ['taskmanager', 'scheduler'],
    description: 'The TaskManager\'s RPC port. On Mesos it is taken from the task\'s offered ports; 0 picks a free port.',
  }),
  'taskmanager.data.port': option({
    type: portType(),
    default: 0,
    group: 'TaskManager',
    readers: ['taskmanager', 'scheduler'],
    description:
      'The port TaskManagers exchange records on. On Mesos it is taken from the task\'s offered ports; 0 picks a free port.',
  }),
  'taskmanager.jobmaster-lost-timeout': option({
    type: durationType('ms'),
    default: Duration.of(30, 's'),
    group: 'TaskManager',
    readers: ['taskmanager'],
    description:
      'How long a job\'s subtasks run on with no job master watching them before the TaskManager cancels them. It must ' +
      'outlast a job master failover: the job master that runs the job next takes over subtasks still running.',
  }),
} as const;

/** Options of the REST endpoint (dispatcher gateway and web UI). */
export const REST_OPTIONS = {
  'rest.address': option({
    type: stringType({ expected: 'a hostname or IP address', check: checkNotBlank }),
    group: 'REST',
    readers: ['scheduler', 'cli'],
    masterOnly: true,
    description:
      'The host clients submit jobs to and the web UI answers on; unset means `jobmanager.rpc.address`. The scheduler ' +
      'gives Mesos the web UI address (`webui_url`) from it and `rest.port`.',
  }),
  'rest.port': option({
    type: portType(),
    default: 8081,
    group: 'REST',
    readers: ['scheduler', 'dispatcher-gateway', 'cli'],
    masterOnly: true,
    description: 'The port of the dispatcher gateway: job submission, the web UI and its REST API.',
  }),
} as const;

/** Options of high availability through ZooKeeper. */
export const HIGH_AVAILABILITY_OPTIONS = {
  'high-availability': option({
    type: enumType(['NONE', 'zookeeper']),
    default: 'NONE',
    group: 'High availability',
    readers: ['scheduler', 'dispatcher-gateway', 'taskmanager', 'cli'],
    description:
      '`NONE` keeps no state outside the application master; `zookeeper` stores workers and jobs in ZooKeeper and ' +
      'elects a leader, so a restarted or standby master carries on where the last one stopped.',
  }),
  'high-availability.zookeeper.quorum': option({
    type: stringType({ expected: 'host:port[,host:port…]', check: checkZooKeeperQuorum }),
    group: 'High availability',
    readers: ['scheduler', 'dispatcher-gateway', 'taskmanager', 'cli'],
    description: 'The ZooKeeper servers as `host:port` pairs separated by commas; required with `high-availability: zookeeper`.',
  }),
  'high-availability.zookeeper.path.root': option({
    type: stringType({ expected: 'a ZooKeeper path such as /mesoflow', check: checkZooKeeperPath }),
    default: '/mesoflow',
    group: 'High availability',
    readers: ['scheduler', 'dispatcher-gateway', 'taskmanager', 'cli'],
    description: 'The ZooKeeper node under which every Mesoflow cluster keeps its state.',
  }),
  'high-availability.cluster-id': option({
    type: stringType({ expected: 'a ZooKeeper path such as /default', check: checkZooKeeperPath }),
    default: '/default',
    group: 'High availability',
    readers: ['scheduler', 'dispatcher-gateway', 'taskmanager', 'cli'],
    description:
      'The node under `high-availability.zookeeper.path.root` that holds this cluster\'s state; clusters sharing ' +
      'a ZooKeeper need different IDs.',
  }),
  'high-availability.storageDir': option({
    type: stringType({ expected: 'a directory path or URI', check: checkNotBlank }),
    group: 'High availability',
    readers: ['scheduler', 'dispatcher-gateway'],
    masterOnly: true,
    description:
      'Where a highly available master stores job graphs and program bundles (ZooKeeper holds only pointers to them); ' +
      'required with `high-availability: zookeeper`.',
  }),
  'high-availability.zookeeper.client.session-timeout': option({
    type: durationType('ms'),
    default: Duration.of(60, 's'),
    group: 'High availability',
    readers: ['scheduler', 'dispatcher-gateway', 'taskmanager', 'cli'],
    description: 'The ZooKeeper session timeout; a master that loses its session this long gives up leadership.',
  }),
} as const;

/** Options of the dispatcher gateway (job submission over gRPC) and of the clients that call it. */
export const DISPATCHER_OPTIONS = {
  'dispatcher.grpc.port': option({
    type: portType({ min: 1 }),
    default: 6126,
    group: 'Dispatcher',
    readers: ['dispatcher-gateway', 'cli'],
    masterOnly: true,
    description: 'The port of the dispatcher gateway\'s gRPC JobService, where `bin/mesoflow` submits, lists and cancels jobs.',
  }),
  'dispatcher.auth.token-file': option({
    type: stringType({ expected: 'a file path', check: checkNotBlank }),
    group: 'Dispatcher',
    readers: ['dispatcher-gateway', 'cli'],
    masterOnly: true,
    description:
      'A file holding the bearer token that submitting and canceling jobs require (gRPC metadata `authorization`, REST ' +
      '`Authorization` header). Unset means no authentication. The CLI sends the token from the same option.',
  }),
  'dispatcher.job-concurrency': option({
    type: integerType({ min: 0 }),
    default: 4,
    group: 'Dispatcher',
    readers: ['dispatcher-gateway'],
    masterOnly: true,
    description: 'How many jobs one gateway\'s job masters run at once; 0 makes the gateway only take submissions.',
  }),
  'dispatcher.job-lock-timeout': option({
    type: durationType('ms', { min: Duration.of(100, 'ms') }),
    default: Duration.of(30, 's'),
    group: 'Dispatcher',
    readers: ['dispatcher-gateway'],
    masterOnly: true,
    description:
      'How long a running job stays claimed by a gateway that stopped renewing its claim (killed, or shut down); another ' +
      'gateway of the cluster then restarts the job.',
  }),
} as const;

/** Options of the Redis server that holds the job queues. */
export const REDIS_OPTIONS = {
  'redis.url': option({
    type: stringType({ expected: 'a redis:// or rediss:// URL', check: checkRedisUrl }),
    default: 'redis://127.0.0.1:6379',
    group: 'Redis',
    readers: ['scheduler', 'dispatcher-gateway'],
    masterOnly: true,
    description: 'The Redis server holding submitted jobs and other queued work; `rediss://` uses TLS. Put the password in `redis.password`.',
  }),
  'redis.password': option({
    type: stringType(),
    group: 'Redis',
    readers: ['scheduler', 'dispatcher-gateway'],
    masterOnly: true,
    sensitive: true,
    description: 'The password of the Redis server (AUTH), if it requires one.',
  }),
} as const;

/** Options set by the startup scripts rather than by users. */
export const INTERNAL_OPTIONS = {
  'internal.jobgraph-path': option({
    type: stringType({ expected: 'a file path', check: checkNotBlank }),
    default: 'job.graph',
    group: 'Internal',
    readers: ['scheduler', 'dispatcher-gateway'],
    masterOnly: true,
    description:
      'The job graph file a per-job cluster (`bin/mesos-appmaster-job.sh`) runs; written by `bin/mesoflow jobgraph`.',
  }),
} as const;
