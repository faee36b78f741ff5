import { inspect } from 'node:util';
import { ConfigError } from './config-error';
import { createConfig, loadConfig } from './load-config';
import { MASK } from './mesoflow-config';

const SECRET = 'hunter2-very-secret';

const config = createConfig({
  'mesos.master': 'm:5050',
  'mesos.resourcemanager.framework.principal': 'mesoflow',
  'mesos.resourcemanager.framework.secret': SECRET,
  'security.api.auth-token': SECRET,
  'redis.password': SECRET,
});

describe('sensitive values', () => {
  it('are returned by get', () => {
    expect(config.get('mesos.resourcemanager.framework.secret')).toBe(SECRET);
  });

  it('are masked in masked(), display() and toDisplay()', () => {
    expect(config.masked()).toMatchObject({
      'mesos.master': 'm:5050',
      'mesos.resourcemanager.framework.secret': MASK,
      'security.api.auth-token': MASK,
      'redis.password': MASK,
      'mesos.failover-timeout': '7 d',
    });
    expect(config.display('redis.password')).toBe(MASK);
    const rows = config.toDisplay();
    expect(rows.find((r) => r.key === 'mesos.resourcemanager.framework.secret')).toMatchObject({ value: MASK, sensitive: true, sourceText: 'set in code' });
    expect(rows.find((r) => r.key === 'security.ssl.internal.keystore-password')).toMatchObject({ value: undefined, sourceText: 'unset' });
    expect(JSON.stringify(rows)).not.toContain(SECRET);
  });

  it('never appear in JSON.stringify, toString, String(), template strings or util.inspect', () => {
    const views = [
      JSON.stringify(config),
      JSON.stringify({ nested: { config } }),
      config.toString(),
      String(config),
      `${String(config)}`,
      inspect(config),
      inspect({ deep: { config } }, { depth: 10 }),
      inspect(config, { showHidden: true }),
    ];
    for (const view of views) {
      expect(view).not.toContain(SECRET);
      expect(view).toContain('m:5050');
    }
    expect(inspect(config)).toContain(`'mesos.resourcemanager.framework.secret': '${MASK}'`);
    expect(Object.keys(config)).not.toContain('values');
  });

  it('are not repeated in problems about them', () => {
    let error: unknown;
    try {
      loadConfig({
        confDir: '/nonexistent',
        env: {},
        dynamicProperties: [{ key: 'mesos.resourcemanager.framework.secret', value: SECRET }],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.problems[0]?.key).toBe('mesos.resourcemanager.framework.principal');
    expect(configError.message).not.toContain(SECRET);
    expect(JSON.stringify(configError.problems)).not.toContain(SECRET);
    expect(inspect(configError)).not.toContain(SECRET);
  });
});
