import { MesosClientError, MesosClientErrorCode } from './errors';

/** Path of the scheduler endpoint on a master. `/master/api/v1/scheduler` is equivalent. */
export const SCHEDULER_API_PATH = '/api/v1/scheduler';
/** Port a master listens on when an address names none. */
export const DEFAULT_MASTER_PORT = 5050;
/** Port a ZooKeeper server listens on when a `zk://` address names none. */
export const DEFAULT_ZOOKEEPER_PORT = 2181;

/** A master given directly: `endpoint` is the full URL of its scheduler endpoint. */
export interface HttpMasterAddress {
  kind: 'http';
  /** e.g. `http://10.0.0.1:5050/api/v1/scheduler`. */
  endpoint: string;
}

/** Masters found through ZooKeeper: the leader is the lowest `json.info_<seq>` child of `path`. */
export interface ZooKeeperMasterAddress {
  kind: 'zookeeper';
  /** `host:port,host:port`, as node-zookeeper-client expects it. */
  connectString: string;
  /** The group path, e.g. `/mesos`; never `/` and without a trailing slash. */
  path: string;
  /** ZooKeeper `digest` credentials from `zk://user:pass@…`. */
  credentials?: { user: string; password: string };
}

/** Where the leading master is: given directly, or detected through ZooKeeper. */
export type MasterAddress = HttpMasterAddress | ZooKeeperMasterAddress;

function invalid(input: string, expected: string): MesosClientError {
  return new MesosClientError(
    MesosClientErrorCode.INVALID_MASTER_ADDRESS,
    `Master address '${redactCredentials(input)}' is invalid: ${expected}`,
  );
}

/** Replaces the secret part of `zk://user:secret@…` or `http://user:secret@…` so an address can be logged. */
export function redactCredentials(address: string): string {
  return address.replace(/^([a-z]+:\/\/)([^@/]*)@/i, (_, scheme: string, userInfo: string) => {
    const user = userInfo.split(':')[0] ?? '';
    return `${scheme}${user}:***@`;
  });
}

/** Formats a host for a URL authority, bracketing IPv6 literals. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The scheduler endpoint URL of a master.
 * @param scheme `http` or `https`.
 * @param host a hostname, IPv4 or IPv6 literal.
 * @param port the master's port.
 */
export function schedulerEndpoint(scheme: 'http' | 'https', host: string, port: number): string {
  return `${scheme}://${urlHost(host)}:${port}${SCHEDULER_API_PATH}`;
}

function endpointPath(pathname: string): string {
  const trimmed = pathname.replace(/\/+$/, '');
  if (trimmed.endsWith(SCHEDULER_API_PATH)) return trimmed;
  return `${trimmed}${SCHEDULER_API_PATH}`;
}

function parsePort(input: string, text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text)) throw invalid(input, `${what} port '${text}' is not a number from 1 to 65535`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw invalid(input, `${what} port '${text}' is not a number from 1 to 65535`);
  return port;
}

function parseHttp(input: string, text: string): HttpMasterAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(input, 'expected http(s)://host:port[/path]');
  }
  if (!url.hostname) throw invalid(input, 'expected a host after the scheme');
  if (url.username || url.password) {
    throw invalid(input, 'credentials do not belong in the URL; use the `credential` option');
  }
  if (url.search || url.hash) throw invalid(input, 'expected no query or fragment');
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  // WHATWG URL drops a port equal to the scheme's default, so tell ':80' apart from no port.
  const explicitPort = /^[a-z]+:\/\/[^/]*:\d+(?:\/|$)/i.test(text);
  const schemeDefault = scheme === 'https' ? 443 : 80;
  const port = url.port ? Number(url.port) : explicitPort ? schemeDefault : DEFAULT_MASTER_PORT;
  return { kind: 'http', endpoint: `${scheme}://${url.hostname}:${port}${endpointPath(url.pathname)}` };
}

