import type { MesoflowConfig } from '@mesoflow/config';
import {
  joinZooKeeperPath,
  LeaderLatch,
  openWorkerStore,
  schedulerLatchPath,
  ZooKeeperConnection,
  type LeadershipLostReason,
  type WorkerStore,
} from '@mesoflow/zk-store';
import type { Logger } from 'pino';
import { SchedulerError, SchedulerErrorCode } from './scheduler/errors';

/** The store the scheduler keeps its workers in, and what must be closed with it. */
export interface SchedulerStore {
  readonly store: WorkerStore;
  /** Where the store is, for logs: a folder, or the ZooKeeper node. */
  readonly location: string;
  /** With `high-availability: zookeeper`: the leadership this scheduler holds. */
  readonly leadership?: { readonly epoch: number; onLost(listener: (reason: LeadershipLostReason) => void): void };
  close(): Promise<void>;
}

/** Who this scheduler is among the masters of the cluster, published to the standbys. */
export interface SchedulerIdentity {
  id: string;
  address: string;
}

/**
 * Opens the worker store. With `high-availability: zookeeper` it is in ZooKeeper under
 * `high-availability.zookeeper.path.root/<cluster-id>`, and only the leader may write to it:
 * this waits until the scheduler wins the election (logging that it stands by), and every write
 * then carries the latch's fence, so a deposed leader's late writes are refused. Otherwise the
 * store is the folder `storeDir`.
 *
 * @throws SchedulerError `INVALID_CONFIGURATION` without a store folder in non-HA mode.
 */
export async function openSchedulerStore(
  config: MesoflowConfig,
  storeDir: string | undefined,
  identity: SchedulerIdentity,
  logger: Logger,
  signal?: AbortSignal,
): Promise<SchedulerStore> {
  if (config.get('high-availability') !== 'zookeeper') {
    if (storeDir === undefined) {
      throw new SchedulerError(
        SchedulerErrorCode.INVALID_CONFIGURATION,
        "--store-dir: is required when 'high-availability' is NONE (expected the folder that keeps the workers across restarts)",
      );
    }
    return { store: await openWorkerStore({ kind: 'file', folder: storeDir }), location: storeDir, close: () => Promise.resolve() };
  }
  const rootPath = config.get('high-availability.zookeeper.path.root');
  const clusterId = config.get('high-availability.cluster-id');
  const quorum = config.get('high-availability.zookeeper.quorum') ?? '';
  const sessionTimeoutMs = config.get('high-availability.zookeeper.client.session-timeout').milliseconds;
  const connection = await ZooKeeperConnection.connect({ connectString: quorum, sessionTimeoutMs });
  const basePath = joinZooKeeperPath(rootPath, clusterId);
  // No `reconnect`: a scheduler whose session expired stops (the store holds the dead session), and
  // its supervisor starts a new one, which stands by.
  const latch = new LeaderLatch({ connection, path: schedulerLatchPath(rootPath, clusterId), ...identity });
  const close = async (): Promise<void> => {
    await latch.close().catch(() => undefined);
    await connection.close();
  };
  try {
    await latch.start();
    const leader = await latch.leader();
    if (leader && leader.id !== identity.id) {
      logger.info(`Standing by: '${leader.id}' at ${leader.address} leads the cluster at ZooKeeper node '${basePath}'`);
    }
    const epoch = await latch.awaitLeadership(signal);
    logger.info(`This scheduler leads the cluster at ZooKeeper node '${basePath}' (leader epoch ${epoch})`);
    const store = await openWorkerStore({ kind: 'zookeeper', connection, rootPath, clusterId, fence: () => latch.fence() });
    return {
      store,
      location: `zk://${quorum}${basePath}`,
      leadership: {
        epoch,
        onLost: (listener) => {
          latch.on('leadership-lost', listener);
        },
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
