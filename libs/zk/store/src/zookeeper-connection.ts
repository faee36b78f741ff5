import {
  createClient,
  type ZooKeeperClient,
  type ZooKeeperException,
  type ZooKeeperStat,
  type ZooKeeperTransaction,
  type ZooKeeperTransactionResult,
  type ZooKeeperWatcherEvent,
} from 'node-zookeeper-client';
import { ZkStoreError, ZkStoreErrorCode } from './errors';

/** How a node is created. */
export type CreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';

/** ZooKeeper's numbers for {@link CreateMode} (protocol constants, stable across versions). */
const CREATE_MODE: Record<CreateMode, number> = {
  persistent: 0,
  ephemeral: 1,
  'persistent-sequential': 2,
  'ephemeral-sequential': 3,
};

/** ZooKeeper's error numbers that we tell apart (protocol constants). */
const ZK_ERROR = {
  CONNECTION_LOSS: -4,
  OPERATION_TIMEOUT: -7,
  NO_NODE: -101,
  BAD_VERSION: -103,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
} as const;

/** What a watch on a node reports. */
export type NodeChange = 'created' | 'deleted' | 'changed';

/** ZooKeeper's watcher event types for node watches (protocol constants). */
const NODE_CHANGE: Partial<Record<number, NodeChange>> = { 1: 'created', 2: 'deleted', 3: 'changed' };

/** Transaction result type meaning "this op failed". */
const OP_ERROR = -1;

/** Events of a {@link ZooKeeperConnection}. */
export type ZooKeeperConnectionEvent =
  /** The socket dropped; the client is trying other servers and the session may still be alive. */
  | 'disconnected'
  /** The connection came back within the session timeout; the session and its ephemeral nodes are intact. */
  | 'reconnected'
  /** The session expired: ephemeral nodes are gone, every later call fails with `SESSION_EXPIRED`. */
  | 'expired';

/** Settings of {@link ZooKeeperConnection.connect}. */
export interface ZooKeeperConnectionOptions {
  /** `host:port[,host:port…][/chroot]`; the chroot node must exist. */
  connectString: string;
  /** Session timeout asked of the server (which clamps it to 2–20 ticks). @default 10000 */
  sessionTimeoutMs?: number;
  /** Give up connecting after this long. @default 10000 */
  connectTimeoutMs?: number;
  /** Fail a request that got no answer after this long (its outcome is then unknown). @default 10000 */
  operationTimeoutMs?: number;
  /** Pause before trying the next server after a disconnection. @default 500 */
  spinDelayMs?: number;
}

/** A node's data and version. */
export interface ZNode {
  data: Buffer;
  /** The data version, to pass to a conditional `setData`, `delete` or `check`. */
  version: number;
}

/** What a committed transaction op produced, in op order. */
export interface TransactionOpResult {
  /** The created path (sequential nodes get their suffix), for `create` ops. */
  path?: string;
  /** The new data version, for `setData` ops. */
  version?: number;
}

/**
 * Atomic multi-op: every op is applied or none is. Build with the chained methods, then
 * {@link ZooKeeperTransactionBuilder.commit}.
 */
export interface ZooKeeperTransactionBuilder {
  /** Creates a node. */
  create(path: string, data: Buffer, mode?: CreateMode): ZooKeeperTransactionBuilder;
  /** Fails the transaction unless the node is at `version`. */
  check(path: string, version: number): ZooKeeperTransactionBuilder;
  /** Replaces a node's data if it is at `version`. */
  setData(path: string, data: Buffer, version: number): ZooKeeperTransactionBuilder;
  /** Deletes a node if it is at `version`. */
  delete(path: string, version: number): ZooKeeperTransactionBuilder;
  /**
   * Applies the ops atomically.
   * @throws ZkStoreError with the code of the first failing op (e.g. `BAD_VERSION`, `NODE_EXISTS`)
   *   and its path; `CONNECTION_LOSS`/`OPERATION_TIMEOUT` when the outcome is unknown.
   */
  commit(): Promise<TransactionOpResult[]>;
}

/**
 * A ZooKeeper session over node-zookeeper-client with promises and {@link ZkStoreError}s.
 *
 * The session is never renewed behind the caller's back: when it expires, `expired` fires and
 * every later call fails with `SESSION_EXPIRED`, since whoever held it (a leader, an ephemeral
 * node) must notice and start over with a new connection.
 */
