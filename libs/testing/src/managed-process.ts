import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { waitFor } from './wait-for';

/** How to start and probe a server that a test needs. */
export interface ManagedProcessSpec {
  /** Short name for messages, e.g. `redis`. */
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr go here, so a failing test can point at them. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Resolves truthy once the server answers. */
  ready: () => Promise<boolean>;
  /** @default 30000 */
  readyTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * A real server process owned by a test: started, probed until ready, stopped (SIGTERM,
 * then SIGKILL) and killed with the test process if the test forgets.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;

  constructor(private readonly spec: ManagedProcessSpec) {}

  /** Starts the process and waits until `ready` holds; fails early if it exits. */
  async start(): Promise<void> {
    const { name, command, args, logFile, env } = this.spec;
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(command, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    running.add(child);
    this.child = child;
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      running.delete(child);
      exited = `exited with ${signal ?? `code ${code}`}`;
    });
    child.once('error', (error) => {
      exited = `failed to start: ${error.message}`;
    });
    await waitFor(
      async () => {
        if (exited) throw new Error(`${name} ${exited}; see ${logFile}`);
        return this.spec.ready();
      },
      { timeoutMs: this.spec.readyTimeoutMs ?? 30_000, intervalMs: 100, description: `${name} to accept connections (log: ${logFile})` },
    ).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
  }

  /** Stops the process: SIGTERM (or `signal`), then SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** The process id while running. */
  get pid(): number | undefined {
    return this.child?.pid;
  }
}
