import { createClient, Exception, type ZooKeeperClient } from 'node-zookeeper-client';
import type { Logger } from 'pino';

/**
 * The little of ZooKeeper the master detector needs. Keeping it this small lets the detector be
 * tested without a server and keeps node-zookeeper-client in one file.
 */
export interface ZooKeeperPort {
  /**
   * Lists the children of `path` and leaves a one-shot watch that calls `onChange` when they
   * change, when `path` is created or deleted, or when the session had to be renewed.
   * @returns the child names, or `undefined` when `path` does not exist (yet).
   */
  getChildren(path: string, onChange: () => void): Promise<string[] | undefined>;
  /** Reads a node; `undefined` when it no longer exists. */
  getData(path: string): Promise<Buffer | undefined>;
  /** Ends the session; no watch fires afterwards. */
  close(): Promise<void>;
}

/** Settings of {@link NodeZooKeeperPort}. */
export interface NodeZooKeeperPortOptions {
  /** `host:port,host:port`. */
  connectString: string;
  /** `digest` credentials (`user:password`). */
  credentials?: { user: string; password: string };
  /** ZooKeeper session timeout in ms. */
  sessionTimeoutMs: number;
  logger: Logger;
}

/**
 * {@link ZooKeeperPort} over node-zookeeper-client. When the session expires it opens a new one
 * and fires every pending watch, so the caller re-reads what it watches.
 */
export class NodeZooKeeperPort implements ZooKeeperPort {
  private client: ZooKeeperClient;
  private closed = false;
  private readonly pendingWatches = new Set<() => void>();

  constructor(private readonly options: NodeZooKeeperPortOptions) {
    this.client = this.open();
  }

  getChildren(path: string, onChange: () => void): Promise<string[] | undefined> {
    const client = this.client;
    const watch = this.watch(onChange);
    return new Promise((resolve, reject) => {
      client.getChildren(path, watch, (error, children) => {
        if (!error) return resolve(children);
        if (error.getCode() !== Exception.NO_NODE) return reject(error);
        // The group does not exist yet: wait for it to be created.
        client.exists(path, watch, (existsError, stat) => {
          if (existsError) return reject(existsError);
          if (stat) watch();
          resolve(undefined);
        });
      });
    });
  }

  getData(path: string): Promise<Buffer | undefined> {
    const client = this.client;
    return new Promise((resolve, reject) => {
      client.getData(path, (error, data) => {
        if (!error) return resolve(data ?? Buffer.alloc(0));
        if (error.getCode() === Exception.NO_NODE) return resolve(undefined);
        reject(error);
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pendingWatches.clear();
    const client = this.client;
    client.removeAllListeners('expired');
    await new Promise<void>((resolve) => {
      // node-zookeeper-client emits 'disconnected' once its socket is gone.
      const done = setTimeout(resolve, 1_000);
      client.once('disconnected', () => {
        clearTimeout(done);
        resolve();
      });
      client.close();
    });
  }

  /** Wraps `onChange` once per registration, so an expired session can fire it too. */
  private watch(onChange: () => void): () => void {
    let fired = false;
    const fire = (): void => {
      if (fired || this.closed) return;
      fired = true;
      this.pendingWatches.delete(fire);
      onChange();
    };
    this.pendingWatches.add(fire);
    return fire;
  }

  private open(): ZooKeeperClient {
    const { connectString, credentials, sessionTimeoutMs, logger } = this.options;
    const client = createClient(connectString, { sessionTimeout: sessionTimeoutMs, spinDelay: 500, retries: 0 });
    if (credentials) {
      client.addAuthInfo('digest', Buffer.from(`${credentials.user}:${credentials.password}`));
    }
    client.once('expired', () => {
      if (this.closed) return;
      logger.warn(`ZooKeeper session with '${connectString}' expired; opening a new one`);
      client.close();
      this.client = this.open();
      const watches = [...this.pendingWatches];
      this.pendingWatches.clear();
      for (const fire of watches) fire();
    });
    client.connect();
    return client;
  }
}