export class ZooKeeperConnection {
  private readonly listeners = new Map<ZooKeeperConnectionEvent, Set<() => void>>();
  private state: 'connected' | 'disconnected' | 'expired' | 'closed' = 'connected';
  private lostSessionTimer: NodeJS.Timeout | undefined;
  private readonly watchers = new WeakMap<(change: NodeChange) => void, (event: ZooKeeperWatcherEvent) => void>();

  private constructor(
    private readonly client: ZooKeeperClient,
    private readonly options: Required<ZooKeeperConnectionOptions>,
  ) {
    client.on('disconnected', () => {
      if (this.state !== 'connected') return;
      this.state = 'disconnected';
      // As Curator does: cut off for longer than the session timeout, the session counts as expired
      // whether or not the client ever hears so (a server that restarted may never tell it).
      this.lostSessionTimer = setTimeout(() => this.expire(), this.sessionTimeoutMs || this.options.sessionTimeoutMs);
      this.lostSessionTimer.unref();
      this.emit('disconnected');
    });
    client.on('connected', () => {
      if (this.state !== 'disconnected') return;
      clearTimeout(this.lostSessionTimer);
      this.state = 'connected';
      this.emit('reconnected');
    });
    client.on('expired', () => this.expire());
  }

  private expire(): void {
    if (this.state === 'closed' || this.state === 'expired') return;
    clearTimeout(this.lostSessionTimer);
    this.state = 'expired';
    this.client.close();
    this.emit('expired');
  }

