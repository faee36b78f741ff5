import { describeExit, describeSignal } from './exit-status';

describe('describeExit', () => {
  it("words exits and signals as Mesos' WSTRINGIFY does", () => {
    expect(describeExit(0, null)).toBe('exited with status 0');
    expect(describeExit(137, null)).toBe('exited with status 137');
    expect(describeExit(null, 'SIGTERM')).toBe('terminated with signal Terminated');
    expect(describeExit(null, 'SIGKILL')).toBe('terminated with signal Killed');
    expect(describeExit(null, 'SIGSEGV')).toBe('terminated with signal Segmentation fault');
  });

  it('falls back for signals glibc has no text for', () => {
    expect(describeSignal('SIGNOPE')).toBe('Unknown signal SIGNOPE');
  });
});
