/**
 * Checks on string options whose text has a shape (addresses, URLs, paths). Each returns a
 * rejection clause naming the value as `shown`, or `undefined` when the text is fine.
 */

const HOST = String.raw`(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)`;
const HOST_PORT = new RegExp(String.raw`^${HOST}:(\d{1,5})$`);
const HOST_OPTIONAL_PORT = new RegExp(String.raw`^${HOST}(?::(\d{1,5}))?$`);

function validPort(digits: string | undefined): boolean {
  return digits === undefined || Number(digits) <= 65535;
}

function isHostPort(text: string, portRequired: boolean): boolean {
  const match = (portRequired ? HOST_PORT : HOST_OPTIONAL_PORT).exec(text);
  return match !== null && validPort(match[1]);
}

function isHttpUrl(text: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** `host:port`, `zk://[user:pass@]host:port[,host:port…]/path`, or an `http(s)://` URL. */
export function checkMesosMaster(text: string, shown: string): string | undefined {
  const fail = `${shown} is not a Mesos master address`;
  if (text.startsWith('zk://')) {
    const rest = text.slice('zk://'.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) return fail;
    const hosts = rest.slice(rest.lastIndexOf('@', slash) + 1, slash);
    return hosts.split(',').every((h) => isHostPort(h, true)) ? undefined : fail;
  }
  if (/^[a-z]+:\/\//i.test(text)) return isHttpUrl(text, ['http:', 'https:']) ? undefined : fail;
  return isHostPort(text, true) ? undefined : fail;
}

/** A ZooKeeper connection string: `host[:port][,host[:port]…]`. */
export function checkZooKeeperQuorum(text: string, shown: string): string | undefined {
  const hosts = text.split(',').map((h) => h.trim());
  return hosts.every((h) => isHostPort(h, false)) ? undefined : `${shown} is not a list of ZooKeeper host:port addresses`;
}

/** A `redis://` or `rediss://` URL. */
export function checkRedisUrl(text: string, shown: string): string | undefined {
  return isHttpUrl(text, ['redis:', 'rediss:']) ? undefined : `${shown} is not a redis:// or rediss:// URL`;
}

/** A ZooKeeper path: starts with `/`, no empty segments, no trailing `/` (except `/` itself). */
export function checkZooKeeperPath(text: string, shown: string): string | undefined {
  const ok = text === '/' || /^(\/[^/\s]+)+$/.test(text);
  return ok ? undefined : `${shown} is not a ZooKeeper path`;
}

/** Non-empty text (whitespace only counts as empty). */
export function checkNotBlank(text: string, shown: string): string | undefined {
  return text.trim() === '' ? `${shown} is empty` : undefined;
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/** A host name, an IPv4 address or an IPv6 address (without brackets), e.g. `0.0.0.0`, `::`, `agent-1.example.org`. */
export function checkHost(text: string, shown: string): string | undefined {
  return HOST_NAME.test(text) || IPV6.test(text) ? undefined : `${shown} is not a host name or IP address`;
}

const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** One URL path segment of letters, digits and `._~-` (not `.` or `..`), e.g. `mesoflow-1a2b`. */
export function checkUrlPathSegment(text: string, shown: string): string | undefined {
  const ok = PATH_SEGMENT.test(text) && text !== '.' && text !== '..';
  return ok ? undefined : `${shown} is not one URL path segment of letters, digits and '._~-'`;
}

/** A check that text has at least `min` characters; the reason never repeats the text (keys, passwords). */
export function minLength(min: number): (text: string, shown: string) => string | undefined {
  return (text, shown) => (text.length < min ? `${shown} is shorter than ${min} characters` : undefined);
}

/** An entry check for path lists: the entry must be an absolute path. */
export function checkAbsolutePathEntry(entry: string): string | undefined {
  return entry.startsWith('/') ? undefined : `'${entry}' is not an absolute path`;
}
