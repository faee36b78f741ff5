import { isOutcomeUnknown, isZkStoreError, ZkStoreError, ZkStoreErrorCode } from './errors';
import {
  decodeLeaderInfo,
  encodeLeaderInfo,
  LATCH_PREFIX,
  latchPosition,
  type LeaderInfo,
  parseEpoch,
  sortLatchNodes,
} from './latch-order';
import type { ZooKeeperConnection } from './zookeeper-connection';

/** How long {@link LeaderLatch.close} waits for its node's deletion. */
const CLOSE_DELETE_WAIT_MS = 1_000;

/** Name of the persistent node, among the latch nodes, holding the epoch of the latest leadership. */
export const LEADER_EPOCH_NODE = 'leader-epoch';

/**
 * What a store checks inside every write transaction: the node must still exist at `version`.
 * The leader's latch node is ephemeral, so once its session is gone so is the node, and a deposed
 * leader's writes fail however late they arrive.
 */
export interface ZooKeeperFence {
  path: string;
  version: number;
}

/** Why a leader stepped down. */
export type LeadershipLostReason =
  /** The connection dropped or went silent: the session may expire any moment and another may lead. */
  | 'connection-suspended'
  /** The session expired: our latch node is gone. */
  | 'session-expired'
  /** Our latch node was deleted (by an operator, say). */
  | 'node-deleted'
  /** {@link LeaderLatch.close} was called. */
  | 'closed';

/** Listeners of a {@link LeaderLatch}. */
export interface LeaderLatchEvents {
  /** This participant leads, with a leadership `epoch` greater than every earlier one. */
  'leadership-acquired': (epoch: number) => void;
  /** This participant stopped leading; it must stop acting as the leader before returning. */
  'leadership-lost': (reason: LeadershipLostReason) => void;
  /** A background step (re-checking, rejoining) failed; the latch retries by itself. */
  error: (error: unknown) => void;
}

/** Settings of a {@link LeaderLatch}. */
export interface LeaderLatchOptions {
  /** An open connection; the latch does not close it. */
  connection: ZooKeeperConnection;
  /** The latch's node, e.g. `<path.root>/<cluster-id>/leader-latch`; created when missing. */
  path: string;
  /** This participant's ID, unique among the participants. */
  id: string;
  /** Where this participant serves, published to the standbys. */
  address: string;
  /**
   * Opens a new session after ours expired, so the latch rejoins with a new node. Without it the
   * latch stays out after an expiry and the caller starts over. Connections it returns are closed
   * by the latch.
   */
  reconnect?: () => Promise<ZooKeeperConnection>;
  /** Pause before retrying a failed background step or reconnection. @default 1000 */
  retryDelayMs?: number;
}

type Listeners = { [E in keyof LeaderLatchEvents]: Set<LeaderLatchEvents[E]> };

/**
 * Leader election among the application masters (ZooKeeper's recipe): each participant creates an
 * ephemeral sequential `latch-` node holding `{ id, address }`; the lowest number leads and every
 * other participant watches only the node just before its own.
 *
 * The leader steps down at once (synchronously, in the event that tells) when the connection drops
 * or goes silent, the session expires or its node disappears, so that it has stopped before the
 * server can let the next participant lead. On winning it increments the `leader-epoch` node in a
 * transaction that also checks its own latch node, so epochs strictly increase across leaderships.
 */
export class LeaderLatch {
  private connection: ZooKeeperConnection;
  private readonly ownedConnections: ZooKeeperConnection[] = [];
  private readonly epochPath: string;
  private readonly data: Buffer;
  private readonly retryDelayMs: number;
  private readonly listeners: Listeners = {
    'leadership-acquired': new Set(),
    'leadership-lost': new Set(),
    error: new Set(),
  };
  private state: 'new' | 'started' | 'closed' = 'new';
  private ownPath: string | undefined;
  private leading = false;
  private currentEpoch: number | undefined;
  /** Bumped at every step-down and node change, so that work begun before it is dropped. */
  private generation = 0;
  private checking: Promise<void> | undefined;
  private recheck = false;
  private unsubscribe: Array<() => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private liveness: { probe: NodeJS.Timeout; deadline: NodeJS.Timeout } | undefined;
  private waiters: Array<{ resolve: (epoch: number) => void; reject: (error: ZkStoreError) => void }> = [];

