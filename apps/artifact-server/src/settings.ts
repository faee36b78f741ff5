import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

/**
 * The artifact server's settings, keyed by their configuration-registry names (the first four
 * are Flink's). The configuration library fills this in; the server reads nothing else.
 */
export interface ArtifactServerSettings {
  /** HTTP(S) port for fetchers; 0 picks a free one. @default 0 */
  'mesos.resourcemanager.artifactserver.port'?: number;
  /** Serve HTTPS instead of HTTP. @default false */
  'mesos.resourcemanager.artifactserver.ssl.enabled'?: boolean;
  /** PEM certificate (chain) file; required when SSL is enabled. */
  'mesos.resourcemanager.artifactserver.ssl.cert'?: string;
  /** PEM private key file; required when SSL is enabled. */
  'mesos.resourcemanager.artifactserver.ssl.key'?: string;
  /** Address the HTTP(S) and gRPC ports bind. @default '0.0.0.0' */
  'mesos.resourcemanager.artifactserver.bind-host'?: string;
  /** Host name put in artifact URLs (what agents can resolve). @default this machine's host name */
  'mesos.resourcemanager.artifactserver.advertised-host'?: string;
  /** gRPC port for publishing. Required (grpc-js cannot report a picked port). */
  'mesos.resourcemanager.artifactserver.grpc.port'?: number;
  /** Folder that holds the published artifacts (created if missing). Required. */
  'mesos.resourcemanager.artifactserver.root'?: string;
  /** First URL path segment, naming the cluster, e.g. `mesoflow-1a2b`. @default 'mesoflow' */
  'mesos.resourcemanager.artifactserver.prefix'?: string;
  /** Key for signed URLs (sensitive; at least 32 characters). @default random per start */
  'mesos.resourcemanager.artifactserver.signing-key'?: string;
  /** Largest artifact accepted, in bytes. @default 4 GiB */
  'mesos.resourcemanager.artifactserver.max-artifact-size'?: number;
  /** Validity of a signed URL when the caller does not say, in seconds. @default 3600 */
  'mesos.resourcemanager.artifactserver.signed-url.ttl'?: number;
  /** Longest validity of a signed URL, in seconds. @default 604800 (7 days) */
  'mesos.resourcemanager.artifactserver.signed-url.max-ttl'?: number;
  /** Folders whose files `PublishFile` may publish (comma-separated). @default none: disabled */
  'mesos.resourcemanager.artifactserver.local-roots'?: string;
}

/** The settings resolved: defaults applied, values checked, files read. */
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

/** A setting with a wrong value; the message names the key, the value and what was expected. */
export class ArtifactSettingsError extends Error {
  override readonly name = 'ArtifactSettingsError';

  constructor(
    readonly key: keyof ArtifactServerSettings,
    message: string,
  ) {
    super(message);
  }
}

const KEY = 'mesos.resourcemanager.artifactserver';
const PREFIX_PATTERN = /^[A-Za-z0-9._~-]+$/;

function fail(key: keyof ArtifactServerSettings, value: unknown, expected: string): never {
  throw new ArtifactSettingsError(key, `Setting '${key}' is ${JSON.stringify(value)}; expected ${expected}`);
}

function port(settings: ArtifactServerSettings, key: keyof ArtifactServerSettings, fallback?: number): number {
  const value = settings[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65_535) fail(key, value, 'a port number in 0..65535');
  return value;
}

function positive(settings: ArtifactServerSettings, key: keyof ArtifactServerSettings, fallback: number): number {
  const value = settings[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) fail(key, value, 'a positive integer');
  return value;
}

function readPem(key: keyof ArtifactServerSettings, path: string | undefined): Buffer {
  if (path === undefined || path === '') fail(key, path, 'a PEM file path, because SSL is enabled');
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ArtifactSettingsError(key, `Setting '${key}' names '${path}', which cannot be read: ${(error as Error).message}`);
  }
}

/** Applies defaults, checks every value and reads the TLS files; throws on the first wrong one. */
export function resolveArtifactServerSettings(settings: ArtifactServerSettings): ArtifactServerConfig {
  const sslEnabled = settings[`${KEY}.ssl.enabled`] ?? false;
  const tls = sslEnabled
    ? { cert: readPem(`${KEY}.ssl.cert`, settings[`${KEY}.ssl.cert`]), key: readPem(`${KEY}.ssl.key`, settings[`${KEY}.ssl.key`]) }
    : undefined;
  const root = settings[`${KEY}.root`];
  if (root === undefined || root === '') fail(`${KEY}.root`, root, 'a folder path');
  const prefix = settings[`${KEY}.prefix`] ?? 'mesoflow';
  if (!PREFIX_PATTERN.test(prefix) || prefix === '.' || prefix === '..') fail(`${KEY}.prefix`, prefix, "one URL path segment of letters, digits and '._~-'");
  const key = settings[`${KEY}.signing-key`];
  if (key !== undefined && key.length < 32) throw new ArtifactSettingsError(`${KEY}.signing-key`, `Setting '${KEY}.signing-key' is too short; expected at least 32 characters`);
  const ttl = positive(settings, `${KEY}.signed-url.ttl`, 3_600);
  const maxTtl = positive(settings, `${KEY}.signed-url.max-ttl`, 7 * 24 * 3_600);
  if (ttl > maxTtl) fail(`${KEY}.signed-url.ttl`, ttl, `at most '${KEY}.signed-url.max-ttl' (${maxTtl})`);
  const localRoots = (settings[`${KEY}.local-roots`] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of localRoots) if (!isAbsolute(entry)) fail(`${KEY}.local-roots`, settings[`${KEY}.local-roots`], 'absolute folder paths, comma-separated');
  if (settings[`${KEY}.grpc.port`] === undefined) fail(`${KEY}.grpc.port`, undefined, 'a port number in 1..65535');
  return {
    port: port(settings, `${KEY}.port`, 0),
    tls,
    bindHost: settings[`${KEY}.bind-host`] ?? '0.0.0.0',
    advertisedHost: settings[`${KEY}.advertised-host`] ?? hostname(),
    grpcPort: port(settings, `${KEY}.grpc.port`),
    root: resolve(root),
    prefix,
    signingKey: key === undefined ? randomBytes(32) : Buffer.from(key, 'utf8'),
    signingKeyConfigured: key !== undefined,
    maxArtifactSize: positive(settings, `${KEY}.max-artifact-size`, 4 * 1024 ** 3),
    signedUrlTtlSeconds: ttl,
    signedUrlMaxTtlSeconds: maxTtl,
    localRoots: localRoots.map((entry) => resolve(entry)),
  };
}
