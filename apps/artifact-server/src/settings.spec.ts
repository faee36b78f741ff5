import { ArtifactSettingsError, resolveArtifactServerSettings, type ArtifactServerSettings } from './settings';

const K = 'mesos.resourcemanager.artifactserver';
const minimal: ArtifactServerSettings = { [`${K}.root`]: '/tmp/artifacts', [`${K}.grpc.port`]: 7070 };

describe('resolveArtifactServerSettings', () => {
  it('applies the defaults', () => {
    const config = resolveArtifactServerSettings(minimal);
    expect(config).toEqual(
      expect.objectContaining({
        port: 0,
        tls: undefined,
        bindHost: '0.0.0.0',
        grpcPort: 7070,
        root: '/tmp/artifacts',
        prefix: 'mesoflow',
        signingKeyConfigured: false,
        maxArtifactSize: 4 * 1024 ** 3,
        signedUrlTtlSeconds: 3600,
        localRoots: [],
      }),
    );
    expect(config.signingKey).toHaveLength(32);
  });

  it.each<[string, ArtifactServerSettings]>([
    ['a port out of range', { ...minimal, [`${K}.port`]: 70_000 }],
    ['a missing root', { [`${K}.grpc.port`]: 7070 }],
    ['a missing gRPC port', { [`${K}.root`]: '/tmp/a' }],
    ['a prefix with a slash', { ...minimal, [`${K}.prefix`]: 'a/b' }],
    ['a prefix of ..', { ...minimal, [`${K}.prefix`]: '..' }],
    ['a short signing key', { ...minimal, [`${K}.signing-key`]: 'short' }],
    ['SSL without files', { ...minimal, [`${K}.ssl.enabled`]: true }],
    ['a relative local root', { ...minimal, [`${K}.local-roots`]: 'relative/dir' }],
    ['a TTL above the maximum', { ...minimal, [`${K}.signed-url.ttl`]: 100, [`${K}.signed-url.max-ttl`]: 10 }],
  ])('refuses %s, naming the key', (_name, settings) => {
    expect(() => resolveArtifactServerSettings(settings)).toThrow(ArtifactSettingsError);
    expect(() => resolveArtifactServerSettings(settings)).toThrow(/Setting 'mesos\.resourcemanager\.artifactserver\./);
  });

  it('never puts the signing key in an error message', () => {
    const key = 'tiny-secret';
    let message = '';
    try {
      resolveArtifactServerSettings({ ...minimal, [`${K}.signing-key`]: key });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('signing-key');
    expect(message).not.toContain(key);
  });
});
