// The local Mesos stand-in as its own process (bin/mesos-local), as a real master is: the
// scheduler under test then never shares an event loop, nor a CPU, with the master and agents.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const BIN = join(__dirname, '../../bin/mesos-local');
const READY_TIMEOUT_MS = 60_000;

/** A running bin/mesos-local. */
export interface MesosLocalProcess {
  /** The master's base URL, from its ready log line. */
  readonly url: string;
  /** The process's ID: its CPU time is the stand-in's share of a run. */
  readonly pid: number;
  /** SIGTERM, then waits for the exit (every task is killed first). */
  stop(): Promise<void>;
}

/**
 * Starts bin/mesos-local with `args` (`--port 0` is added) and resolves once it logs that it is
 * ready. Its log lines are read and dropped; its stderr goes to ours.
 */
export async function startMesosLocalProcess(args: string[]): Promise<MesosLocalProcess> {
  const child = spawn(BIN, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const url = await readyUrl(child, exited);
    return {
      url,
      pid: child.pid ?? 0,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

function readyUrl(child: ChildProcess, exited: Promise<[number | null, NodeJS.Signals | null]>): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bin/mesos-local was not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    lines.on('line', (line) => {
      const url = parseUrl(line);
      if (url === undefined) return;
      clearTimeout(timer);
      resolve(url);
    });
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`bin/mesos-local exited before it was ready (${signal ?? `status ${code}`})`));
    });
  });
}

/** The `url` of the ready line (`{"msg":"Local Mesos is ready at …","url":…}`), if this is it. */
function parseUrl(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { url?: unknown };
    return typeof entry.url === 'string' ? entry.url : undefined;
  } catch {
    return undefined;
  }
}
