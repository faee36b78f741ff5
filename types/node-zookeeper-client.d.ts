// The parts of node-zookeeper-client 1.1.3 (which ships no types) that Mesoflow uses: the Mesos
// client's and the stand-in's ZooKeeper master detection and registration, and @mesoflow/zk-store.
// One declaration for the whole repository (tsconfig.base.json lists this file), so that the
// libraries cannot drift apart in what they believe the module offers.
declare module 'node-zookeeper-client' {
  import { EventEmitter } from 'node:events';

  interface ZooKeeperException extends Error {
    getCode(): number;
    getName(): string;
  }

  interface ZooKeeperClientOptions {
    sessionTimeout?: number;
    spinDelay?: number;
    retries?: number;
  }

  /** A node's metadata; the numbers we use are plain numbers, the 64-bit ones are Buffers. */
  interface ZooKeeperStat {
    version: number;
    cversion: number;
    aversion: number;
    dataLength: number;
    numChildren: number;
    ephemeralOwner: Buffer;
  }

  interface ZooKeeperWatcherEvent {
    getType(): number;
    getName(): string;
    getPath(): string;
  }

  /** One entry of a committed transaction's results. */
  interface ZooKeeperTransactionResult {
    type: number;
    path?: string;
    stat?: ZooKeeperStat;
    err?: number;
  }

  interface ZooKeeperTransaction {
    /** The queued ops; `version` is what goes on the wire (see ZooKeeperConnection's transaction). */
    ops: Array<{ version?: number }>;
    create(path: string, data: Buffer, mode: number): ZooKeeperTransaction;
    check(path: string, version: number): ZooKeeperTransaction;
    setData(path: string, data: Buffer, version: number): ZooKeeperTransaction;
    remove(path: string, version: number): ZooKeeperTransaction;
    commit(callback: (error: ZooKeeperException | null, results: ZooKeeperTransactionResult[] | undefined) => void): void;
  }

  type Callback<T> = (error: ZooKeeperException | null, value: T) => void;

  interface ZooKeeperClient extends EventEmitter {
    connect(): void;
    close(): void;
    addAuthInfo(scheme: string, auth: Buffer): void;
    getSessionId(): Buffer;
    /** The session timeout the server granted, in ms. */
    getSessionTimeout(): number;
    getChildren(path: string, callback: Callback<string[] | undefined>): void;
    getChildren(path: string, watcher: (event: ZooKeeperWatcherEvent) => void, callback: Callback<string[] | undefined>): void;
    getData(
      path: string,
      callback: (error: ZooKeeperException | null, data: Buffer | undefined, stat: ZooKeeperStat | undefined) => void,
    ): void;
    create(path: string, data: Buffer, mode: number, callback: Callback<string>): void;
    mkdirp(path: string, callback: Callback<string>): void;
    /** Without a version: whatever version the node has. */
    remove(path: string, callback: (error: ZooKeeperException | null) => void): void;
    remove(path: string, version: number, callback: (error: ZooKeeperException | null) => void): void;
    setData(path: string, data: Buffer, callback: Callback<ZooKeeperStat | undefined>): void;
    setData(path: string, data: Buffer, version: number, callback: Callback<ZooKeeperStat | undefined>): void;
    exists(path: string, callback: Callback<ZooKeeperStat | null | undefined>): void;
    /** The one-shot `watcher` is only registered when the call succeeds; one function is registered once per path. */
    exists(path: string, watcher: (event: ZooKeeperWatcherEvent) => void, callback: Callback<ZooKeeperStat | null | undefined>): void;
    transaction(): ZooKeeperTransaction;
  }

  function createClient(connectionString: string, options?: ZooKeeperClientOptions): ZooKeeperClient;

  const CreateMode: {
    readonly PERSISTENT: number;
    readonly PERSISTENT_SEQUENTIAL: number;
    readonly EPHEMERAL: number;
    readonly EPHEMERAL_SEQUENTIAL: number;
  };

  const Exception: {
    readonly NO_NODE: number;
    readonly CONNECTION_LOSS: number;
    readonly SESSION_EXPIRED: number;
  };
}