  /**
   * Opens a session.
   * @throws ZkStoreError `CONNECT_TIMEOUT` when no server answered within `connectTimeoutMs`.
   */
  static async connect(options: ZooKeeperConnectionOptions): Promise<ZooKeeperConnection> {
    const settings: Required<ZooKeeperConnectionOptions> = {
      sessionTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      operationTimeoutMs: 10_000,
      spinDelayMs: 500,
      ...options,
    };
    if (!settings.connectString) {
      throw new ZkStoreError(ZkStoreErrorCode.INVALID_ARGUMENT, 'The ZooKeeper connect string is empty');
    }
    const client = createClient(settings.connectString, {
      sessionTimeout: settings.sessionTimeoutMs,
      spinDelay: settings.spinDelayMs,
      retries: 0,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.removeListener('connected', onConnected);
        client.close();
        reject(
          new ZkStoreError(
            ZkStoreErrorCode.CONNECT_TIMEOUT,
            `Could not connect to ZooKeeper '${settings.connectString}' within ${settings.connectTimeoutMs} ms`,
          ),
        );
      }, settings.connectTimeoutMs);
      const onConnected = (): void => {
        clearTimeout(timer);
        resolve();
      };
      client.once('connected', onConnected);
      client.connect();
    });
    return new ZooKeeperConnection(client, settings);
  }

  /** The session ID as 16 hex digits, for logs. */
  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /**
   * The session timeout the server granted (it clamps the asked one to 2–20 ticks): the server
   * expires the session this long after it last heard from us.
   */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /** True until the session expired or the connection was closed. */
  get alive(): boolean {
    return this.state === 'connected' || this.state === 'disconnected';
  }

  /**
   * Calls `listener` on each `event`.
   * @returns a function that removes the listener.
   */
  on(event: ZooKeeperConnectionEvent, listener: () => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Creates a node.
   * @returns the created path (with the suffix of a sequential node).
   * @throws ZkStoreError `NODE_EXISTS`, or `NO_NODE` when the parent is missing.
   */
  create(path: string, data: Buffer = Buffer.alloc(0), mode: CreateMode = 'persistent'): Promise<string> {
    return this.call(path, (done) => this.client.create(path, data, CREATE_MODE[mode], done));
  }

  /** Creates `path` and any missing parents as persistent nodes; succeeds when they exist. */
  async mkdirp(path: string): Promise<void> {
    await this.call<string>(path, (done) => this.client.mkdirp(path, done));
  }

  /** Reads a node; `undefined` when it does not exist. */
  async getData(path: string): Promise<ZNode | undefined> {
    try {
      return await this.call<ZNode>(path, (done) =>
        this.client.getData(path, (error: ZooKeeperException | null, data: Buffer | undefined, stat: ZooKeeperStat | undefined) =>
          done(error, { data: data ?? Buffer.alloc(0), version: stat?.version ?? 0 }),
        ),
      );
    } catch (error) {
      if (error instanceof ZkStoreError && error.code === ZkStoreErrorCode.NO_NODE) return undefined;
      throw error;
    }
  }

  /**
   * Replaces a node's data if its version is `version` (`-1`: any version).
   * @returns the new version.
   * @throws ZkStoreError `BAD_VERSION` when someone else wrote first, `NO_NODE` when it is gone.
   */
  setData(path: string, data: Buffer, version: number): Promise<number> {
    return this.call(path, (done) =>
      this.client.setData(path, data, version, (error: ZooKeeperException | null, stat: ZooKeeperStat | undefined) =>
        done(error, stat?.version ?? version + 1),
      ),
    );
  }

  /**
   * Deletes a node if its version is `version` (`-1`: any version).
   * @throws ZkStoreError `BAD_VERSION`, `NO_NODE` or `NOT_EMPTY`.
   */
  async delete(path: string, version: number): Promise<void> {
    await this.call<null>(path, (done) => this.client.remove(path, version, (error) => done(error, null)));
  }

  /**
   * Lists a node's children (names, not paths).
   * @throws ZkStoreError `NO_NODE` when the node does not exist.
   */
  getChildren(path: string): Promise<string[]> {
    return this.call(path, (done) =>
      this.client.getChildren(path, (error: ZooKeeperException | null, children: string[] | undefined) =>
        done(error, children ?? []),
      ),
    );
  }

  /**
   * The node's data version, or `undefined` when it does not exist.
   * @param onChange called once when the node is next created, changed or deleted (a ZooKeeper
   *   watch, set only when the call succeeds). It survives reconnections within the session, not
   *   its expiry. Passing the same function again before it fired sets it once, not twice.
   */
  exists(path: string, onChange?: (change: NodeChange) => void): Promise<{ version: number } | undefined> {
    const callback =
      (done: (error: ZooKeeperException | null, result: { version: number } | undefined) => void) =>
      (error: ZooKeeperException | null, stat: ZooKeeperStat | null | undefined): void =>
        done(error, stat ? { version: stat.version } : undefined);
    return this.call(path, (done) =>
      onChange
        ? this.client.exists(path, this.watcherFor(onChange), callback(done))
        : this.client.exists(path, callback(done)),
    );
  }

  /** Starts an atomic multi-op. */
  transaction(): ZooKeeperTransactionBuilder {
    const ops: Array<(transaction: ZooKeeperTransaction) => void> = [];
    const paths: string[] = [];
    const builder: ZooKeeperTransactionBuilder = {
      create: (path, data, mode = 'persistent') => {
        ops.push((t) => t.create(path, data, CREATE_MODE[mode]));
        paths.push(path);
        return builder;
      },
      check: (path, version) => {
        ops.push((t) => withVersion(t.check(path, version), version));
        paths.push(path);
        return builder;
      },
      setData: (path, data, version) => {
        ops.push((t) => withVersion(t.setData(path, data, version), version));
        paths.push(path);
        return builder;
      },
      delete: (path, version) => {
        ops.push((t) => withVersion(t.remove(path, version), version));
        paths.push(path);
        return builder;
      },
      commit: () => this.commit(ops, paths),
    };
    return builder;
  }

  /** Ends the session (its ephemeral nodes go at once). Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    clearTimeout(this.lostSessionTimer);
    const wasAlive = this.alive;
    this.state = 'closed';
    this.listeners.clear();
    if (!wasAlive) return;
    const client = this.client;
    await new Promise<void>((resolve) => {
      // node-zookeeper-client emits 'disconnected' once the close request is answered.
      const timer = setTimeout(resolve, 1_000);
      client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.close();
    });
  }

  private async commit(
    ops: Array<(transaction: ZooKeeperTransaction) => void>,
    paths: string[],
  ): Promise<TransactionOpResult[]> {
    const transaction = this.client.transaction();
    for (const op of ops) op(transaction);
    const results = await this.call<ZooKeeperTransactionResult[]>(paths.join(', '), (done) =>
      transaction.commit((error, results) => {
        if (!error) return done(null, results ?? []);
        // Name the op that failed rather than the whole transaction.
        const index = (results ?? []).findIndex((r) => r.type === OP_ERROR && r.err !== undefined && r.err !== 0);
        if (index >= 0) return done(null, [], translate(error, paths[index] ?? '', `op ${index + 1} of ${ops.length}`));
        done(error, []);
      }),
    );
    return results.map((r) => ({
      ...(r.path === undefined ? {} : { path: r.path }),
      ...(r.stat === undefined ? {} : { version: r.stat.version }),
    }));
  }

  /** Runs one client call with the state checks, the operation timeout and error translation. */
  private call<T>(
    path: string,
    run: (done: (error: ZooKeeperException | null, result: T, translated?: ZkStoreError) => void) => void,
  ): Promise<T> {
    if (this.state === 'closed') {
      return Promise.reject(new ZkStoreError(ZkStoreErrorCode.CLOSED, 'The ZooKeeper connection is closed', { path }));
    }
    if (this.state === 'expired') {
      return Promise.reject(
        new ZkStoreError(ZkStoreErrorCode.SESSION_EXPIRED, `ZooKeeper session '${this.sessionId}' expired`, { path }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(
          new ZkStoreError(
            ZkStoreErrorCode.OPERATION_TIMEOUT,
            `ZooKeeper did not answer within ${this.options.operationTimeoutMs} ms on '${path}'; the outcome is unknown`,
            { path },
          ),
        );
      }, this.options.operationTimeoutMs);
      run((error, result, translated) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (translated) reject(translated);
        else if (error) reject(translate(error, path));
        else resolve(result);
      });
    });
  }

  /**
   * The client drops a watcher function already registered on a path, which only works if the
   * same `onChange` always becomes the same function.
   */
  private watcherFor(onChange: (change: NodeChange) => void): (event: ZooKeeperWatcherEvent) => void {
    let watcher = this.watchers.get(onChange);
    if (!watcher) {
      watcher = (event) => onChange(NODE_CHANGE[event.getType()] ?? 'changed');
      this.watchers.set(onChange, watcher);
    }
    return watcher;
  }

  private emit(event: ZooKeeperConnectionEvent): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener();
  }
}

