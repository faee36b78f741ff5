import { createConfig, type ConfigValues } from '@mesoflow/config';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@mesoflow/artifacts-client';
import { MemoryPublisher, TEST_ARTIFACT_BASE } from '../testing/memory-publisher';
import { DistributionOverlay } from './distribution-overlay';
import { ExtraUrisOverlay } from './extra-uris-overlay';
import { KerberosOverlay } from './kerberos-overlay';
import type { OverlayContext } from './overlay';
import { OverlayErrorCode } from './overlay-error';
import { SslOverlay } from './ssl-overlay';
import { TaskManagerConfOverlay } from './taskmanager-conf-overlay';
import { UserLibrariesOverlay } from './user-libraries-overlay';

let dir: string;
let publisher: MemoryPublisher;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'overlays-spec-'));
  publisher = new MemoryPublisher();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function context(values: ConfigValues = {}): OverlayContext {
  return { config: createConfig(values), taskId: 'taskmanager-00001', publisher };
}

function file(name: string, content: string, mode = 0o644): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content, { mode });
  return path;
}

describe('DistributionOverlay', () => {
  it('publishes one content-addressed archive, fetched through the cache and unpacked', async () => {
    const overlay = new DistributionOverlay([{ path: 'bin/mesos-taskmanager.sh', source: file('run.sh', '#!/bin/sh\n', 0o755) }]);
    const first = await overlay.contribute(context());
    const second = await overlay.contribute(context());

    const path = first.artifacts[0].path ?? '';
    expect(path).toMatch(/^dist\/mesoflow-[0-9a-f]{64}\.tar\.gz$/);
    expect(path).toBe(`dist/mesoflow-${sha256Hex(publisher.content(path)!)}.tar.gz`);
    expect(first.uris).toEqual([{ value: `${TEST_ARTIFACT_BASE}/${path}`, extract: true, cache: true, executable: false, output_file: path.slice('dist/'.length) }]);
    expect(second).toEqual(first);
    expect(first.artifacts[0]).toMatchObject({ overlay: 'distribution', secret: false, sandbox_path: 'mesoflow' });
  });

  it('ships nothing when TaskManagers run in a Docker image', async () => {
    const overlay = new DistributionOverlay([{ path: 'bin/x', source: file('x', 'x') }]);
    const docker = context({ 'mesos.resourcemanager.tasks.container.type': 'docker', 'mesos.resourcemanager.tasks.container.image.name': 'mesoflow:1' });
    expect(await overlay.contribute(docker)).toEqual({ uris: [], artifacts: [] });
    expect(publisher.uploads).toEqual([]);
  });

  it('names the file that cannot be read', async () => {
    const overlay = new DistributionOverlay([{ path: 'bin/x', source: join(dir, 'missing') }]);
    await expect(overlay.contribute(context())).rejects.toMatchObject({ code: OverlayErrorCode.UNSHIPPABLE_FILE, message: expect.stringContaining("'bin/x'") });
  });
});

describe('UserLibrariesOverlay', () => {
  it("fetches every file of lib/ into the sandbox's lib/, each under its checksum", async () => {
    file('lib/udfs.js', 'module.exports = 1;');
    file('lib/nested/more.js', 'module.exports = 2;');
    const { uris, artifacts } = await new UserLibrariesOverlay(join(dir, 'lib')).contribute(context());

    const sha = sha256Hex('module.exports = 2;');
    expect(uris).toEqual([
      { value: `${TEST_ARTIFACT_BASE}/lib/${sha}/nested/more.js`, extract: false, cache: true, executable: false, output_file: 'lib/nested/more.js' },
      { value: expect.stringMatching(/\/lib\/[0-9a-f]{64}\/udfs\.js$/), extract: false, cache: true, executable: false, output_file: 'lib/udfs.js' },
    ]);
    expect(artifacts.map((a) => [a.sandbox_path, a.secret])).toEqual([
      ['lib/nested/more.js', false],
      ['lib/udfs.js', false],
    ]);
  });

  it('rejects a file name the artifact server cannot serve, naming it', async () => {
    file('lib/my lib.js', 'x');
    await expect(new UserLibrariesOverlay(join(dir, 'lib')).contribute(context())).rejects.toThrow("'lib/my lib.js'");
  });

  it('ships nothing without a lib folder', async () => {
    expect(await new UserLibrariesOverlay(undefined).contribute(context())).toEqual({ uris: [], artifacts: [] });
  });
});

