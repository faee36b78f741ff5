// The real scheduler (apps/scheduler/src/main.ts) as a child process, the way an operator runs it,
// with its pino JSON log read line by line so that a test or a benchmark can wait for a moment in
// its life (e.g. "the framework ID is persisted") and SIGKILL it there, or time it, or read its RSS.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

/** The repository root: tsx and the `@mesoflow/*` paths resolve from here. */
export const REPOSITORY_ROOT = join(__dirname, '../../..');
const MAIN = join(REPOSITORY_ROOT, 'apps/scheduler/src/main.ts');
/** The production bundle of the scheduler, built by tools/build/bundle-service.mjs. */
export const SCHEDULER_BUNDLE = join(REPOSITORY_ROOT, 'dist/scheduler/main.js');
const BUNDLER = join(REPOSITORY_ROOT, 'tools/build/bundle-service.mjs');
/** `1` makes {@link SchedulerProcess.start} run the bundle unless an option says otherwise. */
export const SCHEDULER_BUNDLE_VARIABLE = 'MESOFLOW_SCHEDULER_BUNDLE';

/**
 * V8 flags the scheduler runs with unless {@link SchedulerProcessOptions.nodeOptions} says
 * otherwise: a 1 MiB semi-space (young generation) instead of 16 MiB. Measured with 1,000
 * workers RUNNING: RSS 139 -> 110 MB (bundle), 169 -> 145 MB (tsx); restart to every worker
 * confirmed unchanged (~0.65 s bundle). dist/scheduler/run, the bundle's launcher, passes the same.
 */
export const SCHEDULER_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=1'];

let bundleChecked = false;

/**
 * Builds dist/scheduler/main.js when it is missing or older than one of its sources (once per
 * process; later calls return at once). Concurrent builders (test workers) are safe: each renames
 * its output into place.
 */
export function ensureSchedulerBundle(): string {
  if (!bundleChecked) {
    execFileSync(process.execPath, [BUNDLER, 'scheduler', '--if-stale'], { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    bundleChecked = true;
  }
  return SCHEDULER_BUNDLE;
}

/** Options of {@link SchedulerProcess.start}. */
export interface SchedulerProcessOptions {
  /** `--store-dir`. */
  storeDir: string;
  /** How many workers to keep running: `-Dmesos.initial-tasks`. */
  workers: number;
  /** `--http-port` (health and `/metrics`). @default 0, a free port */
  httpPort?: number;
  /** Every other `-Dkey=value`, `mesos.master` and a free `jobmanager.rpc.port` included. */
  properties: Readonly<Record<string, string | number>>;
  /** Where stdout and stderr are appended, for a failing test to point at. */
  logFile: string;
  /**
   * Run the production bundle (dist/scheduler/main.js, built first if missing or stale) with plain
   * `node` instead of the sources under tsx: what an operator deploys, and lighter (RSS, start).
   * @default true when `MESOFLOW_SCHEDULER_BUNDLE=1`, otherwise false
   */
  bundle?: boolean;
  /** Options for node itself (V8 flags), before the script. @default {@link SCHEDULER_NODE_OPTIONS} */
  nodeOptions?: readonly string[];
}

/** One pino line of the scheduler. */
export interface SchedulerLogLine {
  readonly msg: string;
  readonly level: number;
  /** `performance.now()` in this process when the line was read. */
  readonly seenAt: number;
}

/** How the process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

type LineListener = (line: SchedulerLogLine) => void;

/** Schedulers still running when this process exits are killed with it (a test that timed out). */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** A running `node --import tsx apps/scheduler/src/main.ts …` (or `node dist/scheduler/main.js …`). */
export class SchedulerProcess {
  /** Every log line read so far, in order. */
  readonly lines: SchedulerLogLine[] = [];
  /** `performance.now()` when the process was spawned. */
  readonly startedAt: number;
  /** Resolves when the process has exited (and its stdout is drained). */
  readonly exited: Promise<ProcessExit>;
  private readonly listeners = new Set<LineListener>();
  private exit: ProcessExit | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly log: WriteStream,
  ) {
    this.startedAt = performance.now();
    const stdout = child.stdout;
    if (!stdout) throw new Error('The scheduler process has no stdout');
    const reader = createInterface({ input: stdout });
    reader.on('line', (text) => this.handleLine(text));
    child.stderr?.pipe(log, { end: false });
    // 'close' comes after 'exit' and after stdout and stderr have ended: every line is read.
    liveChildren.add(child);
    const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    this.exited = closed.then(([code, signal]) => {
      liveChildren.delete(child);
      this.exit = { code, signal };
      log.end();
      return this.exit;
    });
  }

  /** Spawns the scheduler; its working directory is the repository root (so `conf/` is the repository's). */
  static start(options: SchedulerProcessOptions): SchedulerProcess {
    const bundle = options.bundle ?? process.env[SCHEDULER_BUNDLE_VARIABLE] === '1';
    const args = [
      ...(options.nodeOptions ?? SCHEDULER_NODE_OPTIONS),
      ...(bundle ? [ensureSchedulerBundle()] : ['--import', 'tsx', MAIN]),
      '--store-dir',
      options.storeDir,
      '--http-port',
      String(options.httpPort ?? 0),
      '--bind-host',
      '127.0.0.1',
      `-Dmesos.initial-tasks=${options.workers}`,
      ...Object.entries(options.properties).map(([key, value]) => `-D${key}=${value}`),
    ];
    const child = spawn(process.execPath, args, { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(options.logFile, { flags: 'a' });
    return new SchedulerProcess(child, log);
  }

  /** The process ID. */
  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('The scheduler process did not start');
    return pid;
  }

  /** Whether it is still running. */
  get running(): boolean {
    return this.exit === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Calls `listener` for every line from now on; returns a function that stops it. */
  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves with the first line (already read or still to come) that `matches`; rejects when the
   * process exits first or `timeoutMs` passes.
   */
  waitForLine(matches: (line: SchedulerLogLine) => boolean, timeoutMs: number, description: string): Promise<SchedulerLogLine> {
    const seen = this.lines.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise<SchedulerLogLine>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`Timed out after ${timeoutMs} ms waiting for the scheduler to log ${description}`)), timeoutMs);
      const stop = this.onLine((line) => {
        if (matches(line)) finish(line);
      });
      const finish = (outcome: SchedulerLogLine | Error): void => {
        clearTimeout(timer);
        stop();
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      void this.exited.then((exit) => finish(new Error(`The scheduler exited (${exit.signal ?? `status ${exit.code}`}) before it logged ${description}`)));
    });
  }

  /** SIGKILL, then waits for the exit. */
  async kill(): Promise<ProcessExit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (the scheduler closes its client and store), SIGKILL after `graceMs`; waits for the exit. */
  async stop(graceMs = 10_000): Promise<ProcessExit> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resident set size in MiB from /proc (Linux), or undefined once the process is gone. */
  rssMiB(): number | undefined {
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
    } catch {
      return undefined;
    }
  }

  private handleLine(text: string): void {
    this.log.write(`${text}\n`);
    const line = parseLine(text, performance.now());
    if (!line) return;
    this.lines.push(line);
    for (const listener of this.listeners) listener(line);
  }
}

function parseLine(text: string, seenAt: number): SchedulerLogLine | undefined {
  try {
    const entry = JSON.parse(text) as { msg?: unknown; level?: unknown };
    if (typeof entry.msg !== 'string') return undefined;
    return { msg: entry.msg, level: typeof entry.level === 'number' ? entry.level : 0, seenAt };
  } catch {
    return undefined;
  }
}
