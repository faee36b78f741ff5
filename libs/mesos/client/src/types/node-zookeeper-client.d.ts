// The few parts of node-zookeeper-client 1.1.3 (which ships no types) that the ZooKeeper
// master detector uses. Interfaces only, so that another library's declaration can merge.
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

  interface ZooKeeperWatcherEvent {
    getType(): number;
    getName(): string;
    getPath(): string;
  }

  interface ZooKeeperClient extends EventEmitter {
    connect(): void;
    close(): void;
    addAuthInfo(scheme: string, auth: Buffer): void;
    getChildren(
      path: string,
      watcher: (event: ZooKeeperWatcherEvent) => void,
      callback: (error: ZooKeeperException | null, children: string[]) => void,
    ): void;
    getData(
      path: string,
      callback: (error: ZooKeeperException | null, data: Buffer | undefined) => void,
    ): void;
    create(
      path: string,
      data: Buffer,
      mode: number,
      callback: (error: ZooKeeperException | null, path: string) => void,
    ): void;
    mkdirp(path: string, callback: (error: ZooKeeperException | null, path: string) => void): void;
    remove(path: string, callback: (error: ZooKeeperException | null) => void): void;
    setData(path: string, data: Buffer, callback: (error: ZooKeeperException | null) => void): void;
    exists(
      path: string,
      watcher: (event: ZooKeeperWatcherEvent) => void,
      callback: (error: ZooKeeperException | null, stat: unknown) => void,
    ): void;
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
