// With `high-availability: zookeeper` every application master runs a gateway; all of them take
// submissions into the cluster's queue (it is shared and durable), but only the elected one runs
// job masters. A gateway that loses its ZooKeeper session stops its job masters at once and leaves
// their jobs claimed; the next leader restarts them when the claims lapse. The queue's claim
// tokens are the fence: a deposed leader's late outcome is refused once another runner holds the job.
import type { MesoflowConfig } from '@mesoflow/config';
import { dispatcherLatchPath, LeaderLatch, ZooKeeperConnection } from '@mesoflow/zk-store';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/** Stops leading: its synchronous part must already stop taking and running jobs. */
export type StopLeading = () => Promise<void>;

/** Options of {@link startRunnerLeadership}. */
export interface RunnerLeadershipOptions {
  readonly config: MesoflowConfig;
  /** This gateway among the cluster's, unique. */
  readonly id: string;
  /** Where it serves, for the others' logs. */
  readonly address: string;
  readonly logger: Logger;
  /** Starts acting as the leader (taking jobs); called again after a failed start while still leading. */
  readonly lead: (epoch: number) => Promise<StopLeading>;
  /** Pause before retrying a failed start. @default 1000 */
  readonly retryDelayMs?: number;
}

/** This gateway's place in the election. */
export interface RunnerLeadership {
  readonly leading: boolean;
  /** Leaves the election, stopping the leader's work first. */
  close(): Promise<void>;
}

/** Joins the gateways' election; `lead` runs while this gateway wins it. */
export async function startRunnerLeadership(options: RunnerLeadershipOptions): Promise<RunnerLeadership> {
  const { config, logger } = options;
  const connect = (): Promise<ZooKeeperConnection> =>
    ZooKeeperConnection.connect({
      connectString: config.get('high-availability.zookeeper.quorum') ?? '',
      sessionTimeoutMs: config.get('high-availability.zookeeper.client.session-timeout').milliseconds,
    });
  const path = dispatcherLatchPath(config.get('high-availability.zookeeper.path.root'), config.get('high-availability.cluster-id'));
  const connection = await connect();
  // With `reconnect` the latch rejoins after its session expired: a partitioned gateway comes back as a standby.
  const latch = new LeaderLatch({ connection, path, id: options.id, address: options.address, reconnect: connect });
  // Bumped on every change of leadership, so that a start that finishes late is undone.
  let term = 0;
  let stopCurrent: StopLeading | undefined;
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  latch.on('leadership-acquired', (epoch) => {
    const mine = ++term;
    logger.info(`This gateway leads the cluster's job masters (ZooKeeper latch '${path}', epoch ${epoch})`);
    track(
      (async () => {
        while (term === mine) {
          try {
            const stop = await options.lead(epoch);
            if (term === mine) stopCurrent = stop;
            else await stop();
            return;
          } catch (error) {
            logger.error({ err: error }, `Leading gateway could not start taking jobs; trying again in ${options.retryDelayMs ?? 1_000} ms`);
            await sleep(options.retryDelayMs ?? 1_000);
          }
        }
      })(),
    );
  });
  latch.on('leadership-lost', (reason) => {
    term++;
    const stop = stopCurrent;
    stopCurrent = undefined;
    if (reason !== 'closed') logger.warn(`This gateway is no longer the leader (${reason}): its job masters stop and their jobs go to the next leader`);
    if (stop) track(stop().catch((error: unknown) => logger.warn({ err: error }, 'Stopping the job masters after losing the leadership failed')));
  });
  latch.on('error', (error) => logger.warn({ err: error }, `The gateways' leader election at '${path}' reports an error; it retries`));

  try {
    await latch.start();
    const leader = await latch.leader();
    if (leader !== undefined && leader.id !== options.id) logger.info(`Standing by: gateway '${leader.id}' at ${leader.address} runs the job masters`);
  } catch (error) {
    await latch.close().catch(() => undefined);
    await connection.close();
    throw error;
  }
  return {
    get leading() {
      return latch.hasLeadership;
    },
    close: async () => {
      await latch.close();
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await connection.close();
    },
  };
}
