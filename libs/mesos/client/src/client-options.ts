import type { MesosMediaType } from '@mesoflow/mesos-codec';
import type { mesos } from '@mesoflow/proto';
import pino, { type Logger } from 'pino';
import type { JitterMode } from './backoff';
import { MesosClientError, MesosClientErrorCode } from './errors';
import { parseMasterAddress, type MasterAddress } from './master-address';
import type { MasterDetector } from './master-detector';
import type { ZooKeeperMasterAddress } from './master-address';
import type { ZooKeeperPort } from './zookeeper-port';

/** HTTP basic credentials for the master's `mesos-master-scheduler` realm. */
export interface MesosCredential {
  principal: string;
  /** Never logged. */
  secret: string;
}

/** Reconnect delays: capped exponential growth with jitter. */
export interface BackoffOptions {
  /**
   * First delay ceiling in ms (the C++ scheduler library waits up to 500 ms before connecting).
   * @default 500
   */
  initialMs?: number;
  /**
   * Largest delay in ms (Mesos' docs suggest capping at about 15 s).
   * @default 15000
   */
  maxMs?: number;
  /**
   * Growth per attempt, at least 1.
   * @default 2
   */
  multiplier?: number;
  /**
   * `full` or `decorrelated` jitter; see {@link JitterMode}.
   * @default 'full'
   */
  jitter?: JitterMode;
}

/** TLS settings for `https://` masters (passed to the `https.Agent`s). */
export interface MesosTlsOptions {
  /** Trusted CA certificates (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (PEM). */
  cert?: string | Buffer;
  /** Client private key (PEM). Never logged. */
  key?: string | Buffer;
  /** @default true */
  rejectUnauthorized?: boolean;
}

/** Options of {@link MesosSchedulerClient}, as callers write them. */
export interface MesosSchedulerClientOptions {
  /**
   * Where the master is: `host:port`, `http(s)://host:port[/path]`, or
   * `zk://[user:pass@]host:port[,host:port…]/path` (leader detected through ZooKeeper).
   */
  master: string;
  /** The framework to subscribe; `user` and `name` are required. Its `id` is managed by the client. */
  frameworkInfo: mesos.v1.FrameworkInfo.$Properties;
  /**
   * The framework ID to re-subscribe with (failover after a scheduler restart). Without it the
   * first SUBSCRIBE registers a new framework; either way the client keeps the ID it gets from
   * SUBSCRIBED and re-subscribes with it on every reconnect.
   */
  frameworkId?: string;
  /** Roles whose offers are suppressed from the start (`Call.Subscribe.suppressed_roles`). */
  suppressedRoles?: string[];
  /** Offer constraints sent with SUBSCRIBE. */
  offerConstraints?: mesos.v1.scheduler.OfferConstraints.$Properties;
  /**
   * Body encoding of calls and events.
   * @default 'application/json' (Mesos' default)
   */
  mediaType?: MesosMediaType;
  /** HTTP basic credentials, sent with SUBSCRIBE and every call. */
  credential?: MesosCredential;
  /** Reconnect delays. */
  backoff?: BackoffOptions;
  /**
   * Reconnect when no event arrived for this many heartbeat intervals after SUBSCRIBED.
   * @default 5 (Mesos' guidance)
   */
  missedHeartbeats?: number;
  /**
   * Time for a call's answer, in ms; a call that takes longer fails with `CALL_FAILED`.
   * @default 75000 (Mesos' docs suggest the liveness timeout, 75 s)
   */
  callTimeoutMs?: number;
  /**
   * Time from sending SUBSCRIBE to the answer's headers, in ms; then the attempt is abandoned
   * and retried with backoff.
   * @default 10000
   */
  subscribeTimeoutMs?: number;
  /**
   * 307 redirects followed per SUBSCRIBE attempt before backing off.
   * @default 5
   */
  maxRedirects?: number;
  /**
   * Most pooled keep-alive connections for calls (per scheme). Calls beyond it queue.
   * @default 32
   */
  maxCallConnections?: number;
  /**
   * ZooKeeper session timeout in ms, for `zk://` masters (Mesos' detector uses 10 s).
   * @default 10000
   */
  zooKeeperSessionTimeoutMs?: number;
  /**
   * Scheme of the endpoint built from the address that ZooKeeper names.
   * @default 'http'
   */
  detectedMasterScheme?: 'http' | 'https';
  /** TLS settings for `https://` masters. */
  tls?: MesosTlsOptions;
  /**
   * Logger; the client logs sentences about connecting, redirects, reconnects and leader changes.
   * @default a silent logger
   */
  logger?: Logger;
  /**
   * Builds the ZooKeeper session for `zk://` masters; for tests and for sharing a session.
   * @default a node-zookeeper-client session
   */
  zooKeeperFactory?: (address: ZooKeeperMasterAddress, sessionTimeoutMs: number, logger: Logger) => ZooKeeperPort;
  /** Replaces master detection altogether (the `master` string is still validated). */
  detector?: MasterDetector;
  /** Source of uniform randoms in [0, 1) for jitter; for tests. @default Math.random */
  random?: () => number;
}

