import type { ConfigEntryView } from '@mesoflow/web-api';
import { filterConfig } from './config-filter';

const entries: ConfigEntryView[] = [
  { key: 'rest.port', value: '8081', source: 'default', sourceText: 'default', sensitive: false, description: 'The REST port.' },
  { key: 'mesos.master', value: 'zk://zk1:2181/mesos', source: 'file', sourceText: 'conf/mesoflow-conf.yaml line 4', sensitive: false, description: 'Where the Mesos master is.' },
  { key: 'mesos.resourcemanager.framework.secret', value: '******', source: 'environment', sourceText: 'MESOFLOW_SECRET', sensitive: true, description: 'The framework secret.' },
  { key: 'security.ssl.rest.keystore', source: 'unset', sourceText: 'unset', sensitive: false, description: 'PKCS#12 keystore.' },
];

describe('the configuration filter', () => {
  it('matches keys, values, sources and descriptions in any case', () => {
    expect(filterConfig(entries, 'MESOS.').map((entry) => entry.key)).toEqual(['mesos.master', 'mesos.resourcemanager.framework.secret']);
    expect(filterConfig(entries, 'zk1').map((entry) => entry.key)).toEqual(['mesos.master']);
    expect(filterConfig(entries, 'line 4').map((entry) => entry.key)).toEqual(['mesos.master']);
    expect(filterConfig(entries, 'keystore').map((entry) => entry.key)).toEqual(['security.ssl.rest.keystore']);
  });

  it('shows everything when empty', () => {
    expect(filterConfig(entries, '  ')).toBe(entries);
  });
});