  constructor(private readonly options: LeaderLatchOptions) {
    if (!options.path.startsWith('/') || options.path.endsWith('/')) {
      throw new ZkStoreError(
        ZkStoreErrorCode.INVALID_ARGUMENT,
        `The latch path '${options.path}' must start with '/' and not end with it`,
      );
    }
    if (!options.id) throw new ZkStoreError(ZkStoreErrorCode.INVALID_ARGUMENT, 'The latch participant ID is empty');
    this.connection = options.connection;
    this.epochPath = `${options.path}/${LEADER_EPOCH_NODE}`;
    this.data = encodeLeaderInfo({ id: options.id, address: options.address });
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
  }

  /** True while this participant leads. */
  get hasLeadership(): boolean {
    return this.leading;
  }

  /** The epoch of the current leadership; `undefined` when not leading. */
  get epoch(): number | undefined {
    return this.leading ? this.currentEpoch : undefined;
  }

  /** Our latch node's path while we are in the election. */
  get nodePath(): string | undefined {
    return this.ownPath;
  }

  /**
   * Joins the election.
   * @throws ZkStoreError when the latch node cannot be created; `INVALID_ARGUMENT` when called twice.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') {
      throw new ZkStoreError(ZkStoreErrorCode.INVALID_ARGUMENT, `The leader latch at '${this.options.path}' was already started`);
    }
    this.state = 'started';
    this.subscribe(this.connection);
    await this.join();
    this.scheduleCheck();
    await this.checking;
  }

  /**
   * Resolves with the epoch once this participant leads (at once when it does already).
   * @throws ZkStoreError `ABORTED` when `signal` fires, `CLOSED` when the latch is closed first,
   *   `SESSION_EXPIRED` when the session expired and there is no `reconnect`.
   */
  awaitLeadership(signal?: AbortSignal): Promise<number> {
    if (this.leading && this.currentEpoch !== undefined) return Promise.resolve(this.currentEpoch);
    if (this.state === 'closed') return Promise.reject(this.closedError());
    if (this.state === 'started' && !this.connection.alive && !this.options.reconnect) {
      return Promise.reject(
        new ZkStoreError(ZkStoreErrorCode.SESSION_EXPIRED, `The leader latch at '${this.options.path}' lost its session`, {
          path: this.options.path,
        }),
      );
    }
    return new Promise<number>((resolve, reject) => {
      const aborted = (): ZkStoreError =>
        new ZkStoreError(ZkStoreErrorCode.ABORTED, `Stopped waiting for leadership of '${this.options.path}'`, {
          cause: signal?.reason,
        });
      if (signal?.aborted) return reject(aborted());
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(aborted());
      };
      const entry = {
        resolve: (epoch: number) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(epoch);
        },
        reject: (error: ZkStoreError) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(entry);
    });
  }

  /**
   * The current leader's `{ id, address }` (ours when we lead), for standbys to follow;
   * `undefined` when nobody is in the election.
   */
  async leader(): Promise<LeaderInfo | undefined> {
    return readLeader(this.connection, this.options.path);
  }

  /**
   * The fence a store checks in every write while we lead; `undefined` when we do not, which a
   * fenced store treats as "refuse".
   */
  fence(): ZooKeeperFence | undefined {
    if (!this.leading || !this.ownPath) return undefined;
    // Nobody writes latch nodes, so ours stays at the version it was created with.
    return { path: this.ownPath, version: 0 };
  }

  /**
   * Calls `listener` on each `event`.
   * @returns a function that removes the listener.
   */
  on<E extends keyof LeaderLatchEvents>(event: E, listener: LeaderLatchEvents[E]): () => void {
    const set = this.listeners[event] as Set<LeaderLatchEvents[E]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Steps down (emitting `leadership-lost` with `closed` when leading) and deletes our node, so the
   * next participant takes over at once. Idempotent.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stepDown('closed');
    for (const off of this.unsubscribe.splice(0)) off();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.closedError());
    const own = this.ownPath;
    this.ownPath = undefined;
    if (own && this.connection.alive) {
      // node-zookeeper-client holds requests while disconnected instead of failing them, so do not
      // wait long: when the delete cannot go through, the node goes with the session anyway.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.connection.delete(own, -1).catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_DELETE_WAIT_MS))),
      ]);
      clearTimeout(timer);
    }
    await Promise.all(this.ownedConnections.splice(0).map((connection) => connection.close()));
  }

  private subscribe(connection: ZooKeeperConnection): void {
    this.unsubscribe.push(
      connection.on('disconnected', () => this.stepDown('connection-suspended')),
      // The session survived, and with it our node: find out whether we still come first.
      connection.on('reconnected', () => this.scheduleCheck()),
      connection.on('expired', () => this.onExpired()),
    );
  }

  /** Creates our latch node (and the latch and epoch nodes when missing). */
  private async join(): Promise<void> {
    const connection = this.connection;
    await connection.mkdirp(this.options.path);
    try {
      await connection.create(this.epochPath, Buffer.from('0'));
    } catch (error) {
      if (!isZkStoreError(error, ZkStoreErrorCode.NODE_EXISTS)) throw error;
    }
    let path: string;
    try {
      path = await connection.create(`${this.options.path}/${LATCH_PREFIX}`, this.data, 'ephemeral-sequential');
    } catch (error) {
      // The node may have been created: adopt it rather than leave an orphan that would lead
      // (or block) until our session ends.
      if (!isOutcomeUnknown(error)) throw error;
      const orphan = await this.findOwnNode();
      if (!orphan) throw error;
      path = orphan;
    }
    if (this.state !== 'started' || connection !== this.connection) {
      await connection.delete(path, -1).catch(() => undefined);
      return;
    }
    this.generation++;
    this.ownPath = path;
    await connection.exists(path, this.onOwnNodeChange);
  }

  /** A latch node holding our data: one we created without hearing the answer. */
  private async findOwnNode(): Promise<string | undefined> {
    for (const name of sortLatchNodes(await this.connection.getChildren(this.options.path))) {
      const path = `${this.options.path}/${name}`;
      if ((await this.connection.getData(path))?.data.equals(this.data)) return path;
    }
    return undefined;
  }

  /** Our node is deleted (or changed, which nobody does): step down at once, then see. */
  private readonly onOwnNodeChange = (): void => {
    this.stepDown('node-deleted');
    this.scheduleCheck();
  };

  private readonly onPredecessorChange = (): void => this.scheduleCheck();

  /** Runs {@link check} once at a time, again when asked to meanwhile. */
  private scheduleCheck(): void {
    if (this.state !== 'started') return;
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = (async () => {
      do {
        this.recheck = false;
        try {
          await this.check();
        } catch (error) {
          this.emitError(error);
          // A connection loss is followed by 'reconnected' or 'expired', which check again.
          if (this.connection.alive) this.later(() => this.scheduleCheck());
        }
      } while (this.recheck && this.state === 'started');
      this.checking = undefined;
    })();
  }

  /** Finds where we stand and acts: lead, watch our predecessor, or rejoin when our node is gone. */
  private async check(): Promise<void> {
    const connection = this.connection;
    const own = this.ownPath;
    if (this.state !== 'started' || !connection.alive) return;
    if (!own) {
      await this.join();
      this.recheck = true;
      return;
    }
    const generation = this.generation;
    const position = latchPosition(await connection.getChildren(this.options.path), own.slice(own.lastIndexOf('/') + 1));
    if (generation !== this.generation) {
      this.recheck = true;
      return;
    }
    switch (position.kind) {
      case 'gone':
        this.stepDown('node-deleted');
        this.ownPath = undefined;
        this.recheck = true;
        return;
      case 'standby':
        // Gone already: we may be first now.
        if (!(await connection.exists(`${this.options.path}/${position.predecessor}`, this.onPredecessorChange))) {
          this.recheck = true;
        }
        return;
      case 'leader':
        if (!this.leading) await this.acquire(own, generation);
        return;
    }
  }

  /** Takes the next epoch, on condition that our node still exists, then leads. */
  private async acquire(own: string, generation: number): Promise<void> {
    const connection = this.connection;
    const node = await connection.getData(this.epochPath);
    if (!node) {
      throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, `The leader epoch node '${this.epochPath}' is missing`, {
        path: this.epochPath,
      });
    }
    const epoch = parseEpoch(node.data.toString('utf8'), this.epochPath) + 1;
    const sentAt = Date.now();
    try {
      await connection
        .transaction()
        .check(own, 0)
        .setData(this.epochPath, Buffer.from(String(epoch)), node.version)
        .commit();
    } catch (error) {
      // Our node went (NO_NODE) or someone else bumped the epoch (BAD_VERSION): look again.
      if (isZkStoreError(error, ZkStoreErrorCode.NO_NODE) || isZkStoreError(error, ZkStoreErrorCode.BAD_VERSION)) {
        this.recheck = true;
        return;
      }
      throw error;
    }
    // We stepped down meanwhile (the epoch is then skipped, which keeps epochs increasing).
    if (generation !== this.generation || this.state !== 'started') {
      this.recheck = true;
      return;
    }
    this.leading = true;
    this.currentEpoch = epoch;
    this.watchLiveness(own, sentAt);
    for (const listener of [...this.listeners['leadership-acquired']]) this.safely(() => listener(epoch));
    for (const waiter of this.waiters.splice(0)) waiter.resolve(epoch);
  }

  /**
   * node-zookeeper-client notices a dropped socket but not a silent one (it has no read timeout),
   * while the server expires a session it has not heard from for the session timeout. So while
   * leading, ask the server every third of it and step down when no answer came for two thirds,
   * counted from when the last answered question was sent: the server heard us no earlier.
   */
  private watchLiveness(own: string, lastHeard: number): void {
    const connection = this.connection;
    const timeout = connection.sessionTimeoutMs;
    const generation = this.generation;
    const arm = (heardAt: number): NodeJS.Timeout =>
      setTimeout(
        () => {
          if (generation !== this.generation) return;
          this.stepDown('connection-suspended');
          // No event may follow a silent connection: keep checking until the server answers.
          this.scheduleCheck();
        },
        Math.max(0, heardAt + (timeout * 2) / 3 - Date.now()),
      );
    const probe = setInterval(() => {
      const sentAt = Date.now();
      connection.exists(own).then(
        (stat) => {
          if (generation !== this.generation || !this.liveness) return;
          if (!stat) return this.onOwnNodeChange();
          clearTimeout(this.liveness.deadline);
          this.liveness.deadline = arm(sentAt);
        },
        () => undefined, // The deadline decides.
      );
    }, timeout / 3);
    this.liveness = { probe, deadline: arm(lastHeard) };
  }

  /** Stops leading at once, emitting `leadership-lost` if we led. */
  private stepDown(reason: LeadershipLostReason): void {
    this.generation++;
    if (this.liveness) {
      clearInterval(this.liveness.probe);
      clearTimeout(this.liveness.deadline);
      this.liveness = undefined;
    }
    if (!this.leading) return;
    this.leading = false;
    this.currentEpoch = undefined;
    for (const listener of [...this.listeners['leadership-lost']]) this.safely(() => listener(reason));
  }

  /** Our node went with the session: rejoin through a new session when we can. */
  private onExpired(): void {
    this.stepDown('session-expired');
    this.ownPath = undefined;
    for (const off of this.unsubscribe.splice(0)) off();
    const reconnect = this.options.reconnect;
    if (this.state !== 'started') return;
    if (!reconnect) {
      // Nothing can bring us back: waiting callers must hear it rather than wait forever.
      const error = new ZkStoreError(
        ZkStoreErrorCode.SESSION_EXPIRED,
        `The ZooKeeper session of the leader latch at '${this.options.path}' expired and no reconnect was given`,
        { path: this.options.path },
      );
      for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      return;
    }
    const attempt = async (): Promise<void> => {
      try {
        const connection = await reconnect();
        if (this.state !== 'started') {
          await connection.close();
          return;
        }
        this.ownedConnections.push(connection);
        this.connection = connection;
        this.subscribe(connection);
        this.scheduleCheck();
      } catch (error) {
        this.emitError(error);
        this.later(() => void attempt());
      }
    };
    void attempt();
  }

  /** Runs `fn` after the retry delay unless the latch is closed by then. */
  private later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.state === 'started') fn();
    }, this.retryDelayMs);
    this.timers.add(timer);
  }

  /** A throwing listener must not stop the others nor the latch. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.emitError(error);
    }
  }

  private emitError(error: unknown): void {
    for (const listener of [...this.listeners.error]) {
      try {
        listener(error);
      } catch {
        // Nowhere left to report it.
      }
    }
  }

  private closedError(): ZkStoreError {
    return new ZkStoreError(ZkStoreErrorCode.CLOSED, `The leader latch at '${this.options.path}' is closed`, {
      path: this.options.path,
    });
  }
}

/**
 * The leader of the latch at `path` (`{ id, address }`), read without taking part in the
 * election; `undefined` when nobody is in it (or the latch node does not exist yet).
 */
export async function readLeader(connection: ZooKeeperConnection, path: string): Promise<LeaderInfo | undefined> {
  // The first node may go between listing and reading it: list again.
  for (let attempt = 0; attempt < 10; attempt++) {
    if (!(await connection.exists(path))) return undefined;
    const first = sortLatchNodes(await connection.getChildren(path))[0];
    if (first === undefined) return undefined;
    const nodePath = `${path}/${first}`;
    const node = await connection.getData(nodePath);
    if (node) return decodeLeaderInfo(node.data, nodePath);
  }
  throw new ZkStoreError(ZkStoreErrorCode.CONFLICT, `The leader of '${path}' kept changing while read`, { path });
}
