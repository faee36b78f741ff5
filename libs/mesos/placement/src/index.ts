/**
 * Offer matching for the Mesoflow scheduler: which pending TaskManager workers to launch on which
 * Mesos offers. Pure functions over `@mesoflow/proto` types; no I/O.
 */
export { placeWorkers } from './place';
export type {
  AttributeSpreadLimit,
  Launch,
  PendingWorker,
  PlacedWorker,
  PlacementOptions,
  PlacementResult,
  RunningWorker,
  UnplacedReason,
  UnplacedWorker,
} from './place';
export { validateWorkerProfile } from './profile';
export type { WorkerProfile } from './profile';
export { parseHostAttributeConstraints, satisfiesConstraints } from './constraints';
export type { HostAttributeConstraint, ParsedConstraints } from './constraints';
export { offerResourcesSummary, textAttributes } from './resources';
export type { OfferResourcesSummary } from './resources';
