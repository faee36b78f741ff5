// The local stack one scenario runs on, started as a user starts it: Redis (append-only), the
// local Mesos stand-in with its agents, a session cluster from bin/mesos-appmaster.sh, and, for
// the high-availability scenarios, a real ZooKeeper that the cluster reaches through a TCP proxy
// (cutting the proxy is how a session is made to expire without touching either process).
import { startLocalMesos, stateFrameworks, type LocalMesos, type StateTask } from '@mesoflow/mesos-local';
import { SlotRequester, type WorkerInfo } from '@mesoflow/resourcemanager-client';
import { startSessionCluster, startTcpProxy, startZooKeeper, type AppMaster, type SessionCluster, type TcpProxy, type TestZooKeeper } from '@mesoflow/testing';
import { dispatcherLatchPath, LeaderRetrieval, readLeader, schedulerLatchPath, ZooKeeperConnection } from '@mesoflow/zk-store';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobServiceClient, PROGRAM, programArgs, publishBundle, readPlannedJob, type JobSize, type PlannedJob } from './jobs';

/** The ZooKeeper session timeout of the high-availability cluster: it bounds a takeover. */
export const ZK_SESSION_TIMEOUT_MS = 3_000;

/** Where the cluster keeps its state in ZooKeeper (the registry's defaults). */
const ZK_ROOT = '/mesoflow';
const ZK_CLUSTER_ID = '/default';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** A name unique in this run: the framework's name and the folder's prefix. */
  readonly name: string;
  /** Run the cluster with `high-availability: zookeeper` (the scheduler's store and leader latch in ZooKeeper). */
  readonly ha: boolean;
  readonly jobSize: JobSize;
  /** Mesos agents; a scenario that removes one per trial needs one more than its trials. */
  readonly agents: number;
  /** Application masters side by side (with `ha`, all but the leader stand by). @default 1 */
  readonly appMasters?: number;
}

/** Which application master leads each election (undefined: nobody, or one not of this stack). */
export interface Leaders {
  readonly scheduler: AppMaster | undefined;
  readonly gateway: AppMaster | undefined;
}

/** The workers as Mesos and the scheduler see them, at one moment. */
export interface WorkerCheck {
  /** `mesos.initial-tasks`, as the scheduler reports it (it may run more while slot requests wait). */
  readonly desired: number;
  /** Our framework's TASK_RUNNING tasks on the master. */
  readonly running: readonly StateTask[];
  /** Running tasks whose id no Launched worker record of the scheduler holds. */
  readonly orphans: readonly string[];
  /** Task ids the master lists more than once among live tasks, or live again after they ended. */
  readonly duplicates: readonly string[];
  /** Running workers whose TaskManager is registered with the resource manager, by task id. */
  readonly registered: readonly string[];
  /** The scheduler's framework is subscribed to the master (not merely recovered from the agents after a failover). */
  readonly subscribed: boolean;
  /** Set when the scheduler could not be asked (not an error of the check: the service is down). */
  readonly schedulerError?: string;
}

/** One scenario's running stack. */
export interface Stack {
  readonly cluster: SessionCluster<LocalMesos>;
  readonly zk: TestZooKeeper | undefined;
  /** Between the cluster and ZooKeeper, with HA. */
  readonly zkProxy: TcpProxy | undefined;
  readonly jobs: JobServiceClient;
  readonly planned: PlannedJob;
  /** Where the job's effects files are written. */
  readonly effectsDir: string;
  /** With `ha`: the application masters whose scheduler and gateway lead now. */
  leaders(): Promise<Leaders>;
  /** Submits one CountedSums job tagged `tag`; resolves with its job id once the gateway accepted it. */
  submit(tag: string, giveUpMs: number): Promise<string>;
  /** Lines the job tagged `tag` appended to its effects file (4 per completed execution). */
  effects(tag: string): string[];
  checkWorkers(): Promise<WorkerCheck>;
  stop(): Promise<void>;
}

