import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { toMesosJson } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';
import { LocalMesosError, LocalMesosErrorCode } from '../errors';

/** The parts of node-zookeeper-client 1.1.3 (untyped) this module uses. */
interface ZkClient extends EventEmitter {
  connect(): void;
  close(): void;
  addAuthInfo(scheme: string, auth: Buffer): void;
  mkdirp(path: string, callback: (error: Error | null) => void): void;
  create(path: string, data: Buffer, mode: number, callback: (error: Error | null, path: string) => void): void;
  remove(path: string, callback: (error: Error | null) => void): void;
}

interface ZkModule {
  createClient(connectString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): ZkClient;
  CreateMode: { EPHEMERAL_SEQUENTIAL: number };
}

// Loaded with require: the package ships no types and a module declaration here could clash
// with another library's declaration of the same module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const zookeeper = require('node-zookeeper-client') as ZkModule;

/** Mesos' ZooKeeper session timeout for masters and detectors. */
const SESSION_TIMEOUT_MS = 10_000;

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
 * The master's membership in the ZooKeeper group Mesos uses for leader detection: an ephemeral,
 * sequential `json.info_<seq>` node under the path holding the MasterInfo as Mesos JSON.
 */
export class MasterRegistration {
  private client: ZkClient | null = null;
  private node: string | null = null;
  private info: mesos.v1.MasterInfo.$Properties | null = null;
  private closed = false;

  /**
   * @param url where to register.
   * @param logger for session events.
   */
  constructor(
    private readonly url: ZooKeeperUrl,
    private readonly logger: Logger,
  ) {}

  /** The znode currently holding our MasterInfo. */
  get nodePath(): string | null {
    return this.node;
  }

  /** Connects (if needed) and creates the node for `info`, replacing an earlier one. */
  async register(info: mesos.v1.MasterInfo.$Properties): Promise<string> {
    this.info = info;
    const client = await this.connected();
    await this.removeNode(client);
    const data = Buffer.from(JSON.stringify(toMesosJson(mesos.v1.MasterInfo, info)));
    await callback<void>((done) => client.mkdirp(this.url.path, (error) => done(error)));
    const created = await callback<string>((done) =>
      client.create(`${this.url.path}/json.info_`, data, zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, done),
    );
    this.node = created;
    this.logger.info(`Registered master '${info.id}' in ZooKeeper as '${created}'`);
    return created;
  }

  /** Removes the node and closes the session. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    if (!client) return;
    await this.removeNode(client).catch(() => undefined);
    client.close();
  }

  private async removeNode(client: ZkClient): Promise<void> {
    const node = this.node;
    this.node = null;
    if (node) await callback<void>((done) => client.remove(node, (error) => done(error)));
  }

  private connected(): Promise<ZkClient> {
    if (this.client) return Promise.resolve(this.client);
    const client = zookeeper.createClient(this.url.servers, { sessionTimeout: SESSION_TIMEOUT_MS, spinDelay: 200, retries: 3 });
    if (this.url.credentials) client.addAuthInfo('digest', Buffer.from(this.url.credentials));
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => {
        client.close();
        reject(new LocalMesosError(LocalMesosErrorCode.ZOOKEEPER, `Could not connect to ZooKeeper at '${this.url.servers}'`));
      }, SESSION_TIMEOUT_MS);
      client.once('connected', () => {
        clearTimeout(timeout);
        this.client = client;
        resolve(client);
      });
      client.on('expired', () => {
        // Mesos masters abort when their session expires; the stand-in registers again instead.
        if (this.client !== client || this.closed) return;
        this.logger.warn('The ZooKeeper session of the master expired; registering again');
        this.client = null;
        this.node = null;
        client.close();
        const info = this.info;
        if (info) {
          this.register(info).catch((error: unknown) => {
            this.logger.error({ err: error }, `Could not register master '${info.id}' in ZooKeeper again`);
          });
        }
      });
      client.connect();
    });
  }
}

function callback<T>(run: (done: (error: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, value) => (error ? reject(error) : resolve(value as T)));
  });
}
