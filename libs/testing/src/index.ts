/** Test helpers: real servers on loopback, free ports, and waiting on outcomes. */
export { rejectionOf } from './rejection';
export { seededRandom } from './seeded-random';
export { waitFor } from './wait-for';
export type { WaitForOptions } from './wait-for';
export { freePort } from './free-port';
export { ManagedProcess } from './managed-process';
export type { ManagedProcessSpec } from './managed-process';
export { startRedis, startZooKeeper } from './servers';
export type { StartRedisOptions, TestRedis, TestServer, TestZooKeeper } from './servers';
export { startTcpProxy } from './tcp-proxy';
export type { TcpProxy } from './tcp-proxy';
export { descendantPids, startSessionCluster } from './session-cluster';
export type { AppMaster, AppMasterPorts, CliRun, MesosRequest, SessionCluster, SessionClusterMesos, SessionClusterOptions } from './session-cluster';
export {
  ensureSchedulerBundle,
  REPOSITORY_ROOT,
  SCHEDULER_BUNDLE,
  SCHEDULER_BUNDLE_VARIABLE,
  SCHEDULER_NODE_OPTIONS,
  SchedulerProcess,
} from './scheduler-process';
export type { ProcessExit, SchedulerLogLine, SchedulerProcessOptions } from './scheduler-process';
export { createTestPki, openssl } from './test-pki';
export type { TestPki } from './test-pki';
export { fetchTls } from './https-get';
