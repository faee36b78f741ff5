import { mkdtemp } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { loadCredentialsFile, type Credential } from './credentials';
import { LocalMesosError, LocalMesosErrorCode } from './errors';
import { parseAttributeText, parseResourceText, type Attribute } from './resources/resource-text';
import type { Resources } from './resources/resources';
import { parseZooKeeperUrl, type ZooKeeperUrl } from './zk/session';

/** The resources of an agent when neither the cluster nor the agent says otherwise. */
export const DEFAULT_AGENT_RESOURCES = 'cpus:4;mem:8192;disk:20000;ports:[31000-32000]';

/** One agent's overrides of the cluster-wide agent settings. */
export interface AgentSpec {
  /** Resource text replacing the cluster's `resources`, e.g. `cpus:2;mem:1024`. */
  resources?: string;
  /** Attribute text replacing the cluster's `attributes`, e.g. `rack:r2`. */
  attributes?: string;
  /** The agent's hostname. @default the master's advertised hostname */
  hostname?: string;
}

/** Options of {@link startLocalMesos}. */
export interface LocalMesosOptions {
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Hostname advertised in MasterInfo, offers and redirects. @default `host` (`127.0.0.1` for a wildcard host) */
  hostname?: string;
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** How many agents, or one spec per agent. */
  agents: number | AgentSpec[];
  /** Mesos resource text of every agent, e.g. `cpus:4;mem:8192;disk:20000;ports:[31000-32000]`. @default {@link DEFAULT_AGENT_RESOURCES} */
  resources?: string;
  /** Mesos attribute text of every agent, e.g. `rack:r1;zone:z2`. @default '' */
  attributes?: string;
  /** Batch allocation period. @default 1000 */
  allocationIntervalMs?: number;
  /** Rescind offers not used within this long. @default never */
  offerTimeoutMs?: number;
  /** Heartbeat period, reported in SUBSCRIBED. @default 15 */
  heartbeatIntervalSeconds?: number;
  /**
   * Enables HTTP basic authentication of schedulers: the principals, or the path of a file in
   * Mesos' credentials format. @default authentication off
   */
  credentials?: Credential[] | string;
  /**
   * Contend for leadership in ZooKeeper, e.g. `zk://127.0.0.1:2181/mesos`: the master whose
   * `json.info_` node has the lowest sequence leads; the others redirect schedulers to it.
   * @default no ZooKeeper (always the leader)
   */
  zk?: string;
  /** Root of the agents' work dirs (sandboxes) and the fetcher cache; relative to the cwd. @default a new temporary folder */
  workDir?: string;
  /** Where logs go. @default a silent logger */
  logger?: Logger;
  /** First status update retry. Mesos: 10 s. @default 10000 */
  statusUpdateRetryMs?: number;
  /** Longest status update retry interval. Mesos: 10 min. @default 600000 */
  statusUpdateMaxRetryMs?: number;
  /** Agent ping period (`--agent_ping_timeout`). @default 15000 */
  agentPingTimeoutMs?: number;
  /** Missed pings before an agent is unreachable (`--max_agent_ping_timeouts`). @default 5 */
  maxAgentPingTimeouts?: number;
  /** How long a failed-over master waits for agents (`--agent_reregister_timeout`). @default 600000 */
  agentReregisterTimeoutMs?: number;
  /** How long agents take to re-register with a failed-over master. @default 0 */
  agentReregisterDelayMs?: number;
}

/** One agent, resolved. */
export interface ResolvedAgent {
  hostname: string;
  resources: Resources;
  attributes: Attribute[];
}

/** {@link LocalMesosOptions} with defaults applied and every value checked. */
export interface ResolvedOptions {
  host: string;
  hostname: string;
  ip: string;
  port: number;
  agents: ResolvedAgent[];
  allocationIntervalMs: number;
  offerTimeoutMs: number | null;
  heartbeatIntervalSeconds: number;
  credentials: Credential[] | null;
  zk: ZooKeeperUrl | null;
  zkText: string | null;
  workDir: string;
  logger: Logger;
  statusUpdateRetryMs: number;
  statusUpdateMaxRetryMs: number;
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  agentReregisterTimeoutMs: number;
  agentReregisterDelayMs: number;
  /** The resolved settings as Mesos-style flags, for `/state`. */
  flags: Record<string, string>;
}

/**
 * Applies defaults and validates every option at once.
 * @throws LocalMesosError naming the option, the value and what was expected.
 */
