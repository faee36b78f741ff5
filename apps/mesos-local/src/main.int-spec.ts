import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@mesoflow/testing';

const BIN = join(__dirname, '../../../bin/mesos-local');

function run(args: string[], cwd?: string) {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  const output = { stdout: '', stderr: '', code: null as number | null };
  child.stdout.on('data', (data: Buffer) => (output.stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output.stderr += data.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve((output.code = code ?? -1))));
  return { child, output, exited };
}

describe('bin/mesos-local', () => {
  it('exits 2 with a one-line error naming the flag, the value and what was expected', async () => {
    const { output, exited } = run(['--agents', 'many']);
    expect(await exited).toBe(2);
    expect(output.stderr).toBe("mesos-local: invalid value 'many' for --agents: expected an integer from 1 to 10000\n");
  }, 30_000);

  it('serves until SIGTERM, logging pino JSON, then stops cleanly', async () => {
    const { child, output, exited } = run(['--port', '0', '--agents', '2', '--allocation-interval', '200ms']);
    const ready = await waitFor(
      () => output.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => typeof l.url === 'string'),
      { timeoutMs: 30_000, description: 'the ready log line' },
    );
    expect(ready.agents).toHaveLength(2);
    const health = await fetch(`${ready.url as string}/health`);
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it("runs in the caller's folder, so relative --work-dir and --credentials paths are the caller's", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'mesos-local-cwd-'));
    writeFileSync(join(folder, 'creds.json'), JSON.stringify({ credentials: [{ principal: 'p', secret: 's' }] }));
    const { child, output, exited } = run(['--port', '0', '--agents', '1', '--work-dir', 'work', '--credentials', 'creds.json'], folder);
    try {
      const ready = await waitFor(
        () => output.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => typeof l.url === 'string'),
        { timeoutMs: 30_000, description: `the ready log line (stderr: ${output.stderr})` },
      );
      const state = (await (await fetch(`${ready.url as string}/master/state`)).json()) as { flags: Record<string, string> };
      expect(state.flags.work_dir).toBe(join(folder, 'work'));
      expect(state.flags.authenticate_http_frameworks).toBe('true');
      const unauthenticated = await fetch(`${ready.url as string}/api/v1/scheduler`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
      expect(unauthenticated.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(folder, { recursive: true, force: true });
    }
    expect(output.code).toBe(0);
  }, 60_000);
});
