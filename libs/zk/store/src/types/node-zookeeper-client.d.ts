// The parts of node-zookeeper-client 1.1.3 (which ships no types) that @mesoflow/zk-store uses.
//
// libs/mesos/client/src/types/node-zookeeper-client.d.ts declares another subset of the same
// module; both end up in one program (the root tsconfig, an app using both libs), so this file
// only adds interface members and repeats shared declarations word for word: interfaces merge
// and identical function declarations become overloads. `CreateMode` and `Exception` are `const`s
// there and cannot be declared twice, so the adapter uses ZooKeeper's protocol numbers itself.
// The two declarations should be merged into one shared file.
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

  interface ZooKeeperClient extends EventEmitter {
    connect(): void;
    close(): void;
    getSessionId(): Buffer;
    /** The session timeout the server granted, in ms. */
    getSessionTimeout(): number;
    getChildren(
      path: string,
      callback: (error: ZooKeeperException | null, children: string[] | undefined) => void,
    ): void;
    getData(
      path: string,
      callback: (error: ZooKeeperException | null, data: Buffer | undefined, stat: ZooKeeperStat | undefined) => void,
    ): void;
    create(
      path: string,
      data: Buffer,
      mode: number,
      callback: (error: ZooKeeperException | null, path: string) => void,
    ): void;
    mkdirp(path: string, callback: (error: ZooKeeperException | null, path: string) => void): void;
    remove(path: string, version: number, callback: (error: ZooKeeperException | null) => void): void;
    setData(
      path: string,
      data: Buffer,
      version: number,
      callback: (error: ZooKeeperException | null, stat: ZooKeeperStat | undefined) => void,
    ): void;
    exists(path: string, callback: (error: ZooKeeperException | null, stat: ZooKeeperStat | null | undefined) => void): void;
    /** The one-shot `watcher` is only registered when the call succeeds; one function is registered once per path. */
    exists(
      path: string,
      watcher: (event: ZooKeeperWatcherEvent) => void,
      callback: (error: ZooKeeperException | null, stat: ZooKeeperStat | null | undefined) => void,
    ): void;
    transaction(): ZooKeeperTransaction;
  }

  function createClient(connectionString: string, options?: ZooKeeperClientOptions): ZooKeeperClient;
}
