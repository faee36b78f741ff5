/**
 * The messages between the agents and their task launcher helper process, over the IPC
 * channel of `child_process.fork`. Types only: the helper imports nothing else of ours.
 */

/** One command task process to start in its own session and process group. */
export interface ProcessSpec {
  /** The program: `/bin/sh`, or `CommandInfo.value` when `shell` is false. */
  file: string;
  args: string[];
  argv0: string;
  cwd: string;
  env: Record<string, string>;
  /** Sandbox files the process appends its output to. */
  stdoutPath: string;
  stderrPath: string;
}

/** From the agents to the helper. */
export type LauncherRequest =
  | { kind: 'launch'; id: number; spec: ProcessSpec }
  /** Signals the process group of a launched process, unless the process has been reaped. */
  | { kind: 'signal'; id: number; signal: NodeJS.Signals };

/** From the helper to the agents, in order per process: `started` or `failed`, then `exited`. */
export type LauncherReply =
  | { kind: 'ready' }
  | { kind: 'started'; id: number; pid: number }
  | { kind: 'failed'; id: number; message: string }
  /** The process was reaped; what was left in its process group has been sent SIGKILL. */
  | { kind: 'exited'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'signal-failed'; id: number; signal: NodeJS.Signals; reason: string };