/** {@link MesosSchedulerClientOptions} with defaults applied and every value checked. */
export interface CompiledClientOptions {
  master: MasterAddress;
  /** The `master` string with credentials masked, for messages. */
  masterText: string;
  frameworkInfo: mesos.v1.FrameworkInfo.$Properties;
  frameworkId: string | undefined;
  suppressedRoles: string[];
  offerConstraints: mesos.v1.scheduler.OfferConstraints.$Properties | undefined;
  mediaType: MesosMediaType;
  credential: MesosCredential | undefined;
  backoff: Required<BackoffOptions>;
  missedHeartbeats: number;
  callTimeoutMs: number;
  subscribeTimeoutMs: number;
  maxRedirects: number;
  maxCallConnections: number;
  zooKeeperSessionTimeoutMs: number;
  detectedMasterScheme: 'http' | 'https';
  tls: MesosTlsOptions;
  logger: Logger;
  zooKeeperFactory: MesosSchedulerClientOptions['zooKeeperFactory'];
  detector: MasterDetector | undefined;
  random: () => number;
}

/** The defaults of {@link MesosSchedulerClientOptions}, in one place. */
export const CLIENT_DEFAULTS = {
  mediaType: 'application/json',
  backoff: { initialMs: 500, maxMs: 15_000, multiplier: 2, jitter: 'full' },
  missedHeartbeats: 5,
  callTimeoutMs: 75_000,
  subscribeTimeoutMs: 10_000,
  maxRedirects: 5,
  maxCallConnections: 32,
  zooKeeperSessionTimeoutMs: 10_000,
  detectedMasterScheme: 'http',
} as const satisfies Partial<Record<keyof MesosSchedulerClientOptions, unknown>>;

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/**
 * Applies defaults to raw options and validates them all, so one error lists every problem.
 * @throws MesosClientError with code `INVALID_OPTION` (or `INVALID_MASTER_ADDRESS`), naming
 *   each key, its value and what was expected.
 */
