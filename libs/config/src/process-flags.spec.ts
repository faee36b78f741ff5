import { ConfigError } from './config-error';
import { ProcessFlags } from './process-flags';

function problemsOf(read: (flags: ProcessFlags) => void, args: string[]): string[] {
  const flags = new ProcessFlags(args, ['--port', '--http-port', '--peer', '--dir', '--count', '--file']);
  read(flags);
  try {
    flags.done();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.message);
  }
  return [];
}

describe('ProcessFlags', () => {
  it('reads both spellings, the last value of a flag, every value of a repeatable one, and defaults', () => {
    const flags = new ProcessFlags(['--port', '1', '--port=6123', '--file=a', '--file', 'b', '--dir=rel/dir'], ['--port', '--file', '--dir', '--http-port', '--count']);
    expect(flags.port('--port')).toBe(6123);
    expect(flags.all('--file')).toEqual(['a', 'b']);
    expect(flags.path('--dir')).toBe(`${process.cwd()}/rel/dir`);
    expect(flags.port('--http-port', 0)).toBe(0);
    expect(flags.count('--count', 3)).toBe(3);
    expect(() => flags.done()).not.toThrow();
  });

  it('names the flag, the value and what was expected, for every problem at once', () => {
    const read = (flags: ProcessFlags): void => {
      flags.port('--port');
      flags.port('--http-port', 0);
      flags.hostPort('--peer', { required: true, expected: "host:port of the peer's gRPC port" });
      flags.count('--count', 1);
      flags.path('--dir', { required: true, expected: 'a folder' });
    };
    expect(problemsOf(read, ['--verbose', '--http-port=65536', '--peer', 'nohost', '--count=-1', '--file'])).toEqual([
      '--verbose: unknown argument (expected -Dkey=value or one of --port, --http-port, --peer, --dir, --count, --file)',
      '--file: has no value',
      '--port: is required (expected a port number)',
      "--http-port: '65536' is not valid (expected a port in 0..65535)",
      "--peer: 'nohost' is not valid (expected host:port of the peer's gRPC port)",
      "--count: '-1' is not valid (expected a whole number >= 0)",
      '--dir: is required (expected a folder)',
    ]);
    expect(problemsOf((flags) => flags.hostPort('--peer', { expected: 'x' }), ['--peer=[::1]:6124'])).toEqual([]);
    expect(problemsOf((flags) => flags.port('--port'), ['--port=0'])).toEqual(["--port: '0' is not valid (expected a port in 1..65535)"]);
  });
});
