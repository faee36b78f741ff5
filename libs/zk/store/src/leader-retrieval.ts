// Following the scheduler leader from outside the election, as Flink's ZooKeeper leader retrieval
// does for TaskManagers and clients: with `high-availability: zookeeper` the resource manager is
// wherever the current leader of the scheduler's latch serves, and moves when a standby takes over.
import type { MesoflowConfig } from '@mesoflow/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLeader } from './leader-latch';
import { ZooKeeperConnection } from './zookeeper-connection';
import { joinZooKeeperPath } from './zookeeper-worker-store';

/** The scheduler's leader latch of a cluster: `<path.root>/<cluster-id>/leader-latch`. */
export function schedulerLatchPath(rootPath: string, clusterId: string): string {
  return `${joinZooKeeperPath(rootPath, clusterId)}/leader-latch`;
}

/**
 * The dispatcher gateways' leader latch of a cluster: `<path.root>/<cluster-id>/dispatcher-latch`.
 * The gateways elect their own leader (the one that runs job masters), as Flink's dispatcher and
 * resource manager each had their own election: each service's session is its own liveness.
 */
export function dispatcherLatchPath(rootPath: string, clusterId: string): string {
  return `${joinZooKeeperPath(rootPath, clusterId)}/dispatcher-latch`;
}

export interface LeaderRetrievalOptions {
  /** `high-availability.zookeeper.quorum`. */
  connectString: string;
  sessionTimeoutMs: number;
  /** The latch to follow. */
  path: string;
  /** How often to look again while nobody leads. @default 250 */
  pollMs?: number;
  /**
   * How long {@link LeaderRetrieval.address} waits for a leader before it fails, so a caller
   * (the resource manager clients) backs off and asks again. @default 5000
   */
  maxWaitMs?: number;
}

/** Reads the leader of a latch on demand, over a ZooKeeper session it renews when it expires. */
export class LeaderRetrieval {
  private connection: Promise<ZooKeeperConnection> | undefined;
  private closed = false;

  constructor(private readonly options: LeaderRetrievalOptions) {}

  /**
   * The leader's published address; waits up to `maxWaitMs` while nobody leads.
   * @throws Error when nobody leads by then, or when closed.
   */
  async address(): Promise<string> {
    const giveUpAt = Date.now() + (this.options.maxWaitMs ?? 5_000);
    for (;;) {
      if (this.closed) throw new Error(`Leader retrieval of '${this.options.path}' is closed`);
      const leader = await readLeader(await this.open(), this.options.path);
      if (leader !== undefined) return leader.address;
      if (Date.now() >= giveUpAt) throw new Error(`No scheduler leads the cluster at ZooKeeper node '${this.options.path}' yet`);
      await sleep(this.options.pollMs ?? 250);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    await (await connection?.catch(() => undefined))?.close();
  }

  private async open(): Promise<ZooKeeperConnection> {
    const current = await this.connection?.catch(() => undefined);
    if (current?.alive === true) return current;
    // A session that expired (or never opened) is replaced: the leader is read again in the new one.
    const opening = ZooKeeperConnection.connect({ connectString: this.options.connectString, sessionTimeoutMs: this.options.sessionTimeoutMs });
    this.connection = opening;
    return opening;
  }
}

/** Where a process finds the scheduler's resource manager, and what to close with it. */
export interface ResourceManagerLocation {
  /** `host:port`, or (high availability) a lookup of the current leader's address. */
  readonly target: string | (() => Promise<string>);
  /** For logs: the address, or the ZooKeeper latch followed. */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * The resource manager per the configuration: `jobmanager.rpc.address:port`, or with
 * `high-availability: zookeeper` the address the scheduler leader published in its latch.
 */
export function resourceManagerLocation(config: MesoflowConfig): ResourceManagerLocation {
  if (config.get('high-availability') !== 'zookeeper') {
    const address = `${config.get('jobmanager.rpc.address')}:${config.get('jobmanager.rpc.port')}`;
    return { target: address, description: address, close: () => Promise.resolve() };
  }
  const quorum = config.get('high-availability.zookeeper.quorum') ?? '';
  const path = schedulerLatchPath(config.get('high-availability.zookeeper.path.root'), config.get('high-availability.cluster-id'));
  const retrieval = new LeaderRetrieval({ connectString: quorum, sessionTimeoutMs: config.get('high-availability.zookeeper.client.session-timeout').milliseconds, path });
  return { target: () => retrieval.address(), description: `the scheduler leader of zk://${quorum}${path}`, close: () => retrieval.close() };
}
