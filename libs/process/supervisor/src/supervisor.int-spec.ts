import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, REPOSITORY_ROOT, waitFor } from '@mesoflow/testing';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Supervisor, SupervisorErrorCode, isSupervisorError, type ChildSpec, type SupervisorOptions } from './index';
import { Fixtures, isAlive, recordingLogger, type FixtureScript, type Start } from './testing/fixtures';

const node = process.execPath;
let fixtures: Fixtures;
const supervisors: Supervisor[] = [];
const hosts: ChildProcess[] = [];

beforeEach(() => {
  fixtures = new Fixtures();
});

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stop('test over')));
  for (const host of hosts.splice(0)) host.kill('SIGKILL');
  for (const { pid } of fixtures.starts('host-children')) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  fixtures.remove();
});

async function startSupervisor(options: Partial<SupervisorOptions> & Pick<SupervisorOptions, 'children'>): Promise<Supervisor> {
  const supervisor = await Supervisor.start({
    logger: pino({ level: 'silent' }),
    restartBackoff: { initialMs: 50, maxMs: 1_000 },
    stopGraceMs: 2_000,
    readyTimeoutMs: 5_000,
    stopOnSignals: [],
    ...options,
  });
  supervisors.push(supervisor);
  return supervisor;
}

function child(name: string, script: FixtureScript, ...extra: Array<string | number>): ChildSpec {
  return { name, command: node, args: fixtures.args(script, name, ...extra) };
}

function startsOf(name: string, count: number): Promise<Start[]> {
  return waitFor(
    () => {
      const starts = fixtures.starts(name);
      return starts.length >= count ? starts : undefined;
    },
    { description: `${count} starts of '${name}'` },
  );
}

function pidsOf(supervisor: Supervisor): number[] {
  return supervisor.children().map(({ name, pid }) => {
    if (pid === undefined) throw new Error(`Child '${name}' has no process`);
    return pid;
  });
}

async function metricValues(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`No metric ${name}`);
  const { values } = await metric.get();
  return Object.fromEntries(values.map(({ labels, value }) => [String(labels['child']), value]));
}

