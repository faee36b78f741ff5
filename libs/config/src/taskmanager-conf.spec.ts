import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, ConfigErrorCode } from './config-error';
import { createConfig, loadConfig } from './load-config';
import { CONFIG_KEYS, optionDefinition } from './registry';
import { renderTaskManagerConf, TASKMANAGER_INHERITED_KEYS } from './taskmanager-conf';
import { parseConfText } from './conf-file';

const master = createConfig({
  'mesos.master': 'zk://zk1:2181/mesos',
  'mesos.resourcemanager.framework.principal': 'mesoflow',
  'mesos.resourcemanager.framework.secret': 'framework-secret',
  'mesos.resourcemanager.tasks.cpus': 2,
  'jobmanager.rpc.address': 'master.example.org',
  'taskmanager.numberOfTaskSlots': 4,
  'security.ssl.internal.enabled': true,
  'security.ssl.internal.keystore': '/etc/mesoflow/internal.p12',
  'security.ssl.internal.keystore-password': 'store: pass',
  'security.ssl.internal.truststore': '/etc/mesoflow/trust.p12',
  'mesos.resourcemanager.artifactserver.ssl.enabled': false,
  'mesos.resourcemanager.tasks.hostname': '_TASK_.mesoflow.mesos',
});

describe('renderTaskManagerConf', () => {
  const text = renderTaskManagerConf(master, { 'taskmanager.rpc.port': 31001, 'taskmanager.data.port': 31002 });
  const keys = parseConfText(text, 'tm.yaml').map((s) => s.key);

  it('contains every inherited option with a value, and no master-only option', () => {
    expect(keys).toEqual(TASKMANAGER_INHERITED_KEYS.filter((key) => master.has(key)));
    expect(keys).toContain('jobmanager.rpc.address');
    expect(keys).toContain('high-availability.zookeeper.path.root');
    for (const key of CONFIG_KEYS.filter((k) => optionDefinition(k).masterOnly)) expect(keys).not.toContain(key);
    expect(text).not.toContain('framework-secret');
    expect(text).not.toContain('mesos.master');
    expect(text).not.toContain('mesos.resourcemanager.tasks.cpus');
  });

  it('loads back as the TaskManager\'s configuration with the same values and the overrides', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mesoflow-tm-'));
    try {
      writeFileSync(path.join(dir, 'mesoflow-conf.yaml'), text);
      const tm = loadConfig({ confDir: dir, env: {}, service: 'taskmanager' });
      expect(tm.warnings).toEqual([]);
      for (const key of TASKMANAGER_INHERITED_KEYS) {
        if (key === 'taskmanager.rpc.port' || key === 'taskmanager.data.port') continue;
        expect({ key, value: tm.get(key) }).toEqual({ key, value: master.get(key) });
      }
      expect(tm.get('taskmanager.rpc.port')).toBe(31001);
      expect(tm.get('taskmanager.data.port')).toBe(31002);
      expect(tm.get('security.ssl.internal.keystore-password')).toBe('store: pass');
      expect(tm.get('mesos.master')).toBeUndefined();
      expect(tm.source('jobmanager.rpc.address')).toMatchObject({ kind: 'file' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses overrides of master-only options and invalid override values', () => {
    let error: unknown;
    try {
      renderTaskManagerConf(master, { 'mesos.master': 'other:5050', 'taskmanager.rpc.port': 70000 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe(ConfigErrorCode.INVALID_VALUES);
    expect((error as ConfigError).problems.map((p) => p.message)).toEqual([
      'mesos.master: is master-only; TaskManagers do not inherit it',
      "taskmanager.rpc.port: '70000' is not between 0 and 65535 (expected a port number (0–65535))",
    ]);
  });
});
