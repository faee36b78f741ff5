import { mesos } from '@mesoflow/proto';
import type { SimulatedAgent } from '../cluster/simulated-agent';
import { OfferFilters } from '../resources/offer-filters';
import { Resources } from '../resources/resources';
import type { SubscriptionStream } from './subscription';
import type { TaskStatus } from './task-states';

type TaskInfo = mesos.v1.TaskInfo.$Properties;
type FrameworkInfo = mesos.v1.FrameworkInfo.$Properties;

/** A task as the master tracks it. */
export interface TaskRecord {
  readonly frameworkId: string;
  readonly agentId: string;
  /** The TaskInfo as launched, with the offer's allocation info injected. */
  readonly info: TaskInfo;
  readonly role: string;
  readonly resources: Resources;
  /** The agent's latest state for the task (may be ahead of what the scheduler has seen). */
  state: mesos.v1.TaskState;
  /** The state of the last update forwarded to the scheduler, used by reconciliation. */
  forwardedState: mesos.v1.TaskState | null;
  /** The last update forwarded, for `healthy` and `container_status` in reconciliation. */
  forwardedStatus: TaskStatus | null;
  /** One entry per distinct consecutive state, `data` stripped (the `/state` `statuses`). */
  readonly statuses: TaskStatus[];
  /** When the agent was marked unreachable, in ms since the epoch. */
  unreachableTime: number | null;
}

/** How a framework is attached to the master. */
export type FrameworkConnection =
  | { readonly kind: 'connected'; readonly stream: SubscriptionStream }
  | { readonly kind: 'disconnected'; readonly since: number; readonly failoverTimer: NodeJS.Timeout | null }
  /** Learned from a re-registering agent after a master failover; not subscribed yet. */
  | { readonly kind: 'recovered' };

/** A framework the master knows (connected, disconnected or recovered). */
export interface FrameworkRecord {
  readonly id: string;
  info: FrameworkInfo;
  roles: string[];
  connection: FrameworkConnection;
  readonly suppressed: Set<string>;
  readonly filters: OfferFilters;
  readonly tasks: Map<string, TaskRecord>;
  readonly unreachableTasks: Map<string, TaskRecord>;
  readonly completedTasks: TaskRecord[];
  readonly offers: Set<string>;
  /** Resources of the framework's tasks plus its outstanding offers (for DRF ordering). */
  readonly allocated: Resources;
  readonly used: Resources;
  registeredTime: number;
  reregisteredTime: number;
  unregisteredTime: number;
}

/** A removed framework, kept for `/state` and to refuse its ID. */
export interface CompletedFramework {
  readonly record: FrameworkRecord;
  readonly removedTime: number;
}

/** Where an agent stands with the master. */
export type AgentStatus =
  | 'active'
  /** Admitted before a master failover and not re-registered since. */
  | 'recovering'
  /** Missed too many pings (or did not re-register in time). */
  | 'unreachable'
  /** Removed for good; it would come back under a new ID. */
  | 'removed';

/** An agent as the master tracks it. */
export interface AgentRecord {
  readonly agent: SimulatedAgent;
  status: AgentStatus;
  readonly total: Resources;
  readonly used: Resources;
  readonly offered: Resources;
  /** Tasks on the agent, keyed by framework ID and task ID. */
  readonly tasks: Map<string, TaskRecord>;
  registeredTime: number;
  reregisteredTime: number | null;
  unreachableTime: number | null;
  missedPings: number;
}

/** An outstanding offer. */
export interface OfferRecord {
  readonly id: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
  readonly timer: NodeJS.Timeout | null;
}

/** The key of a task in an agent's task map. */
export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

/** True when the framework's FrameworkInfo lists the capability. */
export function hasCapability(info: FrameworkInfo, type: mesos.v1.FrameworkInfo.Capability.Type): boolean {
  return (info.capabilities ?? []).some((capability) => capability.type === type);
}

/** The roles a framework subscribes with (`roles` for MULTI_ROLE, else `role`, default `*`). */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (hasCapability(info, mesos.v1.FrameworkInfo.Capability.Type.MULTI_ROLE)) return [...(info.roles ?? [])];
  return [info.role ?? '*'];
}
