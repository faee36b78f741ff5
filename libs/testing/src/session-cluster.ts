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
  /** The gateway's REST and gRPC ports, the scheduler's resource manager, the artifact server's gRPC port. */
  readonly ports: { readonly rest: number; readonly gateway: number; readonly resourceManager: number; readonly artifactServer: number };
  /** The framework name the scheduler registers with. */
  readonly frameworkName: string;
  /** Runs bin/mesoflow with `args` from the cluster's folder. */
  mesoflow(args: string[], timeoutMs?: number): Promise<CliRun>;
  appMasterLog(): string;
  /** The application master's process id while it runs. */
  appMasterPid(): number | undefined;
  /**
   * `kill -9` of the application master and every process below it (its services), as when its
   * container dies; the TaskManagers are Mesos' tasks and keep running. Resolves with the pids killed.
   */
  killAppMaster(): Promise<number[]>;
  /** Starts the application master again (as Marathon would) and waits until it says it is up. */
  startAppMaster(): Promise<void>;
  /** SIGTERMs the application master, with `graceMs` before SIGKILL. */
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
  const ports = { rest: await freePort(), gateway: await freePort(), resourceManager: await freePort(), artifactServer: await freePort() };
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
      // Fixed for the cluster's life (restarts included), as the application master's default 6127 is.
      `mesos.resourcemanager.artifactserver.port: ${await freePort()}`,
      'mesos.resourcemanager.artifactserver.bind-host: 127.0.0.1',
      'mesos.resourcemanager.artifactserver.advertised-host: 127.0.0.1',
      ...(options.conf ?? []),
      '',
    ].join('\n'),
  );
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MESOFLOW_'))), MESOFLOW_CONF_DIR: join(dir, 'conf') };
  const appMasterLog = (): string => readFileSync(join(dir, 'appmaster.log'), 'utf8');
  const upLines = (): number => {
    try {
      return (appMasterLog().match(/Session cluster is up/g) ?? []).length;
    } catch {
      return 0;
    }
  };
  // Ready once it says so in this run: a restarted one appends to the same log.
  let upBefore = 0;
  const appMaster = new ManagedProcess({
    name: 'appmaster',
    command: join(REPOSITORY_ROOT, 'bin/mesos-appmaster.sh'),
    args: [
      `--work-dir=${join(dir, 'am')}`,
      '--bind-host=127.0.0.1',
      `--config-overlay-port=${await freePort()}`,
      `--config-overlay-http-port=${await freePort()}`,
      `--scheduler-http-port=${await freePort()}`,
      `-Dmesos.resourcemanager.framework.name=${name}`,
    ],
    logFile: join(dir, 'appmaster.log'),
    env,
    ready: () => Promise.resolve(upLines() > upBefore),
    readyTimeoutMs: 120_000,
  });
  const startAppMaster = async (): Promise<void> => {
    upBefore = upLines();
    await appMaster.start();
  };
  const stop = async (): Promise<void> => {
    await appMaster.stop('SIGTERM', 30_000);
    await mesos.stop();
    await redis.stop();
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await startAppMaster();
    await waitFor(() => (appMasterLog().match(/TaskManager '[^']+' registered/g) ?? []).length >= taskManagers, {
      timeoutMs: 90_000,
      intervalMs: 250,
      description: `${taskManagers} TaskManagers registered`,
    });
  } catch (error) {
    const problems = appMasterLog().split('\n').filter((line) => line !== '' && !line.includes('"level":30')).slice(-30);
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
    appMasterLog,
    appMasterPid: () => appMaster.pid,
    killAppMaster: async () => {
      const pid = appMaster.pid;
      if (pid === undefined) return [];
      const pids = [pid, ...descendantPids(pid)];
      // Children first, so that none is left to notice its parent's death and act on it.
      for (const victim of pids.slice(1)) killQuietly(victim);
      await appMaster.stop('SIGKILL');
      await waitFor(() => pids.every((victim) => !alive(victim)), { timeoutMs: 10_000, description: `pids ${pids.join(', ')} to be gone` });
      return pids;
    },
    startAppMaster,
    stopAppMaster: (graceMs = 30_000) => appMaster.stop('SIGTERM', graceMs),
    stop,
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
