import { fork, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';
import type { LauncherReply, LauncherRequest, ProcessSpec } from './task-launcher-protocol';

export type { ProcessSpec } from './task-launcher-protocol';

/** How a launched process is doing; called in this order: `started` or `failed`, then `exited`. */
export interface ProcessListener {
  started(pid: number): void;
  /** The process could not be started, or the launcher was lost (then after `started` too). */
  failed(message: string): void;
  /** Reaped; whatever it left in its process group has been sent SIGKILL. */
  exited(code: number | null, signal: NodeJS.Signals | null): void;
  /** A signal could not be delivered for another reason than the group being gone. */
  signalFailed(signal: NodeJS.Signals, reason: string): void;
}

/** A process asked of a {@link TaskLauncher}. */
export interface LaunchedProcess {
  /** Signals its process group, unless it has already been reaped. */
  signal(signal: NodeJS.Signals): void;
}

/** Where the helper process is. Requests made while it starts are sent once it is ready. */
type HelperState =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'starting'; readonly child: ChildProcess; readonly queue: LauncherRequest[] }
  | { readonly kind: 'ready'; readonly child: ChildProcess };

/**
 * Starts command task processes through a helper process (`task-launcher-main.ts`), so that
 * forking never blocks this process's event loop. The helper is started on first use (or by
 * {@link start}) and again after it dies; processes in flight when it dies are reported
 * `failed`. It keeps this process alive only while processes are in flight.
 */
export class TaskLauncher {
  private state: HelperState = { kind: 'stopped' };
  private readonly processes = new Map<number, ProcessListener>();
  private nextId = 1;

  /** Starts the helper ahead of the first launch. Idempotent. */
  start(): void {
    if (this.state.kind === 'stopped') this.spawnHelper();
  }

  /** Starts `spec` in its own session and process group. */
  launch(spec: ProcessSpec, listener: ProcessListener): LaunchedProcess {
    const id = this.nextId++;
    this.processes.set(id, listener);
    if (this.processes.size === 1) this.setRef(true);
    this.send({ kind: 'launch', id, spec });
    return {
      signal: (signal) => {
        if (this.processes.has(id)) this.send({ kind: 'signal', id, signal });
      },
    };
  }

  private send(request: LauncherRequest): void {
    if (this.state.kind === 'stopped') this.spawnHelper();
    const state = this.state;
    if (state.kind === 'starting') state.queue.push(request);
    else if (state.kind === 'ready') state.child.send(request);
  }

  private spawnHelper(): void {
    // Run from TypeScript sources (tsx, Jest), the helper needs a loader of its own; built, none.
    const ext = extname(__filename);
    const execArgv = ext === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];
    const child = fork(join(__dirname, `task-launcher-main${ext}`), [], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.state = { kind: 'starting', child, queue: [] };
    this.setRef(this.processes.size > 0);
    child.on('message', (reply: LauncherReply) => this.onReply(child, reply));
    child.once('error', (error) => this.helperLost(child, `task launcher failed: ${error.message}`));
    child.once('exit', (code, signal) => this.helperLost(child, `task launcher exited (${signal ?? `status ${code}`})`));
  }

  private onReply(child: ChildProcess, reply: LauncherReply): void {
    if (reply.kind === 'ready') {
      const state = this.state;
      if (state.kind !== 'starting' || state.child !== child) return;
      this.state = { kind: 'ready', child };
      for (const request of state.queue) child.send(request);
      return;
    }
    const listener = this.processes.get(reply.id);
    if (!listener) return;
    switch (reply.kind) {
      case 'started':
        return listener.started(reply.pid);
      case 'signal-failed':
        return listener.signalFailed(reply.signal, reply.reason);
      case 'failed':
        this.forget(reply.id);
        return listener.failed(reply.message);
      case 'exited':
        this.forget(reply.id);
        return listener.exited(reply.code, reply.signal);
    }
  }

  /** The helper is gone: what it was running can no longer be followed. */
  private helperLost(child: ChildProcess, why: string): void {
    if (this.state.kind === 'stopped' || this.state.child !== child) return;
    this.state = { kind: 'stopped' };
    const lost = [...this.processes.values()];
    this.processes.clear();
    this.setRef(false);
    for (const listener of lost) listener.failed(why);
  }

  private forget(id: number): void {
    this.processes.delete(id);
    if (this.processes.size === 0) this.setRef(false);
  }

  /** The helper and its channel keep this process alive only while processes are in flight. */
  private setRef(ref: boolean): void {
    if (this.state.kind === 'stopped') return;
    const { child } = this.state;
    if (ref) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }
}

let shared: TaskLauncher | undefined;

/** The launcher every agent of this process shares, as one host's agents would share a kernel. */
export function sharedTaskLauncher(): TaskLauncher {
  return (shared ??= new TaskLauncher());
}
