// A third-party scheduler, the npm package `mesos-framework` 0.5.3, runs against our local
// Mesos stand-in unchanged: proof that the stand-in speaks the Mesos v1 API the way other
// frameworks expect (JSON with nulls, one RecordIO record per chunk, exact 202s), not just
// the way our own client does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalMesos, stateFrameworks, type LocalMesos } from '@mesoflow/mesos-local';
import { launchWithMesosFramework } from '@mesoflow/testing/mesos-framework';

describe('mesos-framework (npm) against the local Mesos stand-in', () => {
  let cluster: LocalMesos;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'mesoflow-e2e-mesos-framework-'));
    cluster = await startLocalMesos({
      port: 0,
      agents: 10,
      resources: 'cpus:4;mem:8192;disk:20000;ports:[31000-32000]',
      workDir,
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('launches 200 command tasks to TASK_FINISHED and acknowledges every update', async () => {
    const result = await launchWithMesosFramework({
      masterUrl: cluster.url,
      tasks: 200,
      command: 'test -n "$MESOS_SANDBOX" && test "$PWD" = "$MESOS_SANDBOX"',
      cpus: 0.1,
      mem: 32,
      timeoutMs: 60_000,
      log: { level: 'error' },
    });

    expect(result.timedOut).toBe(false);
    expect(result.failed).toEqual({});
    expect(result.finished).toBe(200);
    // STARTING, RUNNING and FINISHED for each task, each with a uuid and answered with 202.
    expect(result.acksExpected).toBe(600);
    expect(result.acks).toBe(600);
    expect(stateFrameworks(cluster.state(), true).flatMap((framework) => framework.completed_tasks)).toHaveLength(200);
  }, 90_000);
});