function parseHostPort(input: string, text: string): HttpMasterAddress {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:/@[\]\s]+)(?::([^:]*))?$/.exec(text);
  if (!match) throw invalid(input, 'expected host:port, http(s)://host:port[/path] or zk://host:port[,host:port…]/path');
  const host = match[1];
  const port = match[2] === undefined ? DEFAULT_MASTER_PORT : parsePort(input, match[2], 'master');
  return { kind: 'http', endpoint: `http://${host}:${port}${SCHEDULER_API_PATH}` };
}

function parseZooKeeper(input: string, text: string): ZooKeeperMasterAddress {
  const rest = text.slice('zk://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) throw invalid(input, 'expected a znode path after the servers, e.g. zk://host:2181/mesos');
  const path = rest.slice(slash).replace(/\/+$/, '');
  if (path === '') throw invalid(input, "the znode path must not be '/'");
  if (/\/\//.test(path) || /\s/.test(path)) throw invalid(input, `znode path '${path}' is malformed`);
  const authority = rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  const serverList = at >= 0 ? authority.slice(at + 1) : authority;
  let credentials: ZooKeeperMasterAddress['credentials'];
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    if (colon <= 0) throw invalid(input, 'expected ZooKeeper credentials as user:password@');
    credentials = { user: userInfo.slice(0, colon), password: userInfo.slice(colon + 1) };
  }
  if (serverList === '') throw invalid(input, 'expected at least one ZooKeeper server host:port');
  const servers = serverList.split(',').map((server) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:,[\]\s]+)(?::([^:]*))?$/.exec(server);
    if (!match) throw invalid(input, `ZooKeeper server '${server}' is not host:port`);
    const port = match[2] === undefined ? DEFAULT_ZOOKEEPER_PORT : parsePort(input, match[2], 'ZooKeeper');
    return `${match[1]}:${port}`;
  });
  return { kind: 'zookeeper', connectString: servers.join(','), path, ...(credentials ? { credentials } : {}) };
}

/**
 * Parses where the master is.
 *
 * - `host:port` (port defaults to 5050) → `http://host:port/api/v1/scheduler`;
 * - `http(s)://host:port[/path]` → the scheduler endpoint under `path` (kept as-is when it
 *   already ends with `/api/v1/scheduler`);
 * - `zk://[user:pass@]host:port[,host:port…]/path` → ZooKeeper detection under `path`
 *   (ZooKeeper ports default to 2181).
 *
 * @throws MesosClientError with code `INVALID_MASTER_ADDRESS`, naming what was expected.
 */
export function parseMasterAddress(input: string): MasterAddress {
  if (typeof input !== 'string') throw invalid(String(input), 'expected a string');
  const text = input.trim();
  if (text === '') throw invalid(input, 'expected a non-empty address');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  switch (scheme) {
    case undefined:
      return parseHostPort(input, text);
    case 'http':
    case 'https':
      return parseHttp(input, text);
    case 'zk':
      return parseZooKeeper(input, text);
    default:
      throw invalid(input, `scheme '${scheme}://' is not supported; expected http://, https:// or zk://`);
  }
}

/**
 * Resolves the `Location` of a 307 answer to SUBSCRIBE against the URL that was requested.
 * Mesos sends it protocol-relative (`//leader:5050/master/api/v1/scheduler`), so the scheme of
 * `requested` is kept; a `Location` without a path (as `/redirect` sends) keeps the requested path.
 * @returns the absolute URL to subscribe at next.
 * @throws MesosClientError with code `INVALID_MASTER_ADDRESS` if `location` is empty or not http(s).
 */
export function resolveRedirectLocation(location: string, requested: string): string {
  const text = location.trim();
  if (text === '') throw invalid(location, 'the redirect Location is empty');
  const base = new URL(requested);
  let target: URL;
  try {
    target = new URL(text, base);
  } catch {
    throw invalid(location, 'the redirect Location is not a URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw invalid(location, `the redirect Location has scheme '${target.protocol}'; expected http or https`);
  }
  const hasPath = /^(?:[a-z]+:)?\/\/[^/]+\/./i.test(text) || text.startsWith('/') && !text.startsWith('//');
  if (!hasPath) target.pathname = base.pathname;
  return target.href;
}
