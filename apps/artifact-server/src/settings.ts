import {
  ConfigError,
  ConfigErrorCode,
  optionDefinition,
  type ConfigKey,
  type ConfigProblem,
  type ConfigSetValue,
  type MesoflowConfig,
} from '@mesoflow/config';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

/** The artifact server's settings resolved from the configuration: defaults applied, files read. */
export interface ArtifactServerConfig {
  port: number;
  tls: { cert: Buffer; key: Buffer } | undefined;
  bindHost: string;
  advertisedHost: string;
  grpcPort: number;
  root: string;
  prefix: string;
  signingKey: Buffer;
  /** False when the key was generated at start (signed URLs do not survive a restart). */
  signingKeyConfigured: boolean;
  maxArtifactSize: number;
  signedUrlTtlSeconds: number;
  signedUrlMaxTtlSeconds: number;
  localRoots: string[];
}

function invalid(problem: ConfigProblem): ConfigError {
  return new ConfigError(ConfigErrorCode.INVALID_CONFIGURATION, [problem]);
}

// loadConfig({ service: 'artifact-server' }) already refuses these when unset; a config made
// for another service (or none) reaches here without them.
function required<K extends ConfigKey>(config: MesoflowConfig, key: K): ConfigSetValue<K> {
  const value = config.get(key);
  if (value !== undefined) return value as ConfigSetValue<K>;
  const expected = optionDefinition(key).expected;
  throw invalid({ kind: 'missing', key, expected, message: `${key}: required by the artifact-server (expected ${expected})` });
}

function readPem(config: MesoflowConfig, key: 'mesos.resourcemanager.artifactserver.ssl.cert' | 'mesos.resourcemanager.artifactserver.ssl.key'): Buffer {
  const path = config.get(key);
  const expected = 'a readable PEM file, because HTTPS is enabled';
  if (path === undefined) throw invalid({ kind: 'missing', key, expected, message: `${key}: required when HTTPS is enabled (expected ${expected})` });
  try {
    return readFileSync(path);
  } catch (error) {
    const source = config.source(key);
    throw invalid({
      kind: 'invalid-value',
      key,
      value: path,
      expected,
      ...(source === undefined ? {} : { source }),
      message: `${key}: '${path}' cannot be read: ${(error as Error).message}`,
    });
  }
}

/**
 * The artifact server's settings from `config`, whose values the registry has checked already.
 * HTTPS is on when both `security.ssl.internal.enabled` and the artifact server's `ssl.enabled`
 * are (the registry's rule, as in Flink). Throws a {@link ConfigError} when a TLS file cannot
 * be read or a required option is missing.
 */
export function resolveArtifactServerConfig(config: MesoflowConfig): ArtifactServerConfig {
  const K = 'mesos.resourcemanager.artifactserver';
  const https = config.get('security.ssl.internal.enabled') && config.get(`${K}.ssl.enabled`);
  const key = config.get(`${K}.url-signing-key`);
  return {
    port: config.get(`${K}.port`),
    tls: https ? { cert: readPem(config, `${K}.ssl.cert`), key: readPem(config, `${K}.ssl.key`) } : undefined,
    bindHost: config.get(`${K}.bind-host`),
    advertisedHost: config.get(`${K}.advertised-host`) ?? hostname(),
    grpcPort: required(config, `${K}.grpc.port`),
    root: resolve(required(config, `${K}.root`)),
    prefix: config.get(`${K}.prefix`),
    signingKey: key === undefined ? randomBytes(32) : Buffer.from(key, 'utf8'),
    signingKeyConfigured: key !== undefined,
    maxArtifactSize: config.get(`${K}.max-artifact-size`).bytes,
    signedUrlTtlSeconds: Math.floor(config.get(`${K}.signed-url.ttl`).seconds),
    signedUrlMaxTtlSeconds: Math.floor(config.get(`${K}.signed-url.max-ttl`).seconds),
    localRoots: config.get(`${K}.local-roots`).map((entry) => resolve(entry)),
  };
}
