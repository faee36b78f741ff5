// HTTPS when internal SSL and the artifact server's ssl.enabled are on: a self-signed certificate made by this test with the machine's openssl.
import { ConfigError } from '@mesoflow/config';
import { fetchTls, freePort } from '@mesoflow/testing';
import { execFileSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestArtifactServer, sha256, type TestArtifactServer } from './testing/test-server';

function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

// Internal TLS is what turns the artifact server's HTTPS on; its keystore and truststore are
// required by the registry but not read by the artifact server, which serves the PEM files.
const INTERNAL_TLS = {
  'security.ssl.internal.enabled': true,
  'security.ssl.internal.keystore': '/unused/keystore.p12',
  'security.ssl.internal.truststore': '/unused/truststore.p12',
} as const;

describe('artifact server over TLS', () => {
  let dir: string;
  let pem: { cert: string; key: string };
  let t: TestArtifactServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'artifact-tls-'));
    pem = selfSignedCertificate(dir);
    t = await startTestArtifactServer(await freePort(), {
      ...INTERNAL_TLS,
      'mesos.resourcemanager.artifactserver.ssl.enabled': true,
      'mesos.resourcemanager.artifactserver.ssl.cert': pem.cert,
      'mesos.resourcemanager.artifactserver.ssl.key': pem.key,
    });
  });

  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands out https URLs and serves them with the configured certificate', async () => {
    const response = await t.client.publish({ path: 'conf/app.properties', size: 5, sha256: sha256('a=b\n\n') }, Buffer.from('a=b\n\n'));
    expect(response.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/cluster-t\/conf\/app\.properties$/);
    expect(await fetchTls(response.url!, readFileSync(pem.cert))).toEqual({ status: 200, body: 'a=b\n\n' });
    expect((await fetchTls(`${t.server.httpUrl}/healthz`, readFileSync(pem.cert))).status).toBe(200);
  });

  it('does not talk plain HTTP on the TLS port', async () => {
    const plain = t.server.httpUrl.replace('https:', 'http:');
    const outcome = await new Promise<string>((resolve) => {
      httpGet(`${plain}/cluster-t/conf/app.properties`, (response) => resolve(`status ${response.statusCode}`)).on('error', () => resolve('error'));
    });
    expect(outcome).not.toBe('status 200');
  });

  it('refuses to start when SSL is enabled without a readable certificate', async () => {
    await expect(
      startTestArtifactServer(await freePort(), {
        ...INTERNAL_TLS,
        'mesos.resourcemanager.artifactserver.ssl.enabled': true,
        'mesos.resourcemanager.artifactserver.ssl.cert': join(dir, 'missing.pem'),
        'mesos.resourcemanager.artifactserver.ssl.key': pem.key,
      }),
    ).rejects.toThrow(ConfigError);
  });
});
