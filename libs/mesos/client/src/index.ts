/**
 * `@mesoflow/mesos-client`: a Mesos v1 scheduler HTTP API client. Subscribes to the leading
 * master (given directly, found by 307 redirects, or detected through ZooKeeper), delivers typed
 * events, keeps the subscription alive and sends calls with `Mesos-Stream-Id`.
 */
export { MesosSchedulerClient } from './scheduler-client';
export type {
  CallResult,
  ConnectedNotice,
  DisconnectedNotice,
  DisconnectReason,
  LeaderChangedNotice,
  MesosClientEventMap,
  MesosClientNotices,
  MesosClientState,
  ReconnectingNotice,
  ReconnectReason,
  RedirectedNotice,
  SubscribedNotice,
} from './scheduler-client';
export { CLIENT_DEFAULTS } from './client-options';
export type {
  BackoffOptions,
  MesosCredential,
  MesosSchedulerClientOptions,
  MesosTlsOptions,
} from './client-options';
export type {
  ErrorEvent,
  FailureEvent,
  HeartbeatEvent,
  InverseOffersEvent,
  MessageEvent,
  OffersEvent,
  RescindEvent,
  RescindInverseOfferEvent,
  SchedulerEvent,
  SchedulerEventMap,
  SchedulerEventType,
  SubscribedEvent,
  UnknownEvent,
  UpdateEvent,
  UpdateOperationStatusEvent,
} from './scheduler-events';
export { MesosClientError, MesosClientErrorCode, isMesosClientError } from './errors';
export type { MesosClientErrorDetails } from './errors';
export { DEFAULT_MASTER_PORT, DEFAULT_ZOOKEEPER_PORT, parseMasterAddress } from './master-address';
export type { HttpMasterAddress, MasterAddress, ZooKeeperMasterAddress } from './master-address';
export type { MasterDetector, MasterGroupMember, ZooKeeperMasterDetectorOptions } from './master-detector';
export type { NodeZooKeeperPortOptions, ZooKeeperPort } from './zookeeper-port';
export type { BackoffSettings, JitterMode } from './backoff';
export type { Unsubscribe } from './listeners';
