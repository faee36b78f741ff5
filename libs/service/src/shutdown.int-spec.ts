import { freePort, waitFor } from '@mesoflow/testing';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const FIXTURE = join(__dirname, 'testing/fixture-service.ts');

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

describe('a service process on SIGTERM', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'service-shutdown-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops accepting, lets the request in flight finish, runs the shutdown hooks and exits 0', async () => {
    const port = await freePort();
    const marker = join(dir, 'shutdown-marker');
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), FIXTURE, String(port), marker], {
      cwd: ROOT,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await waitFor(() => output.includes('READY '), { timeoutMs: 30_000, description: 'the fixture service to start' });

      // A request in flight: the server has answered "started" and waits for our body to end.
      const held = request({ host: '127.0.0.1', port, method: 'POST', path: '/hold', headers: { 'Transfer-Encoding': 'chunked' } });
      held.write('x');
      const [response] = (await once(held, 'response')) as [import('node:http').IncomingMessage];
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      await waitFor(() => body.includes('started'), { description: 'the held response to start' });

      child.kill('SIGTERM');
      await waitFor(async () => !(await canConnect(port)), { description: 'the port to stop accepting connections' });
      expect(child.exitCode).toBeNull();
      expect(existsSync(marker)).toBe(false);

      held.end();
      await once(response, 'end');
      expect(body).toBe('started\ndone\n');
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(readFileSync(marker, 'utf8')).toBe('shutdown SIGTERM\n');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
