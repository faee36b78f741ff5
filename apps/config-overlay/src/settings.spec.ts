import { ConfigError } from '@mesoflow/config';
import { parseSettings } from './settings';

describe('parseSettings', () => {
  it('reads --flag value and --flag=value, with defaults', () => {
    expect(parseSettings(['--grpc-port', '6125', '--artifact-server=agent-1:6124', '--distribution-file', 'bin/run.sh=/opt/run.sh', '--lib-dir=/opt/lib'])).toEqual({
      grpcPort: 6125,
      httpPort: 0,
      bindHost: '0.0.0.0',
      artifactServer: 'agent-1:6124',
      distributionFiles: [{ path: 'bin/run.sh', source: '/opt/run.sh' }],
      libDir: '/opt/lib',
    });
  });

  it('reports every problem with the flag, the value and what was expected', () => {
    let error: unknown;
    try {
      parseSettings(['--grpc-port=70000', '--artifact-server=nohost', '--distribution-file=bin/x=relative', '--verbose']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.objectContaining({ kind: 'syntax', key: '--verbose' }),
      expect.objectContaining({ key: '--artifact-server', value: 'nohost', expected: "host:port of the artifact server's gRPC port" }),
      expect.objectContaining({ key: '--distribution-file', value: 'bin/x=relative' }),
      expect.objectContaining({ key: '--grpc-port', value: '70000', expected: 'a port in 1..65535' }),
    ]);
  });
});
