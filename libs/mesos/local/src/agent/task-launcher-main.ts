// The task launcher helper process (see ./task-launcher.ts). Forking a process costs the forking
// thread about a millisecond (fork, then waiting for the exec); done here, that time is not
// taken from the master's event loop. Mesos' agent forks its containers through a helper too.
//
// It only starts processes, signals their process groups and reports how they ended; it never
// signals a process it has already reaped, so a signal cannot reach a recycled pid. It exits
// when its parent goes away (the IPC channel closes); running tasks are left alone, as a dying
// Mesos agent leaves its executors.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { LauncherReply, LauncherRequest, ProcessSpec } from './task-launcher-protocol';

/** Process group ids of the processes not yet reaped, by request id. */
const live = new Map<number, number>();

function reply(message: LauncherReply): void {
  process.send?.(message);
}

function launch(id: number, spec: ProcessSpec): void {
  const files: number[] = [];
  try {
    files.push(openSync(spec.stdoutPath, 'a'), openSync(spec.stderrPath, 'a'));
    const child = spawn(spec.file, spec.args, {
      argv0: spec.argv0,
      cwd: spec.cwd,
      env: spec.env,
      // Its own session and process group, as Mesos' launcher does, so that a kill reaches
      // every process the task started.
      detached: true,
      stdio: ['ignore', files[0], files[1]],
    });
    const pid = child.pid;
    if (pid === undefined) {
      // The exec failed (e.g. no such executable); Node reports it as an 'error' event.
      child.once('error', (error) => reply({ kind: 'failed', id, message: error.message }));
      return;
    }
    live.set(id, pid);
    child.once('exit', (code, signal) => {
      live.delete(id);
      // The container goes with its executor: whatever the task left behind is killed.
      signalGroup(id, pid, 'SIGKILL');
      reply({ kind: 'exited', id, code, signal });
    });
    // Errors after a successful spawn only concern `child.kill()`, which is never used here.
    child.on('error', () => undefined);
    reply({ kind: 'started', id, pid });
  } catch (error) {
    reply({ kind: 'failed', id, message: (error as Error).message });
  } finally {
    // The task holds its own descriptors now.
    for (const fd of files) closeSync(fd);
  }
}

/** Signals a whole process group; a group that is already gone is fine. */
function signalGroup(id: number, pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ESRCH') reply({ kind: 'signal-failed', id, signal, reason: code ?? (error as Error).message });
  }
}

process.on('message', (request: LauncherRequest) => {
  switch (request.kind) {
    case 'launch':
      return launch(request.id, request.spec);
    case 'signal': {
      const pgid = live.get(request.id);
      if (pgid !== undefined) signalGroup(request.id, pgid, request.signal);
      return;
    }
  }
});
process.on('disconnect', () => process.exit(0));
reply({ kind: 'ready' });
