// A session cluster as a user starts one: Redis, the local Mesos stand-in with two agents, a conf
// folder both the cluster and the CLI read, and bin/mesos-appmaster.sh (the four services under
// its supervisor, two TaskManagers launched on the stand-in from the overlay's spec).
import { startLocalMesos, type LocalMesos } from '@mesoflow/mesos-local';
import { freePort, ManagedProcess, REPOSITORY_ROOT, startRedis, waitFor, type TestRedis } from '@mesoflow/testing';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SessionCluster {
  /** The test's folder: conf/, the stand-in's sandboxes (mesos/), the application master's log. */
  readonly dir: string;
  /** The environment the cluster runs with and the CLI should run with (MESOFLOW_CONF_DIR). */
  readonly env: NodeJS.ProcessEnv;
  readonly mesos: LocalMesos;
  readonly ports: { readonly rest: number; readonly gateway: number };
  /** Runs bin/mesoflow with `args` from the test folder. */
  mesoflow(args: string[], timeoutMs?: number): Promise<CliRun>;
  appMasterLog(): string;
  /** SIGTERMs the application master, with `graceMs` before SIGKILL. */
  stopAppMaster(graceMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the cluster and waits for both TaskManagers. `conf` adds lines to the conf file.
 * On failure the error carries the cluster's warnings and a TaskManager's stderr, since CI keeps no files.
 */
export async function startSessionCluster(name: string, conf: readonly string[] = []): Promise<SessionCluster> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const redis: TestRedis = await startRedis();
  // TaskManagers bind the ports Mesos offers: a range of their own keeps this suite clear of
  // others running beside it.
  const portBase = 33_000 + Math.floor(Math.random() * 200) * 100;
  const mesos = await startLocalMesos({ port: 0, agents: 2, resources: `cpus:2;mem:2048;disk:1000;ports:[${portBase}-${portBase + 99}]`, workDir: join(dir, 'mesos'), allocationIntervalMs: 100 });
  const ports = { rest: await freePort(), gateway: await freePort() };
  mkdirSync(join(dir, 'conf'));
  writeFileSync(
    join(dir, 'conf/mesoflow-conf.yaml'),
    [
      `mesos.master: ${mesos.url.replace(/^http:\/\//, '')}`,
      'jobmanager.rpc.address: 127.0.0.1',
      `jobmanager.rpc.port: ${await freePort()}`,
      `rest.port: ${ports.rest}`,
      `dispatcher.grpc.port: ${ports.gateway}`,
      `redis.url: ${redis.url}`,
      'mesos.initial-tasks: 2',
      'taskmanager.numberOfTaskSlots: 2',
      'mesos.resourcemanager.tasks.cpus: 0.2',
      'mesos.resourcemanager.tasks.mem: 256m',
      'mesos.resourcemanager.declined-offer-refuse-duration: 200ms',
      `mesos.resourcemanager.artifactserver.grpc.port: ${await freePort()}`,
      'mesos.resourcemanager.artifactserver.bind-host: 127.0.0.1',
      'mesos.resourcemanager.artifactserver.advertised-host: 127.0.0.1',
      ...conf,
      '',
    ].join('\n'),
  );
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MESOFLOW_'))), MESOFLOW_CONF_DIR: join(dir, 'conf') };
  const appMasterLog = (): string => readFileSync(join(dir, 'appmaster.log'), 'utf8');
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
    ready: () => Promise.resolve(/Session cluster is up/.test(appMasterLog())),
    readyTimeoutMs: 120_000,
  });
  const stop = async (): Promise<void> => {
    await appMaster.stop('SIGTERM', 30_000);
    await mesos.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await appMaster.start();
    await waitFor(() => (appMasterLog().match(/TaskManager '[^']+' registered/g) ?? []).length >= 2, { timeoutMs: 90_000, intervalMs: 250, description: 'two TaskManagers registered' });
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
    ports,
    mesoflow: (args, timeoutMs = 60_000) =>
      new Promise((resolve) => {
        execFile(join(REPOSITORY_ROOT, 'bin/mesoflow'), args, { cwd: dir, env, timeout: timeoutMs }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        });
      }),
    appMasterLog,
    stopAppMaster: (graceMs = 30_000) => appMaster.stop('SIGTERM', graceMs),
    stop,
  };
}
