import type { EventEmitter } from 'node:events';
import { LocalMesosError, LocalMesosErrorCode } from '../errors';

/** The watcher argument of node-zookeeper-client calls; the event itself is not needed here. */
export type ZkWatcher = () => void;

/** The parts of node-zookeeper-client 1.1.3 (untyped) the stand-in uses. */
export interface ZkClient extends EventEmitter {
  connect(): void;
  close(): void;
  addAuthInfo(scheme: string, auth: Buffer): void;
  mkdirp(path: string, callback: (error: Error | null) => void): void;
  create(path: string, data: Buffer, mode: number, callback: (error: Error | null, path: string) => void): void;
  remove(path: string, callback: (error: Error | null) => void): void;
  getChildren(path: string, watcher: ZkWatcher, callback: (error: ZkError | null, children: string[]) => void): void;
  getData(path: string, callback: (error: ZkError | null, data: Buffer | undefined) => void): void;
  exists(path: string, watcher: ZkWatcher, callback: (error: ZkError | null, stat: unknown) => void): void;
}

/** A node-zookeeper-client error, which carries ZooKeeper's result code. */
export interface ZkError extends Error {
  getCode(): number;
}

interface ZkModule {
  createClient(connectString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): ZkClient;
  CreateMode: { EPHEMERAL_SEQUENTIAL: number };
  Exception: { NO_NODE: number };
}

/**
 * node-zookeeper-client, loaded with require: the package ships no types and a module
 * declaration here could clash with another library's declaration of the same module.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const zookeeper = require('node-zookeeper-client') as ZkModule;

/** Mesos' ZooKeeper session timeout for masters and detectors. */
export const SESSION_TIMEOUT_MS = 10_000;

/** A parsed `zk://[user:password@]host:port[,host:port…]/path` URL. */
export interface ZooKeeperUrl {
  servers: string;
  path: string;
  credentials: string | null;
}

/**
 * Parses a Mesos ZooKeeper URL as Mesos does: strip `zk://`; the path starts at the first `/`
 * (and must not be just `/`); before it, the part after the last `@` lists the servers and the
 * part before it is `digest` credentials.
 * @throws LocalMesosError `INVALID_OPTION` when the URL does not have that shape.
 */
export function parseZooKeeperUrl(url: string): ZooKeeperUrl {
  if (!url.startsWith('zk://')) throw badUrl(url, "it must start with 'zk://'");
  const rest = url.slice('zk://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) throw badUrl(url, 'it has no znode path');
  const path = rest.slice(slash).replace(/\/+$/, '');
  if (path === '') throw badUrl(url, "the znode path must not be just '/'");
  const authority = rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  const servers = at >= 0 ? authority.slice(at + 1) : authority;
  if (servers === '') throw badUrl(url, 'it lists no servers');
  return { servers, path, credentials: at >= 0 ? authority.slice(0, at) : null };
}

function badUrl(url: string, problem: string): LocalMesosError {
  return new LocalMesosError(LocalMesosErrorCode.INVALID_OPTION, `Invalid ZooKeeper URL '${url}': ${problem}`);
}

/**
 * Opens a ZooKeeper session with Mesos' session timeout and the URL's `digest` credentials.
 * @throws LocalMesosError `ZOOKEEPER` when no server answers within the session timeout.
 */
export function openSession(url: ZooKeeperUrl): Promise<ZkClient> {
  const client = zookeeper.createClient(url.servers, { sessionTimeout: SESSION_TIMEOUT_MS, spinDelay: 200, retries: 3 });
  if (url.credentials) client.addAuthInfo('digest', Buffer.from(url.credentials));
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      client.close();
      reject(new LocalMesosError(LocalMesosErrorCode.ZOOKEEPER, `Could not connect to ZooKeeper at '${url.servers}'`));
    }, SESSION_TIMEOUT_MS);
    client.once('connected', () => {
      clearTimeout(timeout);
      resolve(client);
    });
    client.connect();
  });
}

/** True when a ZooKeeper call failed because the node does not exist. */
export function isNoNode(error: unknown): boolean {
  return typeof (error as Partial<ZkError> | null)?.getCode === 'function' && (error as ZkError).getCode() === zookeeper.Exception.NO_NODE;
}

/** Turns a node-zookeeper-client callback call into a promise. */
export function callback<T>(run: (done: (error: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, value) => (error ? reject(error) : resolve(value as T)));
  });
}
