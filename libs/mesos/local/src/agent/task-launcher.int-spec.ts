import { readdir, readFile } from 'node:fs/promises';
import { waitFor } from '@mesoflow/testing';
import { launchCommandTask, type CommandTaskUpdate } from './command-task';
import { TaskLauncher } from './task-launcher';
import { commandTaskSpec, processGone, tempDir } from './test-support';

/** The pids of this process's children whose command line mentions `text`. */
async function childrenRunning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const thread of await readdir('/proc/self/task')) {
    const children = await readFile(`/proc/self/task/${thread}/children`, 'utf8').catch(() => '');
    for (const pid of children.trim().split(' ').filter(Boolean).map(Number)) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(text)) pids.push(pid);
    }
  }
  return pids;
}

describe('command tasks started through the task launcher', () => {
  let workDir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir: workDir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('carries out a kill that arrives while the process is being started', async () => {
    const updates: CommandTaskUpdate[] = [];
    const handle = launchCommandTask(commandTaskSpec(workDir, { value: 'exec sleep 1000' }), (update) => {
      updates.push(update);
      if (update.state === 'TASK_STARTING') handle.kill();
    });

    const terminal = await handle.done;

    expect(updates.map((update) => update.state)).toEqual([
      'TASK_STARTING',
      'TASK_RUNNING',
      'TASK_KILLING',
      'TASK_KILLED',
    ]);
    expect(terminal.message).toBe('Command terminated with signal Terminated');
  });

  it('fails the running tasks when the launcher dies, and starts a new one for later tasks', async () => {
    const otherHelpers = await childrenRunning('task-launcher-main');
    const launcher = new TaskLauncher();
    const updates: CommandTaskUpdate[] = [];
    const spec = commandTaskSpec(workDir, { value: 'exec sleep 1000' });
    const handle = launchCommandTask(spec, (update) => updates.push(update), { launcher });
    await waitFor(() => updates.some((update) => update.state === 'TASK_RUNNING'), {
      description: 'the task to run',
    });
    const pid = updates[1].containerStatus?.executor_pid as number;
    const helpers = await childrenRunning('task-launcher-main');
    const [helper] = helpers.filter((candidate) => !otherHelpers.includes(candidate));
    expect(helper).toBeDefined();

    process.kill(helper, 'SIGKILL');
    const terminal = await handle.done;

    expect(terminal).toMatchObject({
      state: 'TASK_FAILED',
      source: 'SOURCE_AGENT',
      reason: 'REASON_EXECUTOR_TERMINATED',
    });
    expect(terminal.message).toMatch(/^Abnormal executor termination: task launcher exited/);
    // An orphan of the lost launcher; the test cleans it up.
    process.kill(-pid, 'SIGKILL');
    await waitFor(() => processGone(pid), { description: `process ${pid} to die` });

    const next = launchCommandTask(commandTaskSpec(workDir, { value: 'true' }), () => undefined, {
      launcher,
    });
    expect(await next.done).toMatchObject({ state: 'TASK_FINISHED' });
  });
});
