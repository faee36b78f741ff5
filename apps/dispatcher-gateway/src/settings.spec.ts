import { ConfigError, createConfig, Duration } from '@mesoflow/config';
import { clusterOfClusterId, parseSettings, withConfiguredDefaults } from './settings';

describe('parseSettings', () => {
  it('has documented defaults', () => {
    expect(parseSettings([])).toEqual({ grpcPort: undefined, bindHost: '0.0.0.0', tokenFile: undefined, cluster: undefined, jobConcurrency: undefined, jobLockMs: undefined, webUiDir: undefined });
  });

  it('takes the registry options for flags left out, and the flags over them', () => {
    const config = createConfig({ 'dispatcher.grpc.port': 7100, 'dispatcher.job-concurrency': 2, 'dispatcher.job-lock-timeout': Duration.of(10, 's'), 'dispatcher.auth.token-file': '/etc/mesoflow/token' });
    expect(withConfiguredDefaults(parseSettings([]), config)).toMatchObject({ grpcPort: 7100, jobConcurrency: 2, jobLockMs: 10_000, tokenFile: '/etc/mesoflow/token' });
    expect(withConfiguredDefaults(parseSettings([]), createConfig())).toMatchObject({ grpcPort: 6126, jobConcurrency: 4, jobLockMs: 30_000, tokenFile: undefined });
    expect(withConfiguredDefaults(parseSettings(['--grpc-port=7000', '--job-concurrency=0']), config)).toMatchObject({ grpcPort: 7000, jobConcurrency: 0 });
  });

  it('reads every flag, in both spellings', () => {
    expect(parseSettings(['--grpc-port', '7000', '--bind-host=127.0.0.1', '--token-file', '/etc/token', '--cluster=prod', '--job-concurrency=0', '--job-lock-ms', '5000', '--web-ui-dir=/opt/ui'])).toEqual({
      grpcPort: 7000,
      bindHost: '127.0.0.1',
      tokenFile: '/etc/token',
      cluster: 'prod',
      jobConcurrency: 0,
      jobLockMs: 5_000,
      webUiDir: '/opt/ui',
    });
  });

  it('reports every problem at once, naming flag, value and expectation', () => {
    let error: unknown;
    try {
      parseSettings(['--grpc-port=0', '--cluster=a/b', '--job-lock-ms=5', '--job-concurrency=-1', '--nope']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.key).sort()).toEqual(['--cluster', '--grpc-port', '--job-concurrency', '--job-lock-ms', '--nope']);
    expect((error as ConfigError).problems.find((problem) => problem.key === '--cluster')).toMatchObject({ value: 'a/b', expected: '1 to 64 characters of [A-Za-z0-9._-]' });
  });
});

describe('clusterOfClusterId', () => {
  it('turns a ZooKeeper path into a queue name', () => {
    expect(clusterOfClusterId('/default')).toBe('default');
    expect(clusterOfClusterId('/team/prod/')).toBe('team.prod');
    expect(clusterOfClusterId('/')).toBe('default');
    expect(clusterOfClusterId('/a b')).toBe('a_b');
  });
});
