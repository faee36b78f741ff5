/**
 * A local Mesos stand-in: one master and N agents in this process, speaking the real Mesos v1
 * scheduler HTTP API (RecordIO event streams, offers, ACCEPT validation, reliable status
 * updates, reconciliation, failover) and running command tasks as local processes.
 */
export { startLocalMesos, MESOS_VERSION } from './local-mesos';
export type { LocalMesos, RestartMasterOptions } from './local-mesos';
export { stateFrameworks, stateTasks } from './http/state-view';
export type { StateFramework, StateTask } from './http/state-view';
export { DEFAULT_AGENT_RESOURCES } from './options';
export type { AgentSpec, LocalMesosOptions } from './options';
export { LocalMesosError, LocalMesosErrorCode } from './errors';
export { loadCredentialsFile, parseCredentials } from './credentials';
export type { Credential } from './credentials';
export { parseAttributeText, parseResourceText } from './resources/resource-text';
export type { Attribute } from './resources/resource-text';
export { Resources } from './resources/resources';
export type { Range, ResourceEntry, ResourceValue } from './resources/resources';
export { parseZooKeeperUrl } from './zk/session';
export type { ZooKeeperUrl } from './zk/session';