describe('Supervisor with real child processes', () => {
  it('restarts a crashed service after a doubling delay and counts every restart', async () => {
    const metrics = new Registry();
    const supervisor = await startSupervisor({
      children: [child('crasher', 'exit-after.js', 30, 3), child('steady', 'stay-up.js')],
      restartBackoff: { initialMs: 100, maxMs: 1_000 },
      metrics,
    });
    const [steadyPid] = pidsOf(supervisor).slice(1);
    await waitFor(async () => (await metricValues(metrics, 'mesoflow_supervisor_child_up'))['steady'] === 1, { description: "'steady' up" });

    const starts = await startsOf('crasher', 4);
    // Each gap is the run (30 ms), the restart delay (100, 200, 400 ms) and Node's start-up.
    const gaps = starts.slice(1, 4).map((start, index) => start.at - starts[index].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(130);
    expect(gaps[1]).toBeGreaterThanOrEqual(230);
    expect(gaps[2]).toBeGreaterThanOrEqual(430);
    expect(new Set(starts.map(({ pid }) => pid)).size).toBe(starts.length);

    await supervisor.stop();
    const [crasher, steady] = supervisor.children();
    expect(crasher.restarts).toBeGreaterThanOrEqual(3);
    expect(steady).toMatchObject({ restarts: 0, state: 'stopped' });
    expect(fixtures.starts('steady').map(({ pid }) => pid)).toEqual([steadyPid]);
    expect(await metricValues(metrics, 'mesoflow_supervisor_child_restarts_total')).toEqual({ crasher: crasher.restarts, steady: 0 });
    expect(await metricValues(metrics, 'mesoflow_supervisor_child_up')).toEqual({ crasher: 0, steady: 0 });
  });

  it("leaves a service with restart 'on-failure' stopped after a clean exit, and restarts it after a failure", async () => {
    const supervisor = await startSupervisor({
      children: [{ ...child('done', 'exit-after.js', 30, 0), restart: 'on-failure' }, { ...child('failing', 'exit-after.js', 30, 3), restart: 'on-failure' }],
    });
    await startsOf('failing', 2);
    await waitFor(() => supervisor.children()[0]?.state === 'stopped', { description: "'done' stopped" });
    expect(fixtures.starts('done')).toHaveLength(1);
    expect(supervisor.children()[0]).toMatchObject({ state: 'stopped', restarts: 0 });
  });

  it('stops every child with SIGTERM and leaves none alive', async () => {
    const supervisor = await startSupervisor({ children: ['a', 'b', 'c'].map((name) => child(name, 'stay-up.js')) });
    const pids = pidsOf(supervisor);
    expect(pids.filter(isAlive)).toEqual(pids);

    const began = Date.now();
    const stopping = supervisor.stop('stop on purpose');
    expect(supervisor.stop('a second stop')).toBe(stopping);
    await stopping;

    expect(Date.now() - began).toBeLessThan(2_000);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(supervisor.children().map(({ state, pid }) => ({ state, pid }))).toEqual(Array(3).fill({ state: 'stopped', pid: undefined }));
    await expect(supervisor.done).resolves.toEqual({ exitCode: 0, reason: 'stop on purpose' });
  });

  it('SIGKILLs a child that ignores SIGTERM once the grace period is over', async () => {
    const supervisor = await startSupervisor({ children: [child('stubborn', 'ignore-term.js'), child('polite', 'stay-up.js')], stopGraceMs: 300 });
    const pids = pidsOf(supervisor);
    await startsOf('stubborn', 1);

    const began = Date.now();
    await supervisor.stop();

    // Node's timers may fire a millisecond early.
    expect(Date.now() - began).toBeGreaterThanOrEqual(295);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it("ends with the job child's exit code and stops every service, without restarting the job", async () => {
    const supervisor = await startSupervisor({
      children: [child('scheduler', 'stay-up.js'), child('gateway', 'stay-up.js'), { ...child('job', 'exit-after.js', 200, 7), role: 'job' }],
    });
    const pids = pidsOf(supervisor);

    await expect(supervisor.done).resolves.toEqual({ exitCode: 7, reason: "job child 'job' exited with code 7" });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(fixtures.starts('job')).toHaveLength(1);
    expect(supervisor.children().map(({ state, restarts }) => ({ state, restarts }))).toEqual(Array(3).fill({ state: 'stopped', restarts: 0 }));
  });

  it('reports a job child ended by a signal as 128 + its number', async () => {
    const supervisor = await startSupervisor({ children: [child('service', 'stay-up.js'), { ...child('job', 'stay-up.js'), role: 'job' }] });
    const [servicePid, jobPid] = pidsOf(supervisor);

    process.kill(jobPid, 'SIGKILL');

    await expect(supervisor.done).resolves.toEqual({ exitCode: 137, reason: "job child 'job' was ended by SIGKILL" });
    expect(isAlive(servicePid)).toBe(false);
  });

  it('retries a child that cannot be spawned, logs why without secrets, and runs it once it exists', async () => {
    const { logger, lines } = recordingLogger();
    const command = fixtures.path('appears-later');
    const supervisor = await startSupervisor({
      logger,
      children: [{ name: 'ghost', command, args: [fixtures.startsFile('ghost'), '-Dsecret.key=hunter2'], env: { SECRET_TOKEN: 'hunter3' } }],
      restartBackoff: { initialMs: 50, maxMs: 100 },
    });

    await waitFor(() => supervisor.children()[0].restarts >= 2, { description: 'two spawn retries' });
    expect(supervisor.children()[0].pid).toBeUndefined();
    const failure = lines().find((line) => line['code'] === 'ENOENT');
    expect(failure).toMatchObject({ level: 50, child: 'ghost', command });
    expect(failure!['msg']).toContain(`Child 'ghost' could not be started (command '${command}'): ENOENT`);

    writeFileSync(command, `#!${node}\n${readFileSync(fixtures.path('stay-up.js'), 'utf8')}`);
    chmodSync(command, 0o755);
    const [start] = await startsOf('ghost', 1);
    expect(supervisor.children()[0]).toMatchObject({ state: 'running', pid: start.pid });
    await supervisor.stop();
    expect(JSON.stringify(lines())).not.toContain('hunter');
  });

  it('retries a child whose spawn throws at once', async () => {
    // One argument beyond Linux's 128 KiB limit makes spawn() throw E2BIG instead of emitting 'error'.
    const supervisor = await startSupervisor({ children: [{ name: 'huge', command: node, args: ['x'.repeat(200_000)] }] });

    await waitFor(() => supervisor.children()[0].restarts >= 2, { description: 'two spawn retries' });
    expect(supervisor.children()[0].pid).toBeUndefined();
  });

  it('ends with 127 when the job child cannot be found', async () => {
    const supervisor = await startSupervisor({
      children: [child('service', 'stay-up.js'), { name: 'job', command: fixtures.path('missing'), args: [], role: 'job' }],
    });
    const servicePid = supervisor.children()[0].pid;

    await expect(supervisor.done).resolves.toMatchObject({ exitCode: 127 });
    expect(isAlive(servicePid!)).toBe(false);
  });

  it("starts a child only once the previous child's readyUrl answers", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/healthz`;
    const result = fixtures.path('probe-result');
    await startSupervisor({
      children: [{ ...child('artifact-server', 'http-server.js', port, 300), readyUrl: url }, child('scheduler', 'probe.js', url, result)],
    });

    // The second child GETs the first's URL as soon as it runs: it would be refused had it
    // started before the server listened.
    const status = await waitFor(() => {
      try {
        return readFileSync(result, 'utf8');
      } catch {
        return undefined;
      }
    });
    expect(status).toBe('200');
  });

  it('fails to start, stopping what it started, when a readyUrl never answers', async () => {
    const port = await freePort();
    const error: unknown = await startSupervisor({
      children: [{ ...child('mute', 'stay-up.js'), readyUrl: `http://127.0.0.1:${port}/` }, child('later', 'stay-up.js')],
      readyTimeoutMs: 500,
    }).catch((rejection: unknown) => rejection);

    expect(isSupervisorError(error, SupervisorErrorCode.NOT_READY)).toBe(true);
    expect(error).toMatchObject({ child: 'mute' });
    expect(fixtures.starts('mute').filter(({ pid }) => isAlive(pid))).toEqual([]);
    expect(fixtures.starts('later')).toEqual([]);
  });
});