/** Starts everything; on failure, stops what was started and rethrows. */
export async function startStack(options: StackOptions): Promise<Stack> {
  let zk: TestZooKeeper | undefined;
  let zkProxy: TcpProxy | undefined;
  if (options.ha) {
    zk = await startZooKeeper({ tickTimeMs: 500 });
    zkProxy = await startTcpProxy(zk.host, zk.port);
  }
  let cluster: SessionCluster<LocalMesos>;
  try {
    cluster = await startSessionCluster(options.name, {
      keepDir: true,
      agents: options.agents,
      appMasters: options.appMasters ?? 1,
      // Acknowledged submissions must survive `kill -9` of Redis: the suite counts them.
      redis: { appendfsync: 'always' },
      startMesos: ({ workDir, agents }) =>
        startLocalMesos({
          port: 0,
          agents: agents.map((resources) => ({ resources })),
          workDir,
          allocationIntervalMs: 100,
          // An agent cut off is unreachable after 4 missed pings of 500 ms, not Mesos' 75 s.
          agentPingTimeoutMs: 500,
          maxAgentPingTimeouts: 4,
          statusUpdateRetryMs: 1_000,
          statusUpdateMaxRetryMs: 5_000,
        }),
      conf: [
        // A lost TaskManager is noticed within seconds, not the default 50 s.
        'heartbeat.interval: 1s',
        'heartbeat.timeout: 5s',
        // A killed gateway's claimed jobs are restarted by the next one after 5 s, not 30 s.
        'dispatcher.job-lock-timeout: 5s',
        ...(zkProxy
          ? [
              'high-availability: zookeeper',
              `high-availability.zookeeper.quorum: ${zkProxy.address}`,
              `high-availability.zookeeper.client.session-timeout: ${ZK_SESSION_TIMEOUT_MS}ms`,
              `high-availability.storageDir: file://${join(zk?.dir ?? '', 'ha-storage')}`,
            ]
          : []),
      ],
    });
  } catch (error) {
    await zkProxy?.stop();
    await zk?.stop();
    throw error;
  }
  const effectsDir = join(cluster.dir, 'effects');
  mkdirSync(effectsDir);
  // With standbys, the resource manager is wherever the scheduler leader is, and a client reaches
  // any gateway that is up (all of them take submissions).
  const schedulerLeader = zk ? new LeaderRetrieval({ connectString: zk.connectString, sessionTimeoutMs: 10_000, path: schedulerLatchPath(ZK_ROOT, ZK_CLUSTER_ID) }) : undefined;
  // Retried every 200 ms at most while the scheduler is away, so that recovery and takeover times are
  // the cluster's, not a client's backoff (which grows to 5 s by default).
  const slots = new SlotRequester({
    target: schedulerLeader ? () => schedulerLeader.address() : `127.0.0.1:${cluster.ports.resourceManager}`,
    callTimeoutMs: 3_000,
    backoff: { initialMs: 100, maxMs: 200 },
  });
  const jobs = new JobServiceClient(cluster.appMasters.map((appMaster) => `127.0.0.1:${appMaster.ports.gateway}`));
  // Straight to the server, not through the proxy the cluster's sessions go through: the suite watches, it is not under test.
  const observer = zk ? await ZooKeeperConnection.connect({ connectString: zk.connectString, sessionTimeoutMs: 10_000 }) : undefined;
  const stopAll = async (): Promise<void> => {
    jobs.close();
    slots.close();
    await schedulerLeader?.close();
    await observer?.close();
    await cluster.stop();
    await zkProxy?.stop();
    await zk?.stop();
  };
  try {
    const graphFile = join(cluster.dir, 'counted-sums.graph');
    const plan = await cluster.mesoflow(['jobgraph', '-p', '2', PROGRAM, '-o', graphFile, ...programArgs(options.jobSize, 'plan', effectsDir)], 120_000);
    if (plan.code !== 0) throw new Error(`bin/mesoflow jobgraph failed (${plan.code}): ${plan.stderr}`);
    const planned = readPlannedJob(graphFile, options.jobSize);
    // The artifact server's root is in the application master's work dir: the URL stays valid across its restarts.
    const bundle = await publishBundle(`127.0.0.1:${cluster.ports.artifactServer}`, planned);
    return {
      cluster,
      zk,
      zkProxy,
      jobs,
      planned,
      effectsDir,
      submit: (tag, giveUpMs) =>
        jobs.submit(
          { submission_id: `faults-${tag}`, job_name: planned.name, job_graph: planned.graph, bundle, config: {}, program_args: programArgs(options.jobSize, tag, effectsDir) },
          giveUpMs,
        ),
      effects: (tag) => {
        try {
          return readFileSync(join(effectsDir, `${tag}.effects`), 'utf8').split('\n').filter(Boolean);
        } catch {
          return [];
        }
      },
      checkWorkers: () => checkWorkers(cluster, slots),
      leaders: () => leadersOf(cluster, observer),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function leadersOf(cluster: SessionCluster<LocalMesos>, connection: ZooKeeperConnection | undefined): Promise<Leaders> {
  if (!connection) return { scheduler: undefined, gateway: undefined };
  // Each publishes `host:port`: the scheduler its resource manager's, the gateway its JobService's.
  const [scheduler, gateway] = await Promise.all([readLeader(connection, schedulerLatchPath(ZK_ROOT, ZK_CLUSTER_ID)), readLeader(connection, dispatcherLatchPath(ZK_ROOT, ZK_CLUSTER_ID))]);
  const byPort = (address: string | undefined, port: (appMaster: AppMaster) => number): AppMaster | undefined =>
    cluster.appMasters.find((appMaster) => address?.endsWith(`:${port(appMaster)}`) === true);
  return { scheduler: byPort(scheduler?.address, (appMaster) => appMaster.ports.resourceManager), gateway: byPort(gateway?.address, (appMaster) => appMaster.ports.gateway) };
}

async function checkWorkers(cluster: SessionCluster<LocalMesos>, slots: SlotRequester): Promise<WorkerCheck> {
  // Every framework of this cluster's name: a scheduler that registered anew would show as a second one.
  const frameworks = stateFrameworks(cluster.mesos.state()).filter((framework) => framework.name === cluster.frameworkName);
  const subscribed = frameworks.some((framework) => framework.active && framework.connected && !framework.recovered);
  const live = frameworks.flatMap((framework) => framework.tasks);
  const ended = new Set(frameworks.flatMap((framework) => framework.completed_tasks).map((task) => task.id));
  const running = live.filter((task) => task.state === 'TASK_RUNNING');
  const counts = new Map<string, number>();
  for (const task of live) counts.set(task.id, (counts.get(task.id) ?? 0) + 1);
  const duplicates = [...counts].filter(([id, count]) => count > 1 || ended.has(id)).map(([id]) => id);
  let workers: readonly WorkerInfo[];
  let desired: number;
  try {
    ({ workers, desiredWorkers: desired } = await slots.listWorkers({ timeoutMs: 3_000 }));
  } catch (error) {
    return { desired: Number.NaN, running, orphans: [], duplicates, registered: [], subscribed, schedulerError: (error as Error).message };
  }
  const launched = new Map(workers.filter((worker) => worker.state === 'Launched').map((worker) => [worker.taskId, worker]));
  return {
    desired,
    running,
    orphans: running.filter((task) => !launched.has(task.id)).map((task) => task.id),
    duplicates,
    registered: running.filter((task) => launched.get(task.id)?.taskManager !== undefined).map((task) => task.id),
    subscribed,
  };
}

/** True when the workers are as they should be: the framework subscribed, at least as many running as desired, all known and registered, none twice. */
export function workersHealthy(check: WorkerCheck): boolean {
  return (
    check.schedulerError === undefined &&
    check.subscribed &&
    // More than desired is fine: the scheduler launches workers for pending slot requests and
    // releases them once idle (30 s); fewer, or one without a registered TaskManager, is not.
    check.running.length >= check.desired &&
    check.registered.length === check.running.length &&
    check.orphans.length === 0 &&
    check.duplicates.length === 0
  );
}
