import { ConfigError, ConfigErrorCode } from './config-error';
import { parseDynamicProperties } from './dynamic-properties';

describe('parseDynamicProperties', () => {
  it('takes -Dkey=value and -D key=value out and keeps the other arguments in order', () => {
    const parsed = parseDynamicProperties([
      'run',
      '-Dmesos.master=m:5050',
      '--detached',
      '-D',
      'parallelism.default=2',
      '-Dmesos.resourcemanager.tasks.container.docker.parameters=env=A=1',
      'program.js',
    ]);
    expect(parsed.properties).toEqual([
      { key: 'mesos.master', value: 'm:5050' },
      { key: 'parallelism.default', value: '2' },
      { key: 'mesos.resourcemanager.tasks.container.docker.parameters', value: 'env=A=1' },
    ]);
    expect(parsed.args).toEqual(['run', '--detached', 'program.js']);
  });

  it('keeps empty values and leaves everything after -- alone', () => {
    const parsed = parseDynamicProperties(['-Dredis.password=', '--', '-Dnot.ours=1', 'x']);
    expect(parsed.properties).toEqual([{ key: 'redis.password', value: '' }]);
    expect(parsed.args).toEqual(['--', '-Dnot.ours=1', 'x']);
  });

  it('reports every malformed -D at once, without values', () => {
    let error: unknown;
    try {
      parseDynamicProperties(['-Dmesos.master', '-D=secret', '-D', '-Dok=1', 'x', '-D']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe(ConfigErrorCode.INVALID_DYNAMIC_PROPERTY);
    expect(configError.problems.map((p) => p.message)).toEqual([
      "argument 1: -D ('mesos.master') is not key=value",
      'argument 2: -D is not key=value',
      'argument 3: -D must be followed by key=value',
      'argument 6: -D must be followed by key=value',
    ]);
    expect(configError.message).not.toContain('secret');
  });
});
