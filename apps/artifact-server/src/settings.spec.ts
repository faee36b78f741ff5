import { ConfigError, createConfig, Duration, MemorySize, type ConfigValues } from '@mesoflow/config';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveArtifactServerConfig } from './settings';

const K = 'mesos.resourcemanager.artifactserver';
const minimal = { [`${K}.root`]: '/tmp/artifacts', [`${K}.grpc.port`]: 7070 } as const satisfies ConfigValues;
const internalTls = {
  'security.ssl.internal.enabled': true,
  'security.ssl.internal.keystore': '/unused/keystore.p12',
  'security.ssl.internal.truststore': '/unused/truststore.p12',
} as const satisfies ConfigValues;

function resolved(values: ConfigValues) {
  return resolveArtifactServerConfig(createConfig(values, { service: 'artifact-server' }));
}

describe('resolveArtifactServerConfig', () => {
  it('applies the defaults', () => {
    const config = resolved(minimal);
    expect(config).toEqual(
      expect.objectContaining({
        port: 0,
        tls: undefined,
        bindHost: '0.0.0.0',
        advertisedHost: hostname(),
        grpcPort: 7070,
        root: '/tmp/artifacts',
        prefix: 'mesoflow',
        signingKeyConfigured: false,
        maxArtifactSize: 4 * 1024 ** 3,
        signedUrlTtlSeconds: 3600,
        signedUrlMaxTtlSeconds: 7 * 24 * 3600,
        localRoots: [],
      }),
    );
    expect(config.signingKey).toHaveLength(32);
  });

  it('takes typed values from the configuration', () => {
    const config = resolved({
      ...minimal,
      [`${K}.root`]: 'relative/root',
      [`${K}.advertised-host`]: 'agents.example.org',
      [`${K}.url-signing-key`]: 'k'.repeat(40),
      [`${K}.max-artifact-size`]: MemorySize.of(512, 'm'),
      [`${K}.signed-url.ttl`]: Duration.of(10, 'min'),
      [`${K}.signed-url.max-ttl`]: Duration.of(1, 'd'),
      [`${K}.local-roots`]: ['/srv/a', '/srv/b'],
    });
    expect(config).toEqual(
      expect.objectContaining({
        root: join(process.cwd(), 'relative/root'),
        advertisedHost: 'agents.example.org',
        signingKey: Buffer.from('k'.repeat(40)),
        signingKeyConfigured: true,
        maxArtifactSize: 512 * 1024 ** 2,
        signedUrlTtlSeconds: 600,
        signedUrlMaxTtlSeconds: 86_400,
        localRoots: ['/srv/a', '/srv/b'],
      }),
    );
  });

  it('serves HTTPS only when internal SSL is enabled too, reading the PEM files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'artifact-settings-'));
    try {
      writeFileSync(join(dir, 'cert.pem'), 'CERT');
      writeFileSync(join(dir, 'key.pem'), 'KEY');
      const pem = { [`${K}.ssl.cert`]: join(dir, 'cert.pem'), [`${K}.ssl.key`]: join(dir, 'key.pem') } as const;
      expect(resolved({ ...minimal, ...pem, [`${K}.ssl.enabled`]: true }).tls).toBeUndefined();
      expect(resolved({ ...minimal, ...internalTls, ...pem }).tls).toEqual({ cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
      expect(resolved({ ...minimal, ...internalTls, [`${K}.ssl.enabled`]: false }).tls).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unreadable certificate, naming the key', () => {
    const values = { ...minimal, ...internalTls, [`${K}.ssl.cert`]: '/nonexistent/cert.pem', [`${K}.ssl.key`]: '/nonexistent/key.pem' };
    expect(() => resolved(values)).toThrow(ConfigError);
    expect(() => resolved(values)).toThrow(/mesos\.resourcemanager\.artifactserver\.ssl\.cert: '\/nonexistent\/cert\.pem' cannot be read/);
  });

  it('refuses a configuration without the root or gRPC port, even one not loaded for the artifact server', () => {
    expect(() => resolveArtifactServerConfig(createConfig({ [`${K}.grpc.port`]: 7070 }))).toThrow(
      /mesos\.resourcemanager\.artifactserver\.root: required by the artifact-server/,
    );
    expect(() => resolveArtifactServerConfig(createConfig({ [`${K}.root`]: '/tmp/a' }))).toThrow(
      /mesos\.resourcemanager\.artifactserver\.grpc\.port: required by the artifact-server/,
    );
  });

  // The registry checks the values themselves; these are the artifact server's cases of it.
  it.each<[string, ConfigValues, string]>([
    ['a missing root', { [`${K}.grpc.port`]: 7070 }, `${K}.root`],
    ['a missing gRPC port', { [`${K}.root`]: '/tmp/a' }, `${K}.grpc.port`],
    ['a gRPC port of 0', { ...minimal, [`${K}.grpc.port`]: 0 }, `${K}.grpc.port`],
    ['a port out of range', { ...minimal, [`${K}.port`]: 70_000 }, `${K}.port`],
    ['a prefix with a slash', { ...minimal, [`${K}.prefix`]: 'a/b' }, `${K}.prefix`],
    ['a prefix of ..', { ...minimal, [`${K}.prefix`]: '..' }, `${K}.prefix`],
    ['a short signing key', { ...minimal, [`${K}.url-signing-key`]: 'short' }, `${K}.url-signing-key`],
    ['SSL without files', { ...minimal, ...internalTls, [`${K}.ssl.enabled`]: true }, `${K}.ssl.cert`],
    ['a relative local root', { ...minimal, [`${K}.local-roots`]: ['relative/dir'] }, `${K}.local-roots`],
    ['an empty artifact size', { ...minimal, [`${K}.max-artifact-size`]: MemorySize.of(0, 'b') }, `${K}.max-artifact-size`],
    [
      'a TTL above the maximum',
      { ...minimal, [`${K}.signed-url.ttl`]: Duration.of(100, 's'), [`${K}.signed-url.max-ttl`]: Duration.of(10, 's') },
      `${K}.signed-url.ttl`,
    ],
  ])('refuses %s, naming the key', (_name, values, key) => {
    let error: unknown;
    try {
      resolved(values);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key)).toContain(key);
  });

  it('never puts the signing key in an error message', () => {
    const key = 'tiny-secret';
    let message = '';
    try {
      resolved({ ...minimal, [`${K}.url-signing-key`]: key });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('url-signing-key');
    expect(message).not.toContain(key);
  });
});
