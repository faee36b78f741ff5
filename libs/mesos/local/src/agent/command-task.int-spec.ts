import { access, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@mesoflow/testing';
import { mesos } from '@mesoflow/proto';
import { commandTaskSpec, processGone, runTask, tempDir } from './test-support';

const VALUE_SECRET = mesos.v1.Secret.Type.VALUE;
const REFERENCE_SECRET = mesos.v1.Secret.Type.REFERENCE;
const KILLED_STATES = ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED'];

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('launchCommandTask (real processes)', () => {
  let workDir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir: workDir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  const launch = (
    command: mesos.v1.CommandInfo.$Properties,
    overrides?: Parameters<typeof commandTaskSpec>[2],
  ) => runTask(commandTaskSpec(workDir, command, overrides));

  describe('exit status', () => {
    it('reports STARTING, RUNNING with the container status, then FINISHED on exit 0', async () => {
      const spec = commandTaskSpec(workDir, { value: 'exit 0' });
      const task = runTask(spec);

      const terminal = await task.handle.done;

      expect(task.states()).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      expect(terminal).toEqual({
        state: 'TASK_FINISHED',
        source: 'SOURCE_EXECUTOR',
        message: 'Command exited with status 0',
      });
      const running = task.updates[1];
      expect(running.containerStatus).toEqual({
        container_id: { value: spec.containerId },
        executor_pid: expect.any(Number),
        network_infos: [{ ip_addresses: [{ ip_address: '127.0.0.1' }] }],
      });
    });

    it('reports FAILED with the exit code and no reason for a non-zero exit', async () => {
      const task = launch({ value: 'exit 3' });

      expect(await task.handle.done).toEqual({
        state: 'TASK_FAILED',
        source: 'SOURCE_EXECUTOR',
        message: 'Command exited with status 3',
      });
      expect(task.states()).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    });

    it('reports FAILED with the signal text for a signal not sent by us', async () => {
      const task = launch({ value: 'kill -USR1 $$' });

      expect(await task.handle.done).toEqual({
        state: 'TASK_FAILED',
        source: 'SOURCE_EXECUTOR',
        message: 'Command terminated with signal User defined signal 1',
      });
    });
  });

  describe('sandbox', () => {
    it('lays the sandbox out as Mesos does and links runs/latest to it', async () => {
      const spec = commandTaskSpec(workDir, { value: 'pwd' });
      const task = runTask(spec);
      await task.handle.done;

      const runs = join(
        workDir,
        ...['slaves', 'M-S0', 'frameworks', 'M-0000', 'executors', spec.executorId, 'runs'],
      );
      expect(task.handle.sandboxDir).toBe(join(runs, spec.containerId));
      expect(await task.read('stdout')).toBe(`${task.handle.sandboxDir}\n`);
      expect(await readlink(join(runs, 'latest'))).toBe(spec.containerId);
    });

    it('writes the command output to the stdout and stderr files of the sandbox', async () => {
      const task = launch({ value: 'echo to-out; echo to-err >&2; echo more-out' });
      await task.handle.done;

      expect(await task.read('stdout')).toBe('to-out\nmore-out\n');
      expect(await task.read('stderr')).toBe('to-err\n');
    });
  });

  describe('environment', () => {
    it('gives the task exactly the Mesos variables plus CommandInfo.environment', async () => {
      const secret = Buffer.from('s3cr3t').toString('base64');
      const spec = commandTaskSpec(
        workDir,
        {
          value: 'env',
          environment: {
            variables: [
              { name: 'MODE', value: 'batch' },
              { name: 'MESOS_SANDBOX', value: '/overridden' },
              {
                name: 'TOKEN',
                type: mesos.v1.Environment.Variable.Type.SECRET,
                // JSON carries bytes as base64 text.
                secret: { type: VALUE_SECRET, value: { data: secret as unknown as Uint8Array } },
              },
              {
                name: 'BYTES_TOKEN',
                type: mesos.v1.Environment.Variable.Type.SECRET,
                secret: { type: VALUE_SECRET, value: { data: Buffer.from('raw-bytes') } },
              },
            ],
          },
        },
        { agentPort: 5099 },
      );
      const task = runTask(spec);
      await task.handle.done;

      const env = Object.fromEntries(
        (await task.read('stdout'))
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      const sandbox = task.handle.sandboxDir;
      expect(env).toMatchObject({
        MESOS_FRAMEWORK_ID: 'M-0000',
        MESOS_EXECUTOR_ID: spec.executorId,
        MESOS_DIRECTORY: sandbox,
        MESOS_SANDBOX: '/overridden',
        MESOS_SLAVE_ID: 'M-S0',
        MESOS_SLAVE_PID: 'slave(1)@127.0.0.1:5099',
        MESOS_AGENT_ENDPOINT: '127.0.0.1:5099',
        MESOS_CHECKPOINT: '0',
        MESOS_HTTP_COMMAND_EXECUTOR: '0',
        MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
        MESOS_ALLOCATION_ROLE: 'my-role',
        LIBPROCESS_PORT: '0',
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: expect.any(String),
        MODE: 'batch',
        TOKEN: 's3cr3t',
        BYTES_TOKEN: 'raw-bytes',
      });
      // Mesos has no such variable, and the agent's own environment is not inherited.
      expect(env).not.toHaveProperty('MESOS_TASK_ID');
      expect(env).not.toHaveProperty('MESOS_CONTAINER_NAME');
      expect(env).not.toHaveProperty('JEST_WORKER_ID');
    });

    it('fails the launch for a secret only a secret resolver could provide', async () => {
      const task = runTask(
        commandTaskSpec(workDir, {
          value: 'touch started',
          environment: {
            variables: [
              {
                name: 'TOKEN',
                type: mesos.v1.Environment.Variable.Type.SECRET,
                secret: { type: REFERENCE_SECRET, reference: { name: '/db/password' } },
              },
            ],
          },
        }),
      );

      const terminal = await task.handle.done;

      expect(terminal).toMatchObject({
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        source: 'SOURCE_AGENT',
      });
      expect(terminal.message).toMatch(/^Failed to launch container: .*'TOKEN'/);
      expect(task.states()).toEqual(['TASK_FAILED']);
      expect(await exists(join(task.handle.sandboxDir, 'started'))).toBe(false);
    });
  });

  describe('shell: false', () => {
    it('execs value with arguments as the full argv, argv[0] included', async () => {
      // argv[0] is what the process sees as its own name: its cmdline starts with it.
      const script = `head -c 7 /proc/$$/cmdline; echo "|$0|$1"`;
      const task = launch({
        shell: false,
        value: '/bin/sh',
        arguments: ['my-name', '-c', script, 'zero', 'a b'],
      });
      await task.handle.done;

      expect(await task.read('stdout')).toBe('my-name|zero|a b\n');
    });

    it('looks value up on the task PATH', async () => {
      const printf = ['printf', '%s-%s', 'x', 'y'];
      const task = launch({ shell: false, value: 'printf', arguments: printf });

      expect(await task.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
      expect(await task.read('stdout')).toBe('x-y');
    });

    it('fails the task when the executable does not exist', async () => {
      const task = launch({ shell: false, value: '/no/such/binary', arguments: ['binary'] });

      const terminal = await task.handle.done;

      expect(task.states()).toEqual(['TASK_STARTING', 'TASK_FAILED']);
      expect(terminal).toMatchObject({
        state: 'TASK_FAILED',
        reason: 'REASON_EXECUTOR_TERMINATED',
      });
      expect(terminal.message).toMatch(/^Failed to launch task subprocess: .*ENOENT/);
    });

    it('fails the task when there is no command value', async () => {
      const task = launch({ shell: true });

      expect(await task.handle.done).toMatchObject({
        state: 'TASK_FAILED',
        reason: 'REASON_EXECUTOR_TERMINATED',
      });
    });
  });

  describe('kill', () => {
    /** Launches `script`, which must create the file `ready` once its traps are set. */
    async function runningTask(script: string, taskExtras = {}) {
      const task = launch({ value: script }, { taskExtras });
      await waitFor(() => exists(join(task.handle.sandboxDir, 'ready')), {
        description: 'the task to be ready',
      });
      return task;
    }

    it('sends SIGTERM first: a task that traps it and exits 0 is KILLED at once', async () => {
      const task = await runningTask(
        `trap 'echo got TERM; exit 0' TERM; sleep 1000 & touch ready; wait`,
      );
      const started = Date.now();

      task.handle.kill(30_000);
      const terminal = await task.handle.done;

      expect(Date.now() - started).toBeLessThan(10_000);
      expect(task.states()).toEqual(KILLED_STATES);
      // As in Mesos, a kill wins over the exit status.
      expect(terminal).toEqual({
        state: 'TASK_KILLED',
        source: 'SOURCE_EXECUTOR',
        message: 'Command exited with status 0',
      });
      expect(await task.read('stdout')).toBe('got TERM\n');
    });

    it('reports the TERM signal for a task that does not handle it', async () => {
      const task = await runningTask('touch ready; exec sleep 1000');

      task.handle.kill();

      expect(await task.handle.done).toEqual({
        state: 'TASK_KILLED',
        source: 'SOURCE_EXECUTOR',
        message: 'Command terminated with signal Terminated',
      });
    });

    it('escalates to SIGKILL after the kill policy grace period when TERM is ignored', async () => {
      const task = await runningTask(`trap '' TERM; touch ready; exec sleep 1000`, {
        kill_policy: { grace_period: { nanoseconds: 300_000_000 } },
      });
      const started = Date.now();

      task.handle.kill();
      const terminal = await task.handle.done;

      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(terminal).toEqual({
        state: 'TASK_KILLED',
        source: 'SOURCE_EXECUTOR',
        message: 'Command terminated with signal Killed',
      });
    });

    it('kills the child processes of the task too', async () => {
      const task = await runningTask(`sleep 1000 & echo $! > child.pid; touch ready; wait`);
      const child = Number(await task.read('child.pid'));
      expect(await processGone(child)).toBe(false);

      task.handle.kill();
      await task.handle.done;

      await waitFor(() => processGone(child), { description: `child process ${child} to die` });
    });

    it('kills what a finished task left running in its process group', async () => {
      const task = launch({ value: 'sleep 1000 & echo $! > child.pid; exit 0' });

      expect(await task.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
      const child = Number(await task.read('child.pid'));
      await waitFor(() => processGone(child), { description: `child process ${child} to die` });
    });

    it('is idempotent, and a second kill can only shorten the grace period', async () => {
      const task = await runningTask(`trap '' TERM; touch ready; exec sleep 1000`);
      const started = Date.now();

      task.handle.kill(60_000);
      task.handle.kill(120_000);
      task.handle.kill(100);
      const terminal = await task.handle.done;
      task.handle.kill();

      expect(Date.now() - started).toBeLessThan(10_000);
      expect(task.states()).toEqual(KILLED_STATES);
      expect(terminal.message).toBe('Command terminated with signal Killed');
    });

    it('does nothing once the task is terminal', async () => {
      const task = launch({ value: 'true' });
      await task.handle.done;

      task.handle.kill();

      expect(task.states()).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    });
  });

  it('fails a task that exceeds its max_completion_time, without TASK_KILLING', async () => {
    const task = launch(
      { value: 'exec sleep 1000' },
      { taskExtras: { max_completion_time: { nanoseconds: 200_000_000 } } },
    );

    expect(await task.handle.done).toEqual({
      state: 'TASK_FAILED',
      source: 'SOURCE_EXECUTOR',
      reason: 'REASON_MAX_COMPLETION_TIME_REACHED',
      // SIGTERM then, with a zero grace period, SIGKILL: `sleep` dies of the first.
      message: 'Command terminated with signal Terminated',
    });
    expect(task.states()).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
  });

  it('runs many short tasks concurrently', async () => {
    const tasks = Array.from({ length: 100 }, (_, i) =>
      launch({ value: i % 2 ? 'true' : 'exit 0' }, { agentId: `M-S${i % 10}` }),
    );

    const terminals = await Promise.all(tasks.map((task) => task.handle.done));

    expect(terminals.every((update) => update.state === 'TASK_FINISHED')).toBe(true);
    expect((await stat(tasks[0].handle.sandboxDir)).isDirectory()).toBe(true);
    expect(await readFile(join(tasks[0].handle.sandboxDir, 'stdout'), 'utf8')).toBe('');
  });
});
