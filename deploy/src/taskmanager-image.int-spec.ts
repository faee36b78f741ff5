// What the TaskManager image does when Mesos starts a task in it, without Docker: the
// distribution laid out as Dockerfile.taskmanager lays it out (same script, outside the repository
// so nothing can come from its node_modules), the task's configuration fetched into a sandbox, and
// the entry script run with the image's MESOFLOW_HOME. The TaskManager must get as far as asking
// the resource manager to register it; a stand-in gRPC endpoint records that call.
import { createConfig, renderTaskManagerConf } from '@mesoflow/config';
import { freePort, ManagedProcess } from '@mesoflow/testing';
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Http2Server } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY } from './definitions';

const REGISTER = '/mesoflow.resourcemanager.v1.ResourceManagerService/RegisterTaskManager';

describe('the TaskManager image, run as Mesos would run it', () => {
  let root: string;
  let home: string;
  let resourceManager: Http2Server;
  let resourceManagerPort: number;
  const calls: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mesoflow-tm-image-'));
    home = join(root, 'opt/mesoflow');
    // The image's build step (Dockerfile.taskmanager: `node --import tsx deploy/docker/build-distribution.mjs /opt/mesoflow`).
    execFileSync(process.execPath, ['--import', 'tsx', 'deploy/docker/build-distribution.mjs', home], { cwd: REPOSITORY, stdio: ['ignore', 'ignore', 'inherit'] });
    // Answers every call UNAVAILABLE, as a resource manager that is not there yet, after noting it.
    resourceManager = createServer();
    resourceManager.on('stream', (stream, headers) => {
      calls.push(String(headers[':path']));
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'stand-in' }, { endStream: true });
    });
    resourceManagerPort = await freePort();
    await new Promise<void>((resolve) => resourceManager.listen(resourceManagerPort, '127.0.0.1', resolve));
  }, 120_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => (resourceManager ? resourceManager.close(() => resolve()) : resolve()));
    rmSync(root, { recursive: true, force: true });
  });

  /** A sandbox as the fetcher leaves it for a Docker task: only the task's configuration. */
  async function sandbox(name: string, withConf: boolean): Promise<string> {
    const folder = join(root, name);
    mkdirSync(join(folder, 'conf'), { recursive: true });
    if (withConf) {
      const config = createConfig({ 'jobmanager.rpc.address': '127.0.0.1', 'jobmanager.rpc.port': resourceManagerPort });
      const conf = renderTaskManagerConf(config, { 'taskmanager.rpc.port': await freePort(), 'taskmanager.data.port': await freePort() });
      writeFileSync(join(folder, 'conf/mesoflow-conf.yaml'), conf);
    }
    return folder;
  }

  /** The task's environment: what the image sets, what Mesos and the TaskInfo set, nothing from this test run. */
  function taskEnvironment(sandboxFolder: string): NodeJS.ProcessEnv {
    return { PATH: process.env['PATH'], MESOFLOW_HOME: home, MESOS_SANDBOX: sandboxFolder, MESOFLOW_TASK_ID: 'taskmanager-00001', MESOFLOW_HOSTNAME: '127.0.0.1' };
  }

  it('holds the distribution the configuration overlay ships, runnable without node_modules', () => {
    for (const file of ['bin/mesos-taskmanager.sh', 'libexec/verify-taskmanager-conf.js', 'libexec/taskmanager/main.js', 'libexec/taskmanager/proto/mesoflow/resourcemanager/v1/resource_manager.proto']) {
      expect({ file, exists: existsSync(join(home, file)) }).toEqual({ file, exists: true });
    }
    accessSync(join(home, 'bin/mesos-taskmanager.sh'), constants.X_OK);
    expect(existsSync(join(home, 'node_modules'))).toBe(false);
  });

  it('starts the TaskManager, which asks the resource manager to register it', async () => {
    const folder = await sandbox('sandbox-ok', true);
    const taskManager = new ManagedProcess({
      name: 'taskmanager',
      command: join(home, 'bin/mesos-taskmanager.sh'),
      args: [],
      logFile: join(root, 'taskmanager.log'),
      env: taskEnvironment(folder),
      ready: () => Promise.resolve(calls.includes(REGISTER)),
      readyTimeoutMs: 30_000,
    });
    try {
      await taskManager.start();
      expect(calls).toContain(REGISTER);
    } finally {
      await taskManager.stop();
    }
  }, 60_000);

  it('stops with status 1 when the fetcher brought no configuration', async () => {
    const before = calls.length;
    const folder = await sandbox('sandbox-empty', false);
    const result = spawnSync(join(home, 'bin/mesos-taskmanager.sh'), [], { env: taskEnvironment(folder), encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(calls.length).toBe(before);
  }, 60_000);
});
