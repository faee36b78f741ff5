// The user's path, end to end and real: Redis, the local Mesos stand-in with two agents, a
// session cluster started by bin/mesos-appmaster.sh (the four services under its supervisor,
// TaskManagers launched on the stand-in from the overlay's spec), and every bin/mesoflow command
// run as a user runs it, as a process reading the cluster's conf folder.
import { freePort, REPOSITORY_ROOT, waitFor } from '@mesoflow/testing';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSessionCluster, type SessionCluster } from './support/session-cluster';

const UNBOUNDED = join(__dirname, 'programs/unbounded.ts');

describe('bin/mesoflow against a session cluster from bin/mesos-appmaster.sh', () => {
  let cluster: SessionCluster;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const mesoflow = (args: string[], timeoutMs?: number): ReturnType<SessionCluster['mesoflow']> => cluster.mesoflow(args, timeoutMs);
  const appMasterLog = (): string => cluster.appMasterLog();

  beforeAll(async () => {
    cluster = await startSessionCluster('cli-e2e');
    ({ dir, env } = cluster);
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
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
    const ports = { overlay: await freePort(), overlayHttp: await freePort(), schedulerHttp: await freePort(), rpc: await freePort(), artifactGrpc: await freePort(), artifactHttp: await freePort() };
    const exit = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(
        join(REPOSITORY_ROOT, 'bin/mesos-appmaster-job.sh'),
        [
          `--work-dir=${join(dir, 'per-job')}`,
          '--bind-host=127.0.0.1',
          `--config-overlay-port=${ports.overlay}`,
          `--config-overlay-http-port=${ports.overlayHttp}`,
          `--scheduler-http-port=${ports.schedulerHttp}`,
          `-Dinternal.jobgraph-path=${graph}`,
          '-Dmesos.resourcemanager.framework.name=cli-e2e-per-job',
          `-Djobmanager.rpc.port=${ports.rpc}`,
          `-Dmesos.resourcemanager.artifactserver.grpc.port=${ports.artifactGrpc}`,
          `-Dmesos.resourcemanager.artifactserver.port=${ports.artifactHttp}`,
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
    const frameworks = cluster.mesos.state() as { frameworks: Array<{ name: string }>; completed_frameworks: Array<{ name: string }> };
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
    await cluster.stopAppMaster();
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
