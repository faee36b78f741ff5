// A supervisor in a process of its own, for the tests of what reaches that process and its
// process group: `node --import tsx supervisor-host.ts <mode> <stay-up.js> <starts file>`.
// - `serve`: runs two children until SIGTERM (then exits with the supervisor's exit code), or
//   until SIGUSR2, which makes it throw an uncaught exception.
// - `stop-at-once`: starts a child with a readyUrl (served here) and then one that cannot be
//   spawned, stops at once, and prints `signalled` if the stop sent SIGTERM to this process.
import { createServer } from 'node:http';
import { once } from 'node:events';
import pino from 'pino';
import { Supervisor, type ChildSpec } from '../index';

const logger = pino({ level: 'warn' }, pino.destination(2));

async function serve(script: string, starts: string): Promise<void> {
  process.on('SIGUSR2', () => {
    throw new Error('Crash on purpose');
  });
  const supervisor = await Supervisor.start({
    children: ['first', 'second'].map((name) => ({ name, command: process.execPath, args: [script, starts] })),
    logger,
    stopGraceMs: 2_000,
  });
  process.exitCode = (await supervisor.done).exitCode;
}

async function stopAtOnce(script: string, starts: string): Promise<void> {
  let signalled = false;
  process.on('SIGTERM', () => (signalled = true));
  const server = createServer((_request, response) => response.end('ok')).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const children: ChildSpec[] = [
    { name: 'ready', command: process.execPath, args: [script, starts], readyUrl: `http://127.0.0.1:${port}/` },
    { name: 'missing', command: '/nonexistent/mesoflow-supervisor-test', args: [] },
  ];
  // The readyUrl makes the last spawn happen in a promise continuation, so that stop() runs
  // before Node has reported the failed spawn.
  const supervisor = await Supervisor.start({ children, logger, stopOnSignals: [] });
  await supervisor.stop();
  server.close();
  // A signal to this process is handled on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.stdout.write(signalled ? 'signalled\n' : 'not signalled\n');
}

const [mode, script, starts] = process.argv.slice(2) as [string, string, string];
void (mode === 'serve' ? serve(script, starts) : stopAtOnce(script, starts));