describe('KerberosOverlay', () => {
  it('ships the keytab as a secret and krb5.conf as a plain file, pointing the options at the sandbox copies', async () => {
    const keytab = file('etc/app.keytab', 'KEYTAB-BYTES');
    const krb5 = file('etc/krb5.conf', '[libdefaults]\n');
    const result = await new KerberosOverlay().contribute(
      context({ 'security.kerberos.login.keytab': keytab, 'security.kerberos.login.principal': 'mesoflow@EXAMPLE.COM', 'security.kerberos.krb5-conf.path': krb5 }),
    );

    expect(result.uris).toEqual([
      { value: expect.stringMatching(/\/secrets\/[0-9a-f]{64}\/krb5\.keytab\?expires=\d+&signature=\w+$/), extract: false, cache: false, executable: false, output_file: 'security/krb5.keytab' },
      { value: expect.stringMatching(/\/files\/[0-9a-f]{64}\/krb5\.conf$/), extract: false, cache: true, executable: false, output_file: 'security/krb5.conf' },
    ]);
    expect(result.confOverrides).toEqual({ 'security.kerberos.login.keytab': 'security/krb5.keytab', 'security.kerberos.krb5-conf.path': 'security/krb5.conf' });
    expect(publisher.uploads.map((u) => [u.content.toString(), u.secret])).toEqual([
      ['KEYTAB-BYTES', true],
      ['[libdefaults]\n', false],
    ]);
  });

  it('ships nothing when Kerberos is not configured', async () => {
    expect(await new KerberosOverlay().contribute(context())).toEqual({ uris: [], artifacts: [], confOverrides: {} });
  });
});

describe('SslOverlay', () => {
  const ssl = (): ConfigValues => ({
    'security.ssl.internal.enabled': true,
    'security.ssl.internal.keystore': file('tls/keystore.p12', 'KEYSTORE'),
    'security.ssl.internal.keystore-password': 'keystore-secret',
    'security.ssl.internal.truststore': file('tls/truststore.p12', 'TRUSTSTORE'),
    'security.ssl.internal.truststore-password': 'truststore-secret',
    'mesos.resourcemanager.artifactserver.ssl.enabled': false,
  });

  it('ships the keystore as a secret and the truststore, pointing the options at the sandbox copies', async () => {
    const result = await new SslOverlay().contribute(context(ssl()));
    expect(result.artifacts.map((a) => [a.sandbox_path, a.secret])).toEqual([
      ['security/internal.keystore.p12', true],
      ['security/internal.truststore.p12', false],
    ]);
    expect(result.uris[0].value).toMatch(/signature=/);
    expect(result.confOverrides).toEqual({ 'security.ssl.internal.keystore': 'security/internal.keystore.p12', 'security.ssl.internal.truststore': 'security/internal.truststore.p12' });
  });

  it('ships nothing while internal TLS is off', async () => {
    expect(await new SslOverlay().contribute(context())).toEqual({ uris: [], artifacts: [] });
  });
});

describe('ExtraUrisOverlay', () => {
  it('fetches the configured URIs as given, unpacking archives, uncached', async () => {
    const uris = ['http://repo/a.tar.gz?token=1', 'http://repo/', '/opt/files/b.txt'];
    const result = await new ExtraUrisOverlay().contribute(context({ 'mesos.resourcemanager.tasks.uris': uris }));
    expect(result.uris).toEqual([
      { value: uris[0], extract: true, cache: false, executable: false, output_file: 'a.tar.gz' },
      { value: uris[1], extract: true, cache: false, executable: false },
      { value: uris[2], extract: true, cache: false, executable: false },
    ]);
  });
});

describe('TaskManagerConfOverlay', () => {
  it('ships the inherited configuration with the overrides as a secret file fetched to conf/', async () => {
    const overlay = new TaskManagerConfOverlay();
    const result = await overlay.contribute(context({ 'taskmanager.numberOfTaskSlots': 3, 'mesos.resourcemanager.framework.principal': 'mesoflow', 'mesos.resourcemanager.framework.secret': 'framework-secret' }), {
      'taskmanager.rpc.port': 31001,
    });

    const [uri] = result.uris;
    expect(uri).toEqual({ value: expect.stringMatching(/\/secrets\/[0-9a-f]{64}\/mesoflow-conf\.yaml\?expires=/), extract: false, cache: false, executable: false, output_file: 'conf/mesoflow-conf.yaml' });
    const text = publisher.content(result.artifacts[0].path ?? '')!.toString();
    expect(text).toMatch(/^taskmanager\.numberOfTaskSlots: 3$/m);
    expect(text).toMatch(/^taskmanager\.rpc\.port: 31001$/m);
    // Master-only secrets stay on the master.
    expect(text).not.toContain('framework-secret');
  });

  it('refuses an override of a master-only option as a bad request', async () => {
    await expect(new TaskManagerConfOverlay().contribute(context(), { 'mesos.master': 'elsewhere:5050' })).rejects.toMatchObject({ code: OverlayErrorCode.INVALID_REQUEST });
  });
});
