/** ZooKeeper adapter and the scheduler's worker store (ZooKeeper or local files). */
export { ZkStoreError, ZkStoreErrorCode, isOutcomeUnknown, isZkStoreError } from './errors';
export type { ZkStoreErrorDetails } from './errors';
export { ZooKeeperConnection } from './zookeeper-connection';
export type {
  CreateMode,
  NodeChange,
  TransactionOpResult,
  ZNode,
  ZooKeeperConnectionEvent,
  ZooKeeperConnectionOptions,
  ZooKeeperTransactionBuilder,
} from './zookeeper-connection';
export {
  WORKER_TRANSITIONS,
  assertTransition,
  formatTaskId,
  isLegalTransition,
  launched,
  parseTaskId,
  released,
  withFailure,
} from './worker';
export type { LaunchTarget, Worker, WorkerState } from './worker';
export type { WorkerStore } from './worker-store';
export { ZooKeeperWorkerStore, joinZooKeeperPath } from './zookeeper-worker-store';
export type { ZooKeeperWorkerStoreOptions } from './zookeeper-worker-store';
export { LEADER_EPOCH_NODE, LeaderLatch, readLeader } from './leader-latch';
export { dispatcherLatchPath, LeaderRetrieval, resourceManagerLocation, schedulerLatchPath } from './leader-retrieval';
export type { LeaderRetrievalOptions, ResourceManagerLocation } from './leader-retrieval';
export type { LeaderLatchEvents, LeaderLatchOptions, LeadershipLostReason, ZooKeeperFence } from './leader-latch';
export { LATCH_PREFIX, decodeLeaderInfo, encodeLeaderInfo, latchPosition, parseEpoch, sortLatchNodes } from './latch-order';
export type { LatchPosition, LeaderInfo } from './latch-order';
export { FileWorkerStore, writeFileAtomic } from './file-worker-store';
export { openWorkerStore } from './open-worker-store';
export type { WorkerStoreLocation } from './open-worker-store';