export async function resolveOptions(raw: LocalMesosOptions): Promise<ResolvedOptions> {
  const host = raw.host ?? '127.0.0.1';
  const wildcard = host === '0.0.0.0' || host === '::';
  const hostname = raw.hostname ?? (wildcard ? '127.0.0.1' : host);
  const ip = isIP(hostname) === 4 ? hostname : isIP(host) === 4 && !wildcard ? host : '127.0.0.1';
  const port = integer('port', raw.port ?? 0, 0, 65535);
  const specs = typeof raw.agents === 'number' ? Array.from({ length: integer('agents', raw.agents, 1, 10_000) }, () => ({})) : raw.agents;
  if (!Array.isArray(specs) || specs.length === 0) throw invalid('agents', raw.agents, 'a positive number or a non-empty list of agent specs');
  const resourcesText = raw.resources ?? DEFAULT_AGENT_RESOURCES;
  const attributesText = raw.attributes ?? '';
  const agents = specs.map((spec: AgentSpec) => ({
    hostname: spec.hostname ?? hostname,
    resources: parseResourceText(spec.resources ?? resourcesText),
    attributes: parseAttributeText(spec.attributes ?? attributesText),
  }));
  const credentials =
    raw.credentials === undefined ? null : typeof raw.credentials === 'string' ? await loadCredentialsFile(raw.credentials) : raw.credentials;
  const offerTimeoutMs = raw.offerTimeoutMs === undefined ? null : positive('offerTimeoutMs', raw.offerTimeoutMs);
  const resolved: ResolvedOptions = {
    host,
    hostname,
    ip,
    port,
    agents,
    allocationIntervalMs: positive('allocationIntervalMs', raw.allocationIntervalMs ?? 1000),
    offerTimeoutMs,
    heartbeatIntervalSeconds: positive('heartbeatIntervalSeconds', raw.heartbeatIntervalSeconds ?? 15),
    credentials,
    zk: raw.zk === undefined ? null : parseZooKeeperUrl(raw.zk),
    zkText: raw.zk ?? null,
    workDir: raw.workDir !== undefined ? resolve(raw.workDir) : await mkdtemp(join(tmpdir(), 'mesos-local-')),
    logger: raw.logger ?? pino({ level: 'silent' }),
    statusUpdateRetryMs: positive('statusUpdateRetryMs', raw.statusUpdateRetryMs ?? 10_000),
    statusUpdateMaxRetryMs: positive('statusUpdateMaxRetryMs', raw.statusUpdateMaxRetryMs ?? 600_000),
    agentPingTimeoutMs: positive('agentPingTimeoutMs', raw.agentPingTimeoutMs ?? 15_000),
    maxAgentPingTimeouts: integer('maxAgentPingTimeouts', raw.maxAgentPingTimeouts ?? 5, 1, 1_000_000),
    agentReregisterTimeoutMs: positive('agentReregisterTimeoutMs', raw.agentReregisterTimeoutMs ?? 600_000),
    agentReregisterDelayMs: nonNegative('agentReregisterDelayMs', raw.agentReregisterDelayMs ?? 0),
    flags: {},
  };
  resolved.flags = {
    port: String(port),
    hostname,
    allocation_interval: `${resolved.allocationIntervalMs / 1000}secs`,
    authenticate_http_frameworks: String(credentials !== null),
    http_framework_authenticators: credentials !== null ? 'basic' : '',
    agent_ping_timeout: `${resolved.agentPingTimeoutMs / 1000}secs`,
    max_agent_ping_timeouts: String(resolved.maxAgentPingTimeouts),
    agent_reregister_timeout: `${resolved.agentReregisterTimeoutMs / 1000}secs`,
    work_dir: resolved.workDir,
    ...(offerTimeoutMs !== null ? { offer_timeout: `${offerTimeoutMs / 1000}secs` } : {}),
    ...(raw.zk !== undefined ? { zk: raw.zk.replace(/\/\/[^@/]*@/, '//') } : {}),
  };
  return resolved;
}

function invalid(name: string, value: unknown, expected: string): LocalMesosError {
  return new LocalMesosError(LocalMesosErrorCode.INVALID_OPTION, `Option '${name}' is ${JSON.stringify(value)}; expected ${expected}`);
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(name, value, `an integer from ${min} to ${max}`);
  return value;
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(name, value, 'a positive number');
  return value;
}

function nonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(name, value, 'a number >= 0');
  return value;
}
