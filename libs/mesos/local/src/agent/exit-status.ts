import { constants } from 'node:os';

/**
 * glibc's `strsignal()` texts. Mesos writes `WSTRINGIFY(status)` into task messages, which uses
 * `strsignal`, and Node only gives us the signal's name.
 */
const SIGNAL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  SIGHUP: 'Hangup',
  SIGINT: 'Interrupt',
  SIGQUIT: 'Quit',
  SIGILL: 'Illegal instruction',
  SIGTRAP: 'Trace/breakpoint trap',
  SIGABRT: 'Aborted',
  SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception',
  SIGKILL: 'Killed',
  SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault',
  SIGUSR2: 'User defined signal 2',
  SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
  SIGSTKFLT: 'Stack fault',
  SIGCHLD: 'Child exited',
  SIGCONT: 'Continued',
  SIGSTOP: 'Stopped (signal)',
  SIGTSTP: 'Stopped',
  SIGTTIN: 'Stopped (tty input)',
  SIGTTOU: 'Stopped (tty output)',
  SIGURG: 'Urgent I/O condition',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'File size limit exceeded',
  SIGVTALRM: 'Virtual timer expired',
  SIGPROF: 'Profiling timer expired',
  SIGWINCH: 'Window changed',
  SIGIO: 'I/O possible',
  SIGPOLL: 'I/O possible',
  SIGPWR: 'Power failure',
  SIGSYS: 'Bad system call',
};

/** `strsignal()` for a signal name such as `SIGTERM`: `Terminated`. */
export function describeSignal(signal: string): string {
  const known = SIGNAL_DESCRIPTIONS[signal];
  if (known) return known;
  const number = (constants.signals as Record<string, number | undefined>)[signal];
  return number === undefined ? `Unknown signal ${signal}` : `Unknown signal ${number}`;
}

/**
 * Mesos' `WSTRINGIFY` of a wait status as Node reports it: `exited with status 3` or
 * `terminated with signal Killed`.
 */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) return `terminated with signal ${describeSignal(signal)}`;
  return `exited with status ${code ?? 0}`;
}
