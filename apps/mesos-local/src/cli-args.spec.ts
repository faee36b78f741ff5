import { CliUsageError, parseCliArgs } from './cli-args';

describe('parseCliArgs', () => {
  it('maps flags to options, with per-agent overrides', () => {
    const command = parseCliArgs([
      '--port', '0', '--agents', '3', '--resources', 'cpus:4;mem:8192;disk:20000;ports:[31000-32000]', '--attributes', 'rack:r1',
      '--agent', 'cpus:2;mem:1024|rack:r2', '--agent', '|rack:r3', '--allocation-interval', '500ms', '--offer-timeout=30s',
      '--heartbeat-interval', '2', '--zk', 'zk://127.0.0.1:2181/mesos', '--work-dir', '/tmp/x', '--log-level', 'debug',
    ]);
    expect(command).toEqual({
      kind: 'run',
      logLevel: 'debug',
      options: {
        port: 0,
        agents: [{ resources: 'cpus:2;mem:1024', attributes: 'rack:r2' }, { attributes: 'rack:r3' }, {}],
        resources: 'cpus:4;mem:8192;disk:20000;ports:[31000-32000]',
        attributes: 'rack:r1',
        allocationIntervalMs: 500,
        offerTimeoutMs: 30_000,
        heartbeatIntervalSeconds: 2,
        zk: 'zk://127.0.0.1:2181/mesos',
        workDir: '/tmp/x',
      },
    });
  });

  it('defaults to port 5050 and one agent', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'run', logLevel: 'info', options: { port: 5050, agents: [{}] } });
    expect(parseCliArgs(['--agent', 'cpus:1'])).toMatchObject({ options: { agents: [{ resources: 'cpus:1' }] } });
  });

  it('recognises --help', () => expect(parseCliArgs(['--port', '1', '--help'])).toEqual({ kind: 'help' }));

  it.each([
    [['--port', '70000'], "invalid value '70000' for --port: expected an integer from 0 to 65535"],
    [['--agents', 'two'], "invalid value 'two' for --agents: expected an integer from 1 to 10000"],
    [['--allocation-interval', 'soon'], "invalid value 'soon' for --allocation-interval: expected a positive duration such as 500ms, 2s or 1m"],
    [['--resources', 'cpus:lots'], "invalid value 'cpus:lots' for --resources: expected Mesos resource text"],
    [['--zk', 'localhost:2181'], "invalid value 'localhost:2181' for --zk: expected a URL such as zk://host:2181/mesos"],
    [['--log-level', 'loud'], "invalid value 'loud' for --log-level: expected one of trace"],
    [['--agents', '1', '--agent', 'cpus:1', '--agent', 'cpus:2'], "invalid value '1' for --agents: expected at least 2"],
    [['--frobnicate'], "unknown flag '--frobnicate' (see --help)"],
    [['--port'], "flag '--port' needs a value"],
    [['--port', '1', '--port', '2'], "flag '--port' is given twice"],
    [['serve'], "unexpected argument 'serve'"],
  ])('refuses %p', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(CliUsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
