import { mkdir, open, rename, symlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** The ids that place a container's sandbox under an agent's `work_dir`. */
export interface SandboxIds {
  agentId: string;
  frameworkId: string;
  executorId: string;
  containerId: string;
}

/**
 * The sandbox directory of one executor run, laid out as Mesos' agent does
 * (`src/slave/paths.cpp`):
 * `<workDir>/slaves/<agentId>/frameworks/<frameworkId>/executors/<executorId>/runs/<containerId>`.
 */
export function sandboxPath(workDir: string, ids: SandboxIds): string {
  return join(runsDir(workDir, ids), ids.containerId);
}

function runsDir(workDir: string, { agentId, frameworkId, executorId }: SandboxIds): string {
  return join(
    workDir,
    ...['slaves', agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs'],
  );
}

/** A created sandbox with its `stdout` and `stderr` files open for appending. */
export interface Sandbox {
  readonly dir: string;
  readonly stdout: FileHandle;
  readonly stderr: FileHandle;
  /** Closes both files; the task process keeps its own descriptors. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Creates the sandbox, its `runs/latest` link and the `stdout`/`stderr` files. The files are
 * opened in append mode because the fetcher, the executor and the task all write to them in
 * turn, as on a real agent.
 */
export async function createSandbox(workDir: string, ids: SandboxIds): Promise<Sandbox> {
  const dir = sandboxPath(workDir, ids);
  await mkdir(dir, { recursive: true });
  const settled = await Promise.allSettled([
    open(join(dir, 'stdout'), 'a'),
    open(join(dir, 'stderr'), 'a'),
    linkLatest(runsDir(workDir, ids), ids.containerId),
  ]);
  const [stdoutResult, stderrResult, linkResult] = settled;
  if (
    stdoutResult.status === 'rejected' ||
    stderrResult.status === 'rejected' ||
    linkResult.status === 'rejected'
  ) {
    // Do not leak whichever file did open.
    const opened = [stdoutResult, stderrResult].flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    await Promise.all(opened.map((handle) => handle.close()));
    const failed = settled.find((result) => result.status === 'rejected');
    throw (failed as PromiseRejectedResult).reason;
  }
  const stdout = stdoutResult.value;
  const stderr = stderrResult.value;
  let closing: Promise<void> | undefined;
  return {
    dir,
    stdout,
    stderr,
    close: () => (closing ??= Promise.all([stdout.close(), stderr.close()]).then(() => undefined)),
  };
}

/** Points `runs/latest` at this run; a relaunch of the same executor id replaces it atomically. */
async function linkLatest(runs: string, containerId: string): Promise<void> {
  const latest = join(runs, 'latest');
  try {
    await symlink(containerId, latest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const temporary = `${latest}.${containerId}`;
    await symlink(containerId, temporary);
    await rename(temporary, latest);
  }
}
