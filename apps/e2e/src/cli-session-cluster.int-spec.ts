// The user's path, end to end and real: Redis, the local Mesos stand-in with two agents, a
// session cluster started by bin/mesos-appmaster.sh (the four services under its supervisor,
// TaskManagers launched on the stand-in from the overlay's spec), and every bin/mesoflow command
// run as a user runs it, as a process reading the cluster's conf folder.
import { startLocalMesos, type LocalMesos } from '@mesoflow/mesos-local';
import { freePort, ManagedProcess, REPOSITORY_ROOT, startRedis, waitFor, type TestRedis } from '@mesoflow/testing';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const UNBOUNDED = join(__dirname, 'programs/unbounded.ts');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('bin/mesoflow against a session cluster from bin/mesos-appmaster.sh', () => {
  let dir: string;
  let redis: TestRedis;
  let mesos: LocalMesos;
  let appMaster: ManagedProcess;
  let env: NodeJS.ProcessEnv;
  let ports: { rest: number; gateway: number; overlayHttp: number; perJob: { overlay: number; overlayHttp: number; schedulerHttp: number; rpc: number; artifactGrpc: number } };

  /** Runs bin/mesoflow with `args` from the test folder. */
  function mesoflow(args: string[], timeoutMs = 60_000): Promise<CliRun> {
    return new Promise((resolve) => {
      execFile(join(REPOSITORY_ROOT, 'bin/mesoflow'), args, { cwd: dir, env, timeout: timeoutMs }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  const appMasterLog = (): string => readFileSync(join(dir, 'appmaster.log'), 'utf8');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
    redis = await startRedis();
    // TaskManagers bind the ports Mesos offers: a range of their own keeps this suite clear of
    // others running beside it.
    const portBase = 33_000 + Math.floor(Math.random() * 200) * 100;
    mesos = await startLocalMesos({ port: 0, agents: 2, resources: `cpus:2;mem:2048;disk:1000;ports:[${portBase}-${portBase + 99}]`, workDir: join(dir, 'mesos'), allocationIntervalMs: 100 });
    ports = {
      rest: await freePort(),
      gateway: await freePort(),
      overlayHttp: await freePort(),
      perJob: { overlay: await freePort(), overlayHttp: await freePort(), schedulerHttp: await freePort(), rpc: await freePort(), artifactGrpc: await freePort() },
    };
    mkdirSync(join(dir, 'conf'));
    // What an operator writes once; both the cluster and the CLI read it.
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
        '',
      ].join('\n'),
    );
    env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MESOFLOW_'))), MESOFLOW_CONF_DIR: join(dir, 'conf') };
    appMaster = new ManagedProcess({
      name: 'appmaster',
      command: join(REPOSITORY_ROOT, 'bin/mesos-appmaster.sh'),
      args: [
        `--work-dir=${join(dir, 'am')}`,
        '--bind-host=127.0.0.1',
        `--config-overlay-port=${await freePort()}`,
        `--config-overlay-http-port=${ports.overlayHttp}`,
        `--scheduler-http-port=${await freePort()}`,
        '-Dmesos.resourcemanager.framework.name=cli-e2e',
      ],
      logFile: join(dir, 'appmaster.log'),
      env,
      ready: () => Promise.resolve(/Session cluster is up/.test(appMasterLog())),
      readyTimeoutMs: 120_000,
    });
    try {
      await appMaster.start();
      await waitFor(() => (appMasterLog().match(/TaskManager '[^']+' registered/g) ?? []).length >= 2, { timeoutMs: 90_000, intervalMs: 250, description: 'two TaskManagers registered' });
    } catch (error) {
      // CI keeps no files: the cluster's warnings and errors say why it did not come up.
      const problems = appMasterLog().split('\n').filter((line) => line !== '' && !line.includes('"level":30')).slice(-30);
      const sandboxes = execFileSync('find', [join(dir, 'mesos'), '-name', 'stderr', '-newer', join(dir, 'conf/mesoflow-conf.yaml')], { encoding: 'utf8' }).split('\n').filter(Boolean);
      const taskStderr = sandboxes.length === 0 ? 'no sandbox' : readFileSync(sandboxes[sandboxes.length - 1] ?? '', 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`${(error as Error).message}\nThe application master's last warnings and errors:\n${problems.join('\n')}\nA TaskManager's stderr:\n${taskStderr}`);
    }
  }, 240_000);

  afterAll(async () => {
    await appMaster?.stop('SIGTERM', 30_000);
    await mesos?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('runs WordCount attached: progress lines, FINISHED, exit code 0, the counts printed by the TaskManagers', async () => {
    const run = await mesoflow(['run', '-p', '2', join(REPOSITORY_ROOT, 'examples/batch/word-count.ts'), '--execution-mode', 'batch']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/Job 'WordCount' has been submitted with JobID [0-9a-f]{32}/);
    expect(run.stdout).toMatch(/WordCount [0-9a-f]{32}: RUNNING, .*tasks/);
    expect(run.stdout).toMatch(/Job 'WordCount' \([0-9a-f]{32}\) FINISHED in [\d.]+ s/);
    // print() writes `<subtask>> record` to the TaskManagers' stdout, as Flink's does; in BATCH mode once per word.
    const printed = execFileSync('find', [join(dir, 'mesos'), '-name', 'stdout', '-exec', 'cat', '{}', '+'], { encoding: 'utf8' }).split('\n');
    const records = printed.filter((line) => /^[12]> \["(be|question)",/.test(line)).map((line) => line.replace(/^\d> /, ''));
    expect(records.sort()).toEqual(['["be",2]', '["question",1]']);
  }, 90_000);

  it('runs a job detached, lists it, shows its info, and cancels it', async () => {
    const run = await mesoflow(['run', '--detached', UNBOUNDED]);
    expect(run.code).toBe(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)?.[1] ?? '';
    expect(jobId).toHaveLength(32);

    await waitFor(async () => /state:\s+RUNNING/.test((await mesoflow(['info', jobId])).stdout) && /progress:.*RUNNING/.test((await mesoflow(['info', jobId])).stdout), {
      timeoutMs: 30_000,
      intervalMs: 500,
      description: `job ${jobId} RUNNING on the TaskManagers`,
    });
    const list = await mesoflow(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${jobId}\\s+RUNNING\\s+[\\d.]+ s\\s+Unbounded`));

    const cancel = await mesoflow(['cancel', jobId]);
    expect(cancel).toMatchObject({ code: 0, stderr: '' });
    expect(cancel.stdout).toContain(`Job ${jobId} has been canceled`);
    expect((await mesoflow(['info', jobId])).stdout).toMatch(/state:\s+CANCELED/);
  }, 90_000);

  it('explains an unreachable cluster and a broken program in one paragraph, with exit code 2', async () => {
    const unreachable = await mesoflow(['list', '-m', '127.0.0.1:1']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/^mesoflow: Could not list the jobs: the dispatcher gateway at 127.0.0.1:1 answered UNAVAILABLE: .* Is the session cluster running\?/);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);

    writeFileSync(join(dir, 'broken.ts'), "import { StreamExecutionEnvironment } from '@mesoflow/dataflow-api';\nconst env = StreamExecutionEnvironment.getExecutionEnvironment(;\n");
    const broken = await mesoflow(['run', join(dir, 'broken.ts')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^mesoflow: The program '.*broken.ts' could not be bundled: .*broken.ts:2:/);
    expect(broken.stderr).not.toMatch(/\n\s+at /);

    writeFileSync(join(dir, 'no-sink.ts'), "import { StreamExecutionEnvironment } from '@mesoflow/dataflow-api';\nconst env = StreamExecutionEnvironment.getExecutionEnvironment();\nenv.fromCollection([1]).map((n: number) => n);\nvoid env.execute('No sink').catch(() => undefined);\n");
    const noSink = await mesoflow(['run', join(dir, 'no-sink.ts')]);
    expect(noSink.code).toBe(2);
    expect(noSink.stderr).toMatch(/^mesoflow: The program '.*no-sink.ts' cannot be run: /);
  }, 60_000);

  it('writes a job graph file with the bundle inside', async () => {
    const out = join(dir, 'word-count.graph');
    const written = await mesoflow(['jobgraph', '-p', '2', join(REPOSITORY_ROOT, 'examples/batch/word-count.ts'), '-o', out]);
    expect(written).toMatchObject({ code: 0, stderr: '' });
    expect(written.stdout).toMatch(/^Wrote job 'WordCount' \(\d+ vertices, bundle \d+ KiB\) to .*word-count.graph/);
    expect(readFileSync(out).length).toBeGreaterThan(10_000);
  }, 60_000);

  it('runs a job graph file on a per-job cluster that tears its framework down when the job ends', async () => {
    const graph = join(dir, 'per-job.graph');
    expect((await mesoflow(['jobgraph', '-p', '2', join(REPOSITORY_ROOT, 'examples/batch/word-count.ts'), '-o', graph, '--execution-mode', 'batch'])).code).toBe(0);
    const log = join(dir, 'per-job.log');
    const exit = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(
        join(REPOSITORY_ROOT, 'bin/mesos-appmaster-job.sh'),
        [
          `--work-dir=${join(dir, 'per-job')}`,
          '--bind-host=127.0.0.1',
          `--config-overlay-port=${ports.perJob.overlay}`,
          `--config-overlay-http-port=${ports.perJob.overlayHttp}`,
          `--scheduler-http-port=${ports.perJob.schedulerHttp}`,
          `-Dinternal.jobgraph-path=${graph}`,
          '-Dmesos.resourcemanager.framework.name=cli-e2e-per-job',
          `-Djobmanager.rpc.port=${ports.perJob.rpc}`,
          `-Dmesos.resourcemanager.artifactserver.grpc.port=${ports.perJob.artifactGrpc}`,
        ],
        { cwd: dir, env, timeout: 150_000, maxBuffer: 64 * 1024 * 1024 },
        (_error, stdout, stderr) => {
          writeFileSync(log, stdout + stderr);
          resolve({ code: child.exitCode, output: stdout + stderr });
        },
      );
    });
    expect({ code: exit.code, tail: exit.output.split('\n').filter((line) => !line.includes('"level":30')).slice(-10) }).toMatchObject({ code: 0 });
    expect(exit.output).toMatch(/Job 'WordCount' \([0-9a-f]{32}\) finished/);
    expect(exit.output).toMatch(/The application is deregistered \(SUCCEEDED\); framework '[^']+' torn down/);
    const frameworks = mesos.state() as { frameworks: Array<{ name: string }>; completed_frameworks: Array<{ name: string }> };
    expect(frameworks.completed_frameworks.map((framework) => framework.name)).toContain('cli-e2e-per-job');
    expect(frameworks.frameworks.map((framework) => framework.name)).not.toContain('cli-e2e-per-job');
  }, 180_000);

  it('restarts a killed service, and stops every service on SIGTERM', async () => {
    const gatewayPid = Number(/"service":"dispatcher-gateway","pid":(\d+)/.exec(appMasterLog())?.[1]);
    expect(gatewayPid).toBeGreaterThan(0);
    process.kill(gatewayPid, 'SIGKILL');
    await waitFor(async () => (await mesoflow(['list'], 10_000)).code === 0 && new RegExp(`"service":"dispatcher-gateway","pid":(?!${gatewayPid})\\d+`).test(appMasterLog()), {
      timeoutMs: 60_000,
      intervalMs: 500,
      description: 'the dispatcher gateway restarted by the supervisor',
    });
    const pids = [...new Set([...appMasterLog().matchAll(/"service":"(?:artifact-server|config-overlay|scheduler|dispatcher-gateway)","pid":(\d+)/g)].map((match) => Number(match[1])))];
    await appMaster.stop('SIGTERM', 30_000);
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  }, 120_000);
});