describe('Supervisor in a process of its own', () => {
  function spawnHost(mode: 'serve' | 'stop-at-once', detached = false): ChildProcess {
    const log = openSync(fixtures.path('host.log'), 'a');
    const host = spawn(node, ['--import', 'tsx', join(__dirname, 'testing/supervisor-host.ts'), mode, fixtures.path('stay-up.js'), fixtures.startsFile('host-children')], {
      cwd: REPOSITORY_ROOT,
      stdio: ['ignore', 'pipe', log],
      detached,
    });
    closeSync(log);
    hosts.push(host);
    return host;
  }

  async function serve(): Promise<{ host: ChildProcess; pids: number[] }> {
    const host = spawnHost('serve');
    const starts = await startsOf('host-children', 2);
    return { host, pids: starts.map(({ pid }) => pid) };
  }

  it('stops every child on SIGTERM, then exits with 0', async () => {
    const { host, pids } = await serve();
    const exited = once(host, 'exit');

    host.kill('SIGTERM');

    expect(await exited).toEqual([0, null]);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('SIGKILLs every child when an uncaught exception ends its process', async () => {
    const { host, pids } = await serve();
    const exited = once(host, 'exit');

    host.kill('SIGUSR2');

    expect(await exited).toEqual([1, null]);
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { timeoutMs: 2_000, description: 'the orphans to die' });
  });

  it('never signals its own process group when stopping a child whose spawn is failing', async () => {
    // A process group of its own: were the bug back, its SIGTERM would reach only the host.
    const host = spawnHost('stop-at-once', true);
    let output = '';
    host.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

    expect(await once(host, 'exit')).toEqual([0, null]);
    expect(output).toBe('not signalled\n');
    expect(fixtures.starts('host-children').filter(({ pid }) => isAlive(pid))).toEqual([]);
  });
});
