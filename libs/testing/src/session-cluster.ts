// A session cluster as a user starts one: Redis, a Mesos master with agents, a conf folder both
// the cluster and the CLI read, and bin/mesos-appmaster.sh (the four services under its
// supervisor, TaskManagers launched on Mesos from the overlay's spec). Shared by the end-to-end
// tests and the fault suite (tools/faults), which also kills and restarts the application master.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { REPOSITORY_ROOT } from './scheduler-process';
import { startRedis, type StartRedisOptions, type TestRedis } from './servers';
import { waitFor } from './wait-for';

/** What the cluster needs of its Mesos master: where it is and how to stop it. */
export interface SessionClusterMesos {
  /** `http://host:port`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** How {@link SessionClusterOptions.startMesos} is asked to start the master and its agents. */
export interface MesosRequest {
  /** Root of the agents' sandboxes, inside the cluster's folder. */
  readonly workDir: string;
  /**
   * One entry per agent: its resources, each with a port range of its own. The agents share this
   * host, so two agents offering the same ports would hand two TaskManagers the same port.
   */
  readonly agents: readonly string[];
}

/** Options of {@link startSessionCluster}. */
export interface SessionClusterOptions<M extends SessionClusterMesos> {
  /**
   * Starts the Mesos master (e.g. the local stand-in from `@mesoflow/mesos-local`, which this lib
   * cannot import: its own tests use this lib). Stopped by {@link SessionCluster.stop}.
   */
  startMesos(request: MesosRequest): Promise<M>;
  /** Lines added to conf/mesoflow-conf.yaml, after (so overriding) the defaults. */
  conf?: readonly string[];
  /** How many agents, at most 10. @default 2 */
  agents?: number;
  /** `mesos.initial-tasks`, awaited as registered TaskManagers before the cluster is returned. @default 2 */
  taskManagers?: number;
  /** How Redis is started. @default Redis' defaults (append-only, `everysec`) */
  redis?: StartRedisOptions;
  /** Leave the folder (logs, sandboxes) in place on {@link SessionCluster.stop}, e.g. to show it after a failure. @default false */
  keepDir?: boolean;
  /**
   * Application masters started side by side, each with ports of its own; more than one only
   * makes sense with `high-availability: zookeeper` in `conf`, where the others stand by. @default 1
   */
  appMasters?: number;
}

/** The ports of one application master's services. */
export interface AppMasterPorts {
  /** The gateway's REST port. */
  readonly rest: number;
  /** The gateway's gRPC JobService. */
  readonly gateway: number;
  /** The scheduler's resource manager. */
  readonly resourceManager: number;
  /** The artifact server's gRPC port. */
  readonly artifactServer: number;
}

/** One application master of the cluster (bin/mesos-appmaster.sh). */
export interface AppMaster {
  readonly index: number;
  readonly ports: AppMasterPorts;
  log(): string;
  /** Its process id while it runs. */
  pid(): number | undefined;
  /**
   * `kill -9` of the application master and every process below it (its services), as when its
   * container dies; the TaskManagers are Mesos' tasks and keep running. Resolves with the pids killed.
   */
  kill(): Promise<number[]>;
  /** Starts it (again, as Marathon would) and waits until it says it is up. */
  start(): Promise<void>;
  /** SIGTERMs it, with `graceMs` before SIGKILL. */
  stop(graceMs?: number): Promise<void>;
}

/** One run of bin/mesoflow. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running session cluster. */
export interface SessionCluster<M extends SessionClusterMesos> {
  /** The cluster's folder: conf/, the stand-in's sandboxes (mesos/), the application master's log. */
  readonly dir: string;
  /** The environment the cluster runs with and the CLI should run with (MESOFLOW_CONF_DIR). */
  readonly env: NodeJS.ProcessEnv;
  readonly mesos: M;
  readonly redis: TestRedis;
  /** The first application master's ports. */
  readonly ports: AppMasterPorts;
  /** Every application master, the first being the one the other members act on. */
  readonly appMasters: readonly AppMaster[];
  /** The framework name the scheduler registers with. */
  readonly frameworkName: string;
  /** Runs bin/mesoflow with `args` from the cluster's folder. */
  mesoflow(args: string[], timeoutMs?: number): Promise<CliRun>;
  /** The first application master's log. */
  appMasterLog(): string;
  /** The first application master's process id while it runs. */
  appMasterPid(): number | undefined;
  /** {@link AppMaster.kill} of the first application master. */
  killAppMaster(): Promise<number[]>;
  /** {@link AppMaster.start} of the first application master. */
  startAppMaster(): Promise<void>;
  /** {@link AppMaster.stop} of the first application master. */
  stopAppMaster(graceMs?: number): Promise<void>;
  /** Stops everything it started; the folder goes too unless `keepDir`. */
  stop(): Promise<void>;
}

/**
 * Starts the cluster and waits for its TaskManagers to register. On failure the error carries the
 * cluster's warnings and a TaskManager's stderr, since CI keeps no files.
 */
export async function startSessionCluster<M extends SessionClusterMesos>(name: string, options: SessionClusterOptions<M>): Promise<SessionCluster<M>> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const agents = options.agents ?? 2;
  const taskManagers = options.taskManagers ?? 2;
  const redis = await startRedis(options.redis);
  // TaskManagers bind the ports Mesos offers: a range of their own keeps this cluster clear of
  // others running beside it, and a slice of it per agent keeps the agents clear of each other.
  const perAgent = Math.floor(100 / agents);
  const portBase = 33_000 + Math.floor(Math.random() * 200) * 100;
  const agentResources = Array.from({ length: agents }, (_, index) => {
    const first = portBase + index * perAgent;
    return `cpus:2;mem:2048;disk:1000;ports:[${first}-${first + perAgent - 1}]`;
  });
  let mesos: M;
  try {
    mesos = await options.startMesos({ workDir: join(dir, 'mesos'), agents: agentResources });
  } catch (error) {
    await redis.stop();
    throw error;
  }
  const portsOf = async (): Promise<AppMasterPorts & { artifactHttp: number }> => ({
    rest: await freePort(),
    gateway: await freePort(),
    resourceManager: await freePort(),
    artifactServer: await freePort(),
    // Fixed for the cluster's life (restarts included), as the application master's default 6127 is.
    artifactHttp: await freePort(),
  });
  const allPorts: Array<AppMasterPorts & { artifactHttp: number }> = [];
  for (let index = 0; index < (options.appMasters ?? 1); index++) allPorts.push(await portsOf());
  const [ports] = allPorts;
  if (ports === undefined) throw new Error('A session cluster needs at least one application master');
  mkdirSync(join(dir, 'conf'));
  writeFileSync(
    join(dir, 'conf/mesoflow-conf.yaml'),
    [
      `mesos.master: ${mesos.url.replace(/^http:\/\//, '')}`,
      'jobmanager.rpc.address: 127.0.0.1',
      `jobmanager.rpc.port: ${ports.resourceManager}`,
      `rest.port: ${ports.rest}`,
      `dispatcher.grpc.port: ${ports.gateway}`,
      `redis.url: ${redis.url}`,
      `mesos.initial-tasks: ${taskManagers}`,
      'taskmanager.numberOfTaskSlots: 2',
      'mesos.resourcemanager.tasks.cpus: 0.2',
      'mesos.resourcemanager.tasks.mem: 256m',
      'mesos.resourcemanager.declined-offer-refuse-duration: 200ms',
      `mesos.resourcemanager.artifactserver.grpc.port: ${ports.artifactServer}`,
      `mesos.resourcemanager.artifactserver.port: ${ports.artifactHttp}`,
      'mesos.resourcemanager.artifactserver.bind-host: 127.0.0.1',
      'mesos.resourcemanager.artifactserver.advertised-host: 127.0.0.1',
      ...(options.conf ?? []),
      '',
    ].join('\n'),
  );
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MESOFLOW_'))), MESOFLOW_CONF_DIR: join(dir, 'conf') };
  const appMasters: AppMaster[] = [];
  for (const [index, own] of allPorts.entries()) {
    // The first takes its ports from the conf file, which the CLI reads too; the others override them.
    const overrides =
      index === 0
        ? []
        : [
            `-Djobmanager.rpc.port=${own.resourceManager}`,
            `-Drest.port=${own.rest}`,
            `-Ddispatcher.grpc.port=${own.gateway}`,
            `-Dmesos.resourcemanager.artifactserver.grpc.port=${own.artifactServer}`,
            `-Dmesos.resourcemanager.artifactserver.port=${own.artifactHttp}`,
          ];
    appMasters.push(
      appMasterProcess({
        index,
        ports: own,
        dir,
        env,
        args: [
          `--work-dir=${join(dir, index === 0 ? 'am' : `am-${index}`)}`,
          '--bind-host=127.0.0.1',
          `--config-overlay-port=${await freePort()}`,
          `--config-overlay-http-port=${await freePort()}`,
          `--scheduler-http-port=${await freePort()}`,
          `-Dmesos.resourcemanager.framework.name=${name}`,
          ...overrides,
        ],
      }),
    );
  }
  const [first] = appMasters;
  if (first === undefined) throw new Error('A session cluster needs at least one application master');
  const allLogs = (): string => appMasters.map((appMaster) => appMaster.log()).join('\n');
  const stop = async (): Promise<void> => {
    await Promise.all(appMasters.map((appMaster) => appMaster.stop(30_000)));
    await mesos.stop();
    await redis.stop();
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One at a time: the first to start leads.
    for (const appMaster of appMasters) await appMaster.start();
    await waitFor(() => (allLogs().match(/TaskManager '[^']+' registered/g) ?? []).length >= taskManagers, {
      timeoutMs: 90_000,
      intervalMs: 250,
      description: `${taskManagers} TaskManagers registered`,
    });
  } catch (error) {
    const problems = allLogs().split('\n').filter((line) => line !== '' && !line.includes('"level":30')).slice(-30);
    const sandboxes = execFileSync('find', [join(dir, 'mesos'), '-name', 'stderr', '-newer', join(dir, 'conf/mesoflow-conf.yaml')], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const taskStderr = sandboxes.length === 0 ? 'no sandbox' : readFileSync(sandboxes[sandboxes.length - 1] ?? '', 'utf8').split('\n').slice(-15).join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\nThe application master's last warnings and errors:\n${problems.join('\n')}\nA TaskManager's stderr:\n${taskStderr}`);
  }
  return {
    dir,
    env,
    mesos,
    redis,
    ports,
    frameworkName: name,
    mesoflow: (args, timeoutMs = 60_000) =>
      new Promise((resolve) => {
        execFile(join(REPOSITORY_ROOT, 'bin/mesoflow'), args, { cwd: dir, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        });
      }),
    appMasters,
    appMasterLog: () => first.log(),
    appMasterPid: () => first.pid(),
    killAppMaster: () => first.kill(),
    startAppMaster: () => first.start(),
    stopAppMaster: (graceMs = 30_000) => first.stop(graceMs),
    stop,
  };
}

/** What {@link appMasterProcess} needs. */
interface AppMasterRequest {
  readonly index: number;
  readonly ports: AppMasterPorts;
  /** The cluster's folder, where its log goes. */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly args: readonly string[];
}

function appMasterProcess(request: AppMasterRequest): AppMaster {
  const logFile = join(request.dir, request.index === 0 ? 'appmaster.log' : `appmaster-${request.index}.log`);
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const upLines = (): number => (log().match(/Session cluster is up/g) ?? []).length;
  // Ready once it says so in this run: a restarted one appends to the same log.
  let upBefore = 0;
  const child = new ManagedProcess({
    name: request.index === 0 ? 'appmaster' : `appmaster-${request.index}`,
    command: join(REPOSITORY_ROOT, 'bin/mesos-appmaster.sh'),
    args: [...request.args],
    logFile,
    env: request.env,
    ready: () => Promise.resolve(upLines() > upBefore),
    readyTimeoutMs: 120_000,
  });
  return {
    index: request.index,
    ports: request.ports,
    log,
    pid: () => child.pid,
    kill: async () => {
      const pid = child.pid;
      if (pid === undefined) return [];
      const pids = [pid, ...descendantPids(pid)];
      // Children first, so that none is left to notice its parent's death and act on it.
      for (const victim of pids.slice(1)) killQuietly(victim);
      await child.stop('SIGKILL');
      await waitFor(() => pids.every((victim) => !alive(victim)), { timeoutMs: 10_000, description: `pids ${pids.join(', ')} to be gone` });
      return pids;
    },
    start: async () => {
      upBefore = upLines();
      await child.start();
    },
    stop: (graceMs = 30_000) => child.stop('SIGTERM', graceMs),
  };
}

/** Every process below `pid` (children, grandchildren, …), from /proc. */
export function descendantPids(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const children = parents.get(ppid) ?? [];
    children.push(Number(entry));
    parents.set(ppid, children);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift() ?? -1) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
