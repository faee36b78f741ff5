import pino from 'pino';
import { SupervisorErrorCode, isSupervisorError } from './errors';
import { resolveOptions, type ChildSpec, type SupervisorOptions } from './options';
import { RestartDelays, shellExitCode, spawnFailureExitCode } from './restart-policy';

const logger = pino({ level: 'silent' });
const child = (overrides: Partial<ChildSpec> = {}): ChildSpec => ({ name: 'scheduler', command: '/usr/bin/node', args: [], ...overrides });

function problemsOf(options: SupervisorOptions): string {
  try {
    resolveOptions(options);
  } catch (error) {
    if (isSupervisorError(error, SupervisorErrorCode.INVALID_OPTIONS)) return error.message;
    throw error;
  }
  throw new Error('The options were accepted');
}

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const settings = resolveOptions({ children: [child({ readyUrl: 'http://127.0.0.1:8081/healthz' })], logger });
    expect(settings).toMatchObject({
      restartBackoff: { initialMs: 500, maxMs: 30_000 },
      stableMs: 60_000,
      stopGraceMs: 30_000,
      readyTimeoutMs: 60_000,
      stopOnSignals: ['SIGTERM', 'SIGINT'],
    });
    expect(settings.children[0]).toMatchObject({ role: 'service', env: undefined, cwd: undefined });
    expect(settings.children[0]?.readyUrl?.port).toBe('8081');
  });

  it('reports every problem at once', () => {
    const message = problemsOf({
      children: [
        child({ name: 'a b' }),
        child({ name: 'job', role: 'job' }),
        child({ name: 'job', role: 'job', readyUrl: 'ftp://host/' }),
        child({ name: 'x', command: '' }),
      ],
      logger,
      restartBackoff: { initialMs: 1_000, maxMs: 10 },
      stopGraceMs: -1,
      stopOnSignals: ['SIGKILL'],
    });
    for (const fragment of [
      "children[0].name must be letters",
      "child name 'job' is used twice",
      "at most one child may have the role 'job'",
      'children[2].readyUrl must be an http:// or https:// URL',
      'children[3].command must not be empty',
      'restartBackoff.maxMs must not be below restartBackoff.initialMs',
      'stopGraceMs must be a number of ms of at least 0, got -1',
      "stopOnSignals: 'SIGKILL' cannot be handled",
    ]) {
      expect(message).toContain(fragment);
    }
  });

  it('rejects an empty child list', () => {
    expect(problemsOf({ children: [], logger })).toContain('children must name at least one child');
  });

  it('rejects NUL bytes without repeating the offending value', () => {
    const message = problemsOf({ children: [child({ args: ['-Dsecret=hunter2\0'] })], logger });
    expect(message).toContain('must not contain NUL bytes');
    expect(message).not.toContain('hunter2');
  });
});

describe('RestartDelays', () => {
  it('doubles the delay per exit in a row, up to the cap', () => {
    const delays = new RestartDelays({ initialMs: 500, maxMs: 3_000 }, 60_000);
    expect([10, 10, 10, 10, 10, undefined].map((uptimeMs) => delays.afterExit(uptimeMs))).toEqual([500, 1_000, 2_000, 3_000, 3_000, 3_000]);
  });

  it('starts over once the child stayed up stableMs', () => {
    const delays = new RestartDelays({ initialMs: 100, maxMs: 10_000 }, 5_000);
    expect([1, 1, 1, 5_000, 1].map((uptimeMs) => delays.afterExit(uptimeMs))).toEqual([100, 200, 400, 100, 200]);
  });

  it('never starts over for a child that could not be spawned', () => {
    const delays = new RestartDelays({ initialMs: 100, maxMs: 10_000 }, 0);
    expect([undefined, undefined, undefined].map((uptimeMs) => delays.afterExit(uptimeMs))).toEqual([100, 200, 400]);
  });

  it('stays at the cap however long the failures go on', () => {
    const delays = new RestartDelays({ initialMs: 1, maxMs: 30_000 }, 60_000);
    for (let exit = 0; exit < 2_000; exit++) delays.afterExit(0);
    expect(delays.afterExit(0)).toBe(30_000);
  });
});

describe('exit codes', () => {
  it('reports a signal as 128 + its number, like a shell', () => {
    expect(shellExitCode(null, 'SIGKILL')).toBe(137);
    expect(shellExitCode(null, 'SIGTERM')).toBe(143);
    expect(shellExitCode(3, null)).toBe(3);
  });

  it('reports a child that could not be spawned as 127 (not found) or 126 (not executable)', () => {
    const failure = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
    expect(spawnFailureExitCode(failure('ENOENT'))).toBe(127);
    expect(spawnFailureExitCode(failure('EACCES'))).toBe(126);
    expect(spawnFailureExitCode(failure('EMFILE'))).toBe(1);
  });
});