export function compileClientOptions(raw: MesosSchedulerClientOptions): CompiledClientOptions {
  const problems: string[] = [];
  const problem = (key: string, value: unknown, expected: string): void => {
    problems.push(`option '${key}' is ${show(value)}; expected ${expected}`);
  };
  const integer = (key: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problem(key, value, `an integer from ${min} to ${max}`);
    }
    return value;
  };
  const finite = (key: string, value: number, min: number, minText: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) problem(key, value, minText);
    return value;
  };
  if (raw === null || typeof raw !== 'object') {
    throw new MesosClientError(MesosClientErrorCode.INVALID_OPTION, `Options are ${show(raw)}; expected an object`);
  }

  let master: MasterAddress | undefined;
  try {
    master = parseMasterAddress(raw.master);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }

  const frameworkInfo = raw.frameworkInfo;
  if (frameworkInfo === null || typeof frameworkInfo !== 'object') {
    problem('frameworkInfo', frameworkInfo, 'a FrameworkInfo object with user and name');
  } else {
    if (typeof frameworkInfo.user !== 'string') {
      problem('frameworkInfo.user', frameworkInfo.user, 'a string (the Unix user tasks run as)');
    }
    if (typeof frameworkInfo.name !== 'string' || frameworkInfo.name === '') {
      problem('frameworkInfo.name', frameworkInfo.name, 'a non-empty string');
    }
  }
  const frameworkId = raw.frameworkId ?? (frameworkInfo?.id?.value || undefined);
  if (frameworkId !== undefined && (typeof frameworkId !== 'string' || frameworkId === '')) {
    problem('frameworkId', frameworkId, 'a non-empty string or nothing');
  }
  if (raw.frameworkId !== undefined && frameworkInfo?.id?.value && frameworkInfo.id.value !== raw.frameworkId) {
    problem('frameworkInfo.id', frameworkInfo.id.value, `the same ID as frameworkId ('${raw.frameworkId}') or nothing`);
  }
  const suppressedRoles = raw.suppressedRoles ?? [];
  if (!Array.isArray(suppressedRoles) || suppressedRoles.some((role) => typeof role !== 'string')) {
    problem('suppressedRoles', suppressedRoles, 'an array of role names');
  }

  const mediaType = raw.mediaType ?? CLIENT_DEFAULTS.mediaType;
  if (mediaType !== 'application/json' && mediaType !== 'application/x-protobuf') {
    problem('mediaType', mediaType, "'application/json' or 'application/x-protobuf'");
  }

  const credential = raw.credential;
  if (credential !== undefined) {
    if (credential === null || typeof credential !== 'object') {
      problem('credential', '(hidden)', 'an object with principal and secret');
    } else {
      if (typeof credential.principal !== 'string' || credential.principal === '' || credential.principal.includes(':')) {
        problem('credential.principal', credential.principal, "a non-empty string without ':'");
      }
      // The secret itself never appears in a message.
      if (typeof credential.secret !== 'string' || credential.secret.includes(':')) {
        problems.push("option 'credential.secret' is invalid; expected a string without ':' (Mesos splits on it)");
      }
    }
  }

  const rawBackoff = raw.backoff ?? {};
  const backoff: Required<BackoffOptions> = {
    initialMs: finite('backoff.initialMs', rawBackoff.initialMs ?? CLIENT_DEFAULTS.backoff.initialMs, 0, 'a number ≥ 0 (ms)'),
    maxMs: finite('backoff.maxMs', rawBackoff.maxMs ?? CLIENT_DEFAULTS.backoff.maxMs, 0, 'a number ≥ 0 (ms)'),
    multiplier: finite('backoff.multiplier', rawBackoff.multiplier ?? CLIENT_DEFAULTS.backoff.multiplier, 1, 'a number ≥ 1'),
    jitter: rawBackoff.jitter ?? CLIENT_DEFAULTS.backoff.jitter,
  };
  if (backoff.jitter !== 'full' && backoff.jitter !== 'decorrelated') {
    problem('backoff.jitter', backoff.jitter, "'full' or 'decorrelated'");
  }
  if (backoff.maxMs < backoff.initialMs) {
    problem('backoff.maxMs', backoff.maxMs, `a number ≥ backoff.initialMs (${backoff.initialMs})`);
  }

  const missedHeartbeats = finite(
    'missedHeartbeats',
    raw.missedHeartbeats ?? CLIENT_DEFAULTS.missedHeartbeats,
    1,
    'a number ≥ 1 (heartbeat intervals)',
  );
  const callTimeoutMs = integer('callTimeoutMs', raw.callTimeoutMs ?? CLIENT_DEFAULTS.callTimeoutMs, 1);
  const subscribeTimeoutMs = integer('subscribeTimeoutMs', raw.subscribeTimeoutMs ?? CLIENT_DEFAULTS.subscribeTimeoutMs, 1);
  const maxRedirects = integer('maxRedirects', raw.maxRedirects ?? CLIENT_DEFAULTS.maxRedirects, 0, 100);
  const maxCallConnections = integer('maxCallConnections', raw.maxCallConnections ?? CLIENT_DEFAULTS.maxCallConnections, 1, 10_000);
  const zooKeeperSessionTimeoutMs = integer(
    'zooKeeperSessionTimeoutMs',
    raw.zooKeeperSessionTimeoutMs ?? CLIENT_DEFAULTS.zooKeeperSessionTimeoutMs,
    1,
  );
  const detectedMasterScheme = raw.detectedMasterScheme ?? CLIENT_DEFAULTS.detectedMasterScheme;
  if (detectedMasterScheme !== 'http' && detectedMasterScheme !== 'https') {
    problem('detectedMasterScheme', detectedMasterScheme, "'http' or 'https'");
  }
  for (const key of ['zooKeeperFactory', 'random'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'function') problem(key, raw[key], 'a function');
  }
  if (raw.detector !== undefined && (typeof raw.detector?.start !== 'function' || typeof raw.detector?.close !== 'function')) {
    problem('detector', '(object)', 'a MasterDetector with start() and close()');
  }

  if (problems.length > 0 || master === undefined) {
    throw new MesosClientError(
      problems.length === 1 && master === undefined
        ? MesosClientErrorCode.INVALID_MASTER_ADDRESS
        : MesosClientErrorCode.INVALID_OPTION,
      `Invalid Mesos client options: ${problems.join('; ')}`,
    );
  }
  return {
    master,
    masterText: master.kind === 'zookeeper' ? `zk://${master.connectString}${master.path}` : master.endpoint,
    frameworkInfo,
    frameworkId,
    suppressedRoles: [...suppressedRoles],
    offerConstraints: raw.offerConstraints,
    mediaType,
    credential,
    backoff,
    missedHeartbeats,
    callTimeoutMs,
    subscribeTimeoutMs,
    maxRedirects,
    maxCallConnections,
    zooKeeperSessionTimeoutMs,
    detectedMasterScheme,
    tls: raw.tls ?? {},
    logger: raw.logger ?? pino({ level: 'silent' }),
    zooKeeperFactory: raw.zooKeeperFactory,
    detector: raw.detector,
    random: raw.random ?? Math.random,
  };
}