/**
 * node-zookeeper-client 1.1.3's Transaction turns version 0 into -1 (`version || -1`), which
 * would make a conditional op on a never-written node unconditional. Put the version back on the
 * op just queued.
 */
function withVersion(transaction: ZooKeeperTransaction, version: number): void {
  const op = transaction.ops[transaction.ops.length - 1];
  if (!op) throw new ZkStoreError(ZkStoreErrorCode.ZOOKEEPER_ERROR, 'node-zookeeper-client queued no transaction op');
  op.version = version;
}

/** Turns a node-zookeeper-client exception into a {@link ZkStoreError}. */
function translate(error: ZooKeeperException, path: string, where?: string): ZkStoreError {
  const zkCode = typeof error.getCode === 'function' ? error.getCode() : undefined;
  const code = ((): ZkStoreErrorCode => {
    switch (zkCode) {
      case ZK_ERROR.NO_NODE:
        return ZkStoreErrorCode.NO_NODE;
      case ZK_ERROR.NODE_EXISTS:
        return ZkStoreErrorCode.NODE_EXISTS;
      case ZK_ERROR.BAD_VERSION:
        return ZkStoreErrorCode.BAD_VERSION;
      case ZK_ERROR.NOT_EMPTY:
        return ZkStoreErrorCode.NOT_EMPTY;
      case ZK_ERROR.CONNECTION_LOSS:
        return ZkStoreErrorCode.CONNECTION_LOSS;
      case ZK_ERROR.OPERATION_TIMEOUT:
        return ZkStoreErrorCode.OPERATION_TIMEOUT;
      case ZK_ERROR.SESSION_EXPIRED:
        return ZkStoreErrorCode.SESSION_EXPIRED;
      case undefined:
      default:
        return ZkStoreErrorCode.ZOOKEEPER_ERROR;
    }
  })();
  const suffix = where ? ` (${where})` : '';
  return new ZkStoreError(code, `ZooKeeper answered ${error.message} on '${path}'${suffix}`, {
    path,
    ...(zkCode === undefined ? {} : { zkCode }),
    cause: error,
  });
}
