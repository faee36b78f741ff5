import { createConfig } from '@mesoflow/config';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTaskManagerConf } from './check-taskmanager-conf';

describe('checkTaskManagerConf', () => {
  let sandbox: string;
  beforeEach(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'tm-check-'));
  });
  afterEach(() => rmSync(sandbox, { recursive: true, force: true }));

  it('describes the loaded configuration and the shipped libraries', () => {
    mkdirSync(join(sandbox, 'lib'));
    writeFileSync(join(sandbox, 'lib/udf.js'), '');
    const report = checkTaskManagerConf(createConfig({ 'taskmanager.numberOfTaskSlots': 2, 'taskmanager.rpc.port': 31000 }), sandbox);
    expect(report.lines).toEqual(expect.arrayContaining(['Task slots: 2', 'JobManager RPC address: localhost:6123', 'TaskManager RPC port: 31000', 'User libraries: udf.js']));
  });

  it('reports a missing configuration file and shipped files that are not in the sandbox', () => {
    const config = createConfig({ 'security.kerberos.login.keytab': 'security/krb5.keytab', 'security.kerberos.login.principal': 'a@B' });
    expect(checkTaskManagerConf(config, sandbox).problems).toEqual([
      expect.stringContaining('No configuration file was found'),
      "security.kerberos.login.keytab names 'security/krb5.keytab', which is not in the sandbox",
    ]);
  });
});
