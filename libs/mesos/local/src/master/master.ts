import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { mesos } from '@mesoflow/proto';
import type { MasterLink, SimulatedAgent } from '../cluster/simulated-agent';
import type { PendingUpdate } from '../cluster/status-update-manager';
import type { LocalMesosMetrics } from '../metrics';
import { OfferFilters, refuseMillis } from '../resources/offer-filters';
import { Resources } from '../resources/resources';
import { resourcesError } from '../resources/validation';
import { errorEvent, EventRecord, updateEvent } from './events';
import { has } from '../proto-fields';
import { frameworkInfoError } from './framework-validation';
import {
  frameworkRoles,
  hasCapability,
  taskKey,
  type AgentRecord,
  type CompletedFramework,
  type FrameworkRecord,
  type OfferRecord,
  type TaskRecord,
} from './model';
import { agentKnowledge, knownTaskAnswer, unknownTaskAnswer } from './reconciliation';
import type { SubscriptionStream } from './subscription';
import { isTerminalState, masterStatus, taskStateName, type TaskStatus } from './task-states';
import { taskError } from './task-validation';

type FrameworkInfo = mesos.v1.FrameworkInfo.$Properties;
type TaskInfo = mesos.v1.TaskInfo.$Properties;

const S = mesos.v1.TaskState;
const R = mesos.v1.TaskStatus.Reason;
const E = mesos.v1.scheduler.Event.Type;
const Capability = mesos.v1.FrameworkInfo.Capability.Type;
const Operation = mesos.v1.Offer.Operation.Type;

/** The largest delay `setTimeout` honours (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Everything the master is configured with. */
export interface MasterConfig {
  /** The advertised address of the master's HTTP endpoint. */
  hostname: string;
  ip: string;
  port: number;
  version: string;
  allocationIntervalMs: number;
  offerTimeoutMs: number | null;
  heartbeatIntervalSeconds: number;
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  agentReregisterTimeoutMs: number;
  agentReregisterDelayMs: number;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  maxUnreachableTasksPerFramework: number;
}

/** Who the current master is (a new one after every failover). */
export interface MasterIdentity {
  readonly id: string;
  readonly startTime: number;
  readonly electedTime: number;
  readonly info: mesos.v1.MasterInfo.$Properties;
}

/** Why a non-SUBSCRIBE call cannot be dispatched to a framework. */
export type FrameworkLookup =
  | { kind: 'found'; framework: FrameworkRecord; streamId: string }
  | { kind: 'unknown' }
  | { kind: 'not-subscribed' };

/** The synchronous answer of UPDATE_FRAMEWORK. */
export interface UpdateFrameworkResult {
  status: 200 | 400 | 403;
  message: string;
}

/** A read-only view of the master's tables, for `/state`. */
export interface MasterView {
  readonly identity: MasterIdentity;
  readonly config: MasterConfig;
  readonly frameworks: ReadonlyMap<string, FrameworkRecord>;
  readonly completedFrameworks: readonly CompletedFramework[];
  readonly agents: ReadonlyMap<string, AgentRecord>;
  readonly offers: ReadonlyMap<string, OfferRecord>;
}

/**
 * The master: framework table and failover, allocation and offers, the ACCEPT pipeline, status
 * update forwarding, acknowledgements and reconciliation, agent health and re-registration.
 * Scheduler calls reach it already decoded and checked by the HTTP layer.
 */
export class Master implements MasterLink, MasterView {
  identity: MasterIdentity;
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: CompletedFramework[] = [];
  readonly agents = new Map<string, AgentRecord>();
  readonly offers = new Map<string, OfferRecord>();
  private frameworkCounter = 0;
  private offerCounter = 0;
  private allocationTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private allocationPending = false;
  private readonly recoveryTimers = new Set<NodeJS.Timeout>();
  private stopped = false;

  /**
   * @param config timings and limits.
   * @param logger the master's logger.
   * @param metrics counters to bump.
   */
  constructor(
    readonly config: MasterConfig,
    private readonly logger: Logger,
    private readonly metrics: LocalMesosMetrics,
  ) {
    this.identity = this.newIdentity();
  }

  /** Sets the advertised port once the HTTP server listens (port 0 picks one). */
  setPort(port: number): void {
    this.config.port = port;
    const { hostname, ip } = this.config;
    this.identity = {
      ...this.identity,
      info: { ...this.identity.info, port, pid: `master@${ip}:${port}`, address: { hostname, ip, port } },
    };
  }

  /** Admits an agent (first registration) and starts offering its resources. */
  addAgent(agent: SimulatedAgent): void {
    const now = Date.now();
    this.agents.set(agent.id, {
      agent,
      status: 'active',
      total: agent.config.resources.clone(),
      used: new Resources(),
      offered: new Resources(),
      tasks: new Map(),
      registeredTime: now,
      reregisteredTime: null,
      unreachableTime: null,
      missedPings: 0,
    });
    this.logger.info(`Agent '${agent.id}' at '${agent.config.hostname}' registered with ${agent.config.resources.toString()}`);
    this.scheduleAllocation();
  }

  /** Starts the allocation loop and agent health checks. */
  start(): void {
    this.allocationTimer = setInterval(() => this.allocate(), this.config.allocationIntervalMs);
    this.allocationTimer.unref();
    this.pingTimer = setInterval(() => this.pingAgents(), this.config.agentPingTimeoutMs);
    this.pingTimer.unref();
  }

  /** Stops timers and closes every subscription stream. */
  stop(): void {
    this.stopped = true;
    if (this.allocationTimer) clearInterval(this.allocationTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const timer of this.recoveryTimers) clearTimeout(timer);
    for (const offer of this.offers.values()) if (offer.timer) clearTimeout(offer.timer);
    for (const framework of this.frameworks.values()) {
      if (framework.connection.kind === 'connected') framework.connection.stream.close();
      if (framework.connection.kind === 'disconnected' && framework.connection.failoverTimer) {
        clearTimeout(framework.connection.failoverTimer);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Frameworks

  /** The framework a non-SUBSCRIBE call names, in the HTTP handler's order of checks. */
  lookupFramework(frameworkId: string): FrameworkLookup {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return { kind: 'unknown' };
    if (framework.connection.kind !== 'connected') return { kind: 'not-subscribed' };
    return { kind: 'found', framework, streamId: framework.connection.stream.streamId };
  }

  /** The principal a known framework registered with, for the HTTP principal check. */
  frameworkPrincipal(frameworkId: string): string | undefined {
    const framework = this.frameworks.get(frameworkId);
    return framework ? principalOf(framework.info) : undefined;
  }

  /**
   * SUBSCRIBE after the HTTP checks: validates the FrameworkInfo (failure = ERROR event and
   * close), registers or fails over the framework, and sends SUBSCRIBED and the first HEARTBEAT.
   */
  subscribe(stream: SubscriptionStream, call: mesos.v1.scheduler.Call.Subscribe.$Properties): void {
    const info = call.framework_info;
    const suppressed = call.suppressed_roles ?? [];
    const invalid = frameworkInfoError(info, suppressed);
    if (invalid) return this.refuse(stream, invalid);
    const requestedId = has(info, 'id') && info.id?.value ? info.id.value : null;
    if (requestedId && this.completedFrameworks.some((c) => c.record.id === requestedId)) {
      return this.refuse(stream, 'Framework has been removed');
    }
    const now = Date.now() / 1000;
    let framework = requestedId ? this.frameworks.get(requestedId) : undefined;
    let kind: 'new' | 'resubscribed' = 'resubscribed';
    if (framework) {
      if (principalOf(framework.info) !== principalOf(info)) {
        return this.refuse(stream, "Changing framework's principal is not allowed.");
      }
      this.failover(framework, info, now);
    } else {
      const id = requestedId ?? this.nextFrameworkId();
      if (!requestedId) kind = 'new';
      framework = this.newFramework(id, withId(info, id), now);
      this.frameworks.set(id, framework);
    }
    framework.connection = { kind: 'connected', stream };
    framework.suppressed.clear();
    for (const role of suppressed) framework.suppressed.add(role);
    const record = framework;
    stream.onClose(() => this.disconnected(record, stream));
    stream.start(
      new EventRecord({
        type: E.SUBSCRIBED,
        subscribed: {
          framework_id: { value: framework.id },
          heartbeat_interval_seconds: this.config.heartbeatIntervalSeconds,
          master_info: this.identity.info,
        },
      }),
    );
    this.metrics.subscriptions.inc({ kind });
    this.logger.info(
      `Framework '${framework.id}' (${framework.info.name}) ${kind === 'new' ? 'subscribed' : 're-subscribed'} on stream '${stream.streamId}'`,
    );
    // Agents learn the (possibly new) FrameworkInfo and resend unacknowledged updates at once.
    for (const agent of this.agents.values()) {
      if (agent.status === 'active' && agent.agent.isReachable) agent.agent.updateFramework(framework.id, framework.info);
    }
    this.scheduleAllocation();
  }

  private refuse(stream: SubscriptionStream, message: string): void {
    this.logger.info(`Refused a subscription: ${message}`);
    stream.close(errorEvent(message));
  }

  private failover(framework: FrameworkRecord, info: FrameworkInfo, now: number): void {
    const connection = framework.connection;
    // Detach first, so closing the old stream is not taken for a disconnect.
    framework.connection = { kind: 'recovered' };
    if (connection.kind === 'connected') {
      // The new subscription wins; the old one learns it was replaced.
      connection.stream.close(errorEvent('Framework failed over'));
    } else if (connection.kind === 'disconnected' && connection.failoverTimer) {
      clearTimeout(connection.failoverTimer);
    }
    // Outstanding offers are discarded without RESCIND on re-subscription.
    for (const offerId of [...framework.offers]) this.removeOffer(offerId, { recover: true });
    framework.info = mergeFrameworkInfo(framework.info, info);
    framework.roles = frameworkRoles(framework.info);
    framework.reregisteredTime = now;
  }

  private newFramework(id: string, info: FrameworkInfo, now: number): FrameworkRecord {
    return {
      id,
      info,
      roles: frameworkRoles(info),
      connection: { kind: 'recovered' },
      suppressed: new Set(),
      filters: new OfferFilters(),
      tasks: new Map(),
      unreachableTasks: new Map(),
      completedTasks: [],
      offers: new Set(),
      allocated: new Resources(),
      used: new Resources(),
      registeredTime: now,
      reregisteredTime: now,
      unregisteredTime: 0,
    };
  }

  private disconnected(framework: FrameworkRecord, stream: SubscriptionStream): void {
    const connection = framework.connection;
    if (connection.kind !== 'connected' || connection.stream !== stream || this.stopped) return;
    if (this.frameworks.get(framework.id) !== framework) return;
    for (const offerId of [...framework.offers]) this.removeOffer(offerId, { recover: true });
    const timeoutMs = Math.max(0, (framework.info.failover_timeout ?? 0) * 1000);
    framework.unregisteredTime = Date.now() / 1000;
    framework.connection = {
      kind: 'disconnected',
      since: Date.now(),
      failoverTimer: longTimeout(timeoutMs, () => {
        this.logger.info(`Framework '${framework.id}' did not re-subscribe within its failover timeout; removing it`);
        this.removeFramework(framework);
      }),
    };
    this.logger.info(`Framework '${framework.id}' disconnected; failover timeout is ${timeoutMs / 1000} s`);
  }

  /** TEARDOWN (or failover timeout): kills the framework's tasks and forgets it for good. */
  removeFramework(framework: FrameworkRecord): void {
    if (this.frameworks.get(framework.id) !== framework) return;
    const connection = framework.connection;
    framework.connection = { kind: 'recovered' };
    if (connection.kind === 'connected') connection.stream.close();
    if (connection.kind === 'disconnected' && connection.failoverTimer) clearTimeout(connection.failoverTimer);
    for (const offerId of [...framework.offers]) this.removeOffer(offerId, { recover: true });
    for (const agent of this.agents.values()) {
      if (agent.agent.isReachable) agent.agent.shutdownFramework(framework.id);
    }
    for (const task of [...framework.tasks.values()]) {
      // Recorded in the master's state only: nobody is left to tell.
      if (!isTerminalState(task.state)) {
        this.transition(task, masterStatus({
          taskId: task.info.task_id.value,
          agentId: task.agentId,
          state: S.TASK_KILLED,
          reason: R.REASON_FRAMEWORK_REMOVED,
          message: 'Framework removed',
        }));
      }
      this.removeTask(task);
    }
    framework.unreachableTasks.clear();
    framework.unregisteredTime = Date.now() / 1000;
    this.frameworks.delete(framework.id);
    this.completedFrameworks.push({ record: framework, removedTime: Date.now() });
    if (this.completedFrameworks.length > this.config.maxCompletedFrameworks) this.completedFrameworks.shift();
    this.logger.info(`Framework '${framework.id}' removed`);
  }

  /** UPDATE_FRAMEWORK: synchronous, all or nothing. */
  updateFramework(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.UpdateFramework.$Properties): UpdateFrameworkResult {
    const info = call.framework_info;
    const suppressed = call.suppressed_roles ?? [];
    const invalid = frameworkInfoError(info, suppressed);
    if (invalid) return { status: 400, message: `FrameworkInfo is not valid: ${invalid}` };
    const current = framework.info;
    for (const field of ['principal', 'user', 'checkpoint'] as const) {
      const before = current[field] ?? defaultOf(field);
      const after = info[field] ?? defaultOf(field);
      if (before !== after) {
        return {
          status: 400,
          message: `FrameworkInfo update is not valid: Updating 'FrameworkInfo.${field}' is unsupported; attempted to update from '${before}' to '${after}'`,
        };
      }
    }
    const oldRoles = new Set(framework.roles);
    framework.info = mergeFrameworkInfo(current, info);
    framework.roles = frameworkRoles(framework.info);
    const newRoles = new Set(framework.roles);
    for (const offerId of [...framework.offers]) {
      const offer = this.offers.get(offerId);
      if (offer && !newRoles.has(offer.role)) this.rescindOffer(offer);
    }
    const unsuppressed = [...framework.suppressed].filter((role) => !suppressed.includes(role));
    framework.filters.clear(unsuppressed.length > 0 ? unsuppressed : [...oldRoles].filter((role) => !newRoles.has(role)));
    framework.suppressed.clear();
    for (const role of suppressed) framework.suppressed.add(role);
    for (const agent of this.agents.values()) {
      if (agent.status === 'active' && agent.agent.isReachable) agent.agent.updateFramework(framework.id, framework.info);
    }
    this.scheduleAllocation();
    return { status: 200, message: '' };
  }

  /** Closes a framework's stream as if its connection broke (test control). */
  dropStream(frameworkId: string): boolean {
    const framework = this.frameworks.get(frameworkId);
    if (framework?.connection.kind !== 'connected') return false;
    framework.connection.stream.abort();
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Offers

  /** Runs an allocation soon (coalesced), as the allocator does on new frameworks and REVIVE. */
  scheduleAllocation(): void {
    if (this.allocationPending || this.stopped) return;
    this.allocationPending = true;
    setImmediate(() => {
      this.allocationPending = false;
      this.allocate();
    });
  }

  /**
   * One batch allocation: for every active agent, its free resources go, per role, to the
   * connected frameworks in dominant-share order, skipping suppressed roles, filtered offers and
   * offers below the minimum allocatable resources. One OFFERS event per framework.
   */
  allocate(): void {
    if (this.stopped) return;
    const frameworks = [...this.frameworks.values()].filter((f) => f.connection.kind === 'connected');
    if (frameworks.length === 0) return;
    const now = Date.now();
    const totals = this.clusterTotals();
    const offers = new Map<FrameworkRecord, mesos.v1.Offer.$Properties[]>();
    for (const agent of this.agents.values()) {
      if (agent.status !== 'active') continue;
      const free = agent.total.minus(agent.used).subtract(agent.offered);
      if (free.isEmpty) continue;
      if (frameworks.length > 1) frameworks.sort((a, b) => dominantShare(a, totals) - dominantShare(b, totals));
      for (const framework of frameworks) {
        for (const role of framework.roles) {
          if (framework.suppressed.has(role)) continue;
          const candidate = free.allocatableTo(role);
          if (candidate.isEmpty || !candidate.isAllocatable()) continue;
          if (framework.filters.isFiltered(role, agent.agent.id, candidate, now)) continue;
          const offer = this.createOffer(framework, agent, role, candidate);
          free.subtract(candidate);
          let list = offers.get(framework);
          if (!list) offers.set(framework, (list = []));
          list.push(offer);
        }
      }
    }
    for (const [framework, list] of offers) {
      this.send(framework, new EventRecord({ type: E.OFFERS, offers: { offers: list } }));
      this.metrics.offersSent.inc(list.length);
      this.logger.debug(`Sent ${list.length} offers to framework '${framework.id}'`);
    }
  }

  private createOffer(framework: FrameworkRecord, agent: AgentRecord, role: string, resources: Resources): mesos.v1.Offer.$Properties {
    const id = `${this.identity.id}-O${this.offerCounter++}`;
    const timer =
      this.config.offerTimeoutMs === null
        ? null
        : setTimeout(() => {
            const offer = this.offers.get(id);
            if (offer) this.rescindOffer(offer);
          }, this.config.offerTimeoutMs);
    timer?.unref();
    this.offers.set(id, { id, frameworkId: framework.id, agentId: agent.agent.id, role, resources, timer });
    framework.offers.add(id);
    framework.allocated.add(resources);
    agent.offered.add(resources);
    const multiRole = hasCapability(framework.info, Capability.MULTI_ROLE);
    const config = agent.agent.config;
    const offer: mesos.v1.Offer.$Properties = {
      id: { value: id },
      framework_id: { value: framework.id },
      agent_id: { value: config.id },
      hostname: config.hostname,
      url: { scheme: 'http', address: { hostname: config.hostname, ip: config.ip, port: config.port }, path: '/slave(1)' },
      resources: resources.toProto({
        allocationRole: multiRole ? role : undefined,
        refined: hasCapability(framework.info, Capability.RESERVATION_REFINEMENT),
      }),
      attributes: config.attributes,
    };
    if (multiRole) offer.allocation_info = { role };
    return offer;
  }

  private removeOffer(offerId: string, options: { recover: boolean }): OfferRecord | undefined {
    const offer = this.offers.get(offerId);
    if (!offer) return undefined;
    if (offer.timer) clearTimeout(offer.timer);
    this.offers.delete(offerId);
    const framework = this.frameworks.get(offer.frameworkId);
    framework?.offers.delete(offerId);
    framework?.allocated.subtract(offer.resources);
    if (options.recover) this.agents.get(offer.agentId)?.offered.subtract(offer.resources);
    return offer;
  }

  private rescindOffer(offer: OfferRecord): void {
    this.removeOffer(offer.id, { recover: true });
    const framework = this.frameworks.get(offer.frameworkId);
    if (framework) this.send(framework, new EventRecord({ type: E.RESCIND, rescind: { offer_id: { value: offer.id } } }));
    this.metrics.offersRescinded.inc();
  }

  /** DECLINE: the offers' resources go back, filtered for `refuse_seconds`. */
  decline(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.Decline.$Properties): void {
    const refuse = refuseMillis(call.filters ? call.filters.refuse_seconds : undefined, this.config.allocationIntervalMs);
    for (const { value } of call.offer_ids ?? []) {
      const offer = this.offers.get(value);
      if (!offer || offer.frameworkId !== framework.id) {
        this.logger.debug(`Ignoring DECLINE of offer '${value}' by framework '${framework.id}': it is no longer valid`);
        continue;
      }
      this.removeOffer(value, { recover: true });
      framework.filters.add(offer.role, offer.agentId, offer.resources, refuse, Date.now());
      this.metrics.offersDeclined.inc();
    }
  }

  /** REVIVE: un-suppresses the roles, clears their filters and allocates right away. */
  revive(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.Revive.$Properties | null | undefined): void {
    const roles = call?.roles ?? [];
    if (roles.some((role) => !framework.roles.includes(role))) {
      this.logger.info(`Dropping REVIVE of framework '${framework.id}': it names a role the framework does not have`);
      return;
    }
    const target = roles.length > 0 ? roles : framework.roles;
    for (const role of target) framework.suppressed.delete(role);
    framework.filters.clear(roles);
    this.scheduleAllocation();
  }

  /** SUPPRESS: no more offers for the roles until REVIVE; outstanding offers stay. */
  suppress(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.Suppress.$Properties | null | undefined): void {
    const roles = call?.roles ?? [];
    if (roles.some((role) => !framework.roles.includes(role))) {
      this.logger.info(`Dropping SUPPRESS of framework '${framework.id}': it names a role the framework does not have`);
      return;
    }
    for (const role of roles.length > 0 ? roles : framework.roles) framework.suppressed.add(role);
  }

  // ---------------------------------------------------------------------------------------------
  // ACCEPT

  /** ACCEPT, through the master's validation pipeline (section 4.3 of the reference). */
  accept(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.Accept.$Properties): void {
    const offerIds = (call.offer_ids ?? []).map((id) => id.value);
    const operations = call.operations ?? [];
    const partitionAware = hasCapability(framework.info, Capability.PARTITION_AWARE);
    const offerError = this.offersError(offerIds, framework);
    if (offerError !== null) {
      for (const id of offerIds) {
        const offer = this.offers.get(id);
        if (offer && offer.frameworkId === framework.id) this.removeOffer(id, { recover: true });
      }
      for (const task of launchTasks(operations)) {
        this.dropTask(framework, task, partitionAware ? S.TASK_DROPPED : S.TASK_LOST, R.REASON_INVALID_OFFERS, `Task launched with invalid offers: ${offerError}`);
      }
      this.logger.info(`ACCEPT of framework '${framework.id}' used invalid offers: ${offerError}`);
      return;
    }
    const offers = offerIds.map((id) => this.offers.get(id) as OfferRecord);
    const role = offers[0].role;
    const agent = this.agents.get(offers[0].agentId) as AgentRecord;
    const pool = new Resources();
    for (const offer of offers) {
      this.removeOffer(offer.id, { recover: true });
      pool.add(offer.resources);
    }
    this.metrics.offersAccepted.inc(offers.length);
    // Step 2: resource format checks drop whole operations.
    const launches: TaskInfo[][] = [];
    for (const operation of operations) {
      const type = operation.type ?? Operation.UNKNOWN;
      if (type === Operation.LAUNCH) {
        const tasks = (operation.launch?.task_infos ?? []).map((task) => injectAllocation(task, role));
        if (has(operation, 'id')) {
          for (const task of tasks) this.dropTask(framework, task, S.TASK_ERROR, R.REASON_TASK_INVALID, "The 'id' field must not be set on LAUNCH operations");
          continue;
        }
        const invalid = tasks.map((task) => resourcesError([...(task.resources ?? []), ...(task.executor?.resources ?? [])])).find((e) => e !== null);
        if (invalid) {
          for (const task of tasks) this.dropTask(framework, task, S.TASK_ERROR, R.REASON_TASK_INVALID, invalid);
          continue;
        }
        launches.push(tasks);
      } else if (type === Operation.LAUNCH_GROUP) {
        for (const task of operation.launch_group?.task_group?.tasks ?? []) {
          this.dropTask(framework, task, S.TASK_ERROR, R.REASON_TASK_GROUP_INVALID, 'LAUNCH_GROUP is not supported by the local Mesos stand-in');
        }
      } else {
        this.logger.info(`Dropping a ${Operation[type] ?? type} operation of framework '${framework.id}': only LAUNCH is supported`);
      }
    }
    // Step 4: the agent may have gone since the offer was made.
    if (agent.status !== 'active') {
      for (const task of launches.flat()) {
        this.dropTask(framework, task, partitionAware ? S.TASK_DROPPED : S.TASK_LOST, R.REASON_AGENT_REMOVED, 'Agent removed');
      }
      return;
    }
    for (const task of launches.flat()) {
      const error = taskError(task, {
        hasTask: (id) => framework.tasks.has(id),
        hasUnreachableTask: (id) => framework.unreachableTasks.has(id),
        agentId: agent.agent.id,
        allocationRole: role,
        available: pool,
      });
      if (error) {
        this.dropTask(framework, task, S.TASK_ERROR, R.REASON_TASK_INVALID, error);
        continue;
      }
      const resources = Resources.fromProto(task.resources).add(Resources.fromProto(task.executor?.resources));
      pool.subtract(resources);
      this.launch(framework, agent, task, role, resources);
    }
    const refuse = refuseMillis(call.filters ? call.filters.refuse_seconds : undefined, this.config.allocationIntervalMs);
    framework.filters.add(role, agent.agent.id, pool, refuse, Date.now());
  }

  private offersError(offerIds: string[], framework: FrameworkRecord): string | null {
    if (offerIds.length === 0) return 'No offers specified';
    const seen = new Set<string>();
    for (const id of offerIds) {
      if (seen.has(id)) return `Duplicate offer ${id} in offer list`;
      seen.add(id);
    }
    for (const id of offerIds) if (!this.offers.has(id)) return `Offer ${id} is no longer valid`;
    for (const id of offerIds) {
      const owner = (this.offers.get(id) as OfferRecord).frameworkId;
      if (owner !== framework.id) return `Offer ${id} has invalid framework ${owner} while framework ${framework.id} is expected`;
    }
    const first = this.offers.get(offerIds[0]) as OfferRecord;
    for (const id of offerIds) {
      const offer = this.offers.get(id) as OfferRecord;
      if (offer.role !== first.role) {
        return `Aggregated offers must be allocated to the same role. Offer ${id} uses role '${offer.role} but another is using role '${first.role}`;
      }
    }
    for (const id of offerIds) {
      const offer = this.offers.get(id) as OfferRecord;
      if (offer.agentId !== first.agentId) {
        return `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${offer.agentId} and agent ${first.agentId}`;
      }
    }
    return null;
  }

  /** Sends a master-generated update for a task the master does not keep. */
  private dropTask(framework: FrameworkRecord, task: TaskInfo, state: mesos.v1.TaskState, reason: mesos.v1.TaskStatus.Reason, message: string): void {
    const status = masterStatus({ taskId: task.task_id?.value ?? '', agentId: task.agent_id?.value, state, reason, message });
    this.metrics.statusUpdates.inc({ state: taskStateName(state), source: 'SOURCE_MASTER' });
    this.send(framework, updateEvent(status));
  }

  private launch(framework: FrameworkRecord, agent: AgentRecord, info: TaskInfo, role: string, resources: Resources): void {
    const taskId = info.task_id.value;
    const task: TaskRecord = {
      frameworkId: framework.id,
      agentId: agent.agent.id,
      info,
      role,
      resources,
      state: S.TASK_STAGING,
      forwardedState: null,
      forwardedStatus: null,
      statuses: [],
      unreachableTime: null,
    };
    framework.tasks.set(taskId, task);
    agent.tasks.set(taskKey(framework.id, taskId), task);
    agent.used.add(resources);
    framework.used.add(resources);
    framework.allocated.add(resources);
    this.logger.debug(`Launching task '${taskId}' of framework '${framework.id}' on agent '${agent.agent.id}'`);
    agent.agent.runTask(framework.id, framework.info, info, role);
  }

  // ---------------------------------------------------------------------------------------------
  // Tasks: updates, acknowledgements, kill, reconciliation

  /** A status update forwarded by an agent's status update manager. */
  statusUpdate(agentId: string, update: PendingUpdate, latestState: mesos.v1.TaskState): void {
    const agent = this.agents.get(agentId);
    // Updates from agents the master does not consider registered are dropped; the agent retries.
    if (!agent || agent.status !== 'active') return;
    const framework = this.frameworks.get(update.frameworkId);
    if (!framework) return;
    const task = framework.tasks.get(update.taskId);
    if (task) {
      const wasTerminal = isTerminalState(task.state);
      task.state = latestState;
      task.forwardedState = update.status.state;
      task.forwardedStatus = update.status;
      recordStatus(task, update.status);
      if (!wasTerminal && isTerminalState(latestState)) this.releaseResources(task);
    }
    this.metrics.statusUpdates.inc({
      state: taskStateName(update.status.state),
      source: mesos.v1.TaskStatus.Source[update.status.source ?? 0] ?? 'UNKNOWN',
    });
    this.send(framework, update.record);
  }

  /** ACKNOWLEDGE: forwarded to the agent; an acknowledged terminal update retires the task. */
  acknowledge(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.Acknowledge.$Properties): void {
    const agent = this.agents.get(call.agent_id.value);
    const taskId = call.task_id.value;
    if (!agent || agent.status !== 'active' || !agent.agent.isReachable) {
      this.logger.debug(`Dropping acknowledgement for task '${taskId}': agent '${call.agent_id.value}' is not registered`);
      return;
    }
    const acked = agent.agent.acknowledge(framework.id, taskId, call.uuid);
    if (!acked) return;
    this.metrics.acknowledgements.inc();
    const task = framework.tasks.get(taskId);
    if (task && isTerminalState(acked.status.state)) this.removeTask(task);
  }

  /** KILL: known task → the agent kills it; unknown → an explicit reconciliation answer. */
  kill(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.Kill.$Properties): void {
    const taskId = call.task_id.value;
    const agentId = call.agent_id?.value ?? null;
    const task = framework.tasks.get(taskId);
    if (!task) {
      this.reconcile(framework, { tasks: [{ task_id: { value: taskId }, agent_id: agentId ? { value: agentId } : null }] });
      return;
    }
    if (agentId !== null && agentId !== task.agentId) {
      this.logger.info(`Ignoring KILL of task '${taskId}': agent '${agentId}' is not the task's agent '${task.agentId}'`);
      return;
    }
    const agent = this.agents.get(task.agentId);
    if (agent?.status === 'active') agent.agent.killTask(framework.id, taskId, call.kill_policy);
  }

  /** SHUTDOWN: forwarded to a registered agent (command executors share their task's ID). */
  shutdown(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.Shutdown.$Properties): void {
    const agent = this.agents.get(call.agent_id.value);
    if (agent?.status === 'active') agent.agent.shutdownExecutor(framework.id, call.executor_id.value);
  }

  /** RECONCILE, implicit (no tasks) or explicit, answered with master-generated updates. */
  reconcile(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.Reconcile.$Properties): void {
    const requested = call.tasks ?? [];
    const partitionAware = hasCapability(framework.info, Capability.PARTITION_AWARE);
    if (requested.length === 0) {
      for (const task of framework.tasks.values()) {
        if (this.agents.get(task.agentId)?.status === 'active') this.send(framework, updateEvent(knownTaskAnswer(task)));
      }
      return;
    }
    const recovering = [...this.agents.values()].some((agent) => agent.status === 'recovering');
    for (const item of requested) {
      const taskId = item.task_id.value;
      const agentId = item.agent_id?.value ?? null;
      const task = framework.tasks.get(taskId) ?? framework.unreachableTasks.get(taskId);
      if (task && task.unreachableTime === null) {
        this.send(framework, updateEvent(knownTaskAnswer(task)));
        continue;
      }
      if (task) {
        const status = masterStatus({
          taskId,
          agentId: task.agentId,
          state: partitionAware ? S.TASK_UNREACHABLE : S.TASK_LOST,
          reason: R.REASON_RECONCILIATION,
          message: 'Reconciliation: Task is unreachable',
          unreachableTime: partitionAware ? task.unreachableTime : null,
        });
        this.send(framework, updateEvent(status));
        continue;
      }
      const agent = agentId === null ? undefined : this.agents.get(agentId);
      // While agents are still re-registering after a failover, the master cannot know.
      if (agentId !== null ? agent?.status === 'recovering' : recovering) continue;
      this.send(framework, updateEvent(unknownTaskAnswer(taskId, agentId, agentKnowledge(agent), partitionAware)));
    }
  }

  /** MESSAGE: delivered to the executor; command executors ignore framework messages. */
  message(framework: FrameworkRecord, call: mesos.v1.scheduler.Call.Message.$Properties): void {
    this.logger.debug(`Dropping a framework message of '${framework.id}' for executor '${call.executor_id.value}': command executors ignore them`);
  }

  private transition(task: TaskRecord, status: TaskStatus): void {
    const wasTerminal = isTerminalState(task.state);
    task.state = status.state;
    recordStatus(task, status);
    if (!wasTerminal && isTerminalState(task.state)) this.releaseResources(task);
  }

  private releaseResources(task: TaskRecord): void {
    const agent = this.agents.get(task.agentId);
    agent?.used.subtract(task.resources);
    const framework = this.frameworks.get(task.frameworkId);
    framework?.used.subtract(task.resources);
    framework?.allocated.subtract(task.resources);
  }

  private removeTask(task: TaskRecord): void {
    const framework = this.frameworks.get(task.frameworkId);
    const taskId = task.info.task_id.value;
    if (!isTerminalState(task.state)) this.releaseResources(task);
    this.agents.get(task.agentId)?.tasks.delete(taskKey(task.frameworkId, taskId));
    if (!framework) return;
    if (framework.tasks.get(taskId) === task) framework.tasks.delete(taskId);
    framework.completedTasks.push(task);
    if (framework.completedTasks.length > this.config.maxCompletedTasksPerFramework) framework.completedTasks.shift();
  }

  // ---------------------------------------------------------------------------------------------
  // Agents: health, removal, re-registration, master failover

  private pingAgents(): void {
    for (const agent of this.agents.values()) {
      if (agent.status !== 'active') continue;
      if (agent.agent.isReachable) {
        agent.missedPings = 0;
        continue;
      }
      agent.missedPings++;
      if (agent.missedPings >= this.config.maxAgentPingTimeouts) {
        this.markUnreachable(agent, `Agent ${agent.agent.config.hostname} is unreachable: health check timed out`);
      }
    }
  }

  /**
   * Marks an agent unreachable: its tasks go TASK_UNREACHABLE (partition-aware) or TASK_LOST,
   * reason REASON_AGENT_REMOVED, its offers are rescinded and every framework gets FAILURE.
   */
  markUnreachable(agent: AgentRecord, message: string): void {
    const now = Date.now();
    agent.status = 'unreachable';
    agent.unreachableTime = now;
    this.rescindAgentOffers(agent);
    for (const task of [...agent.tasks.values()]) {
      const framework = this.frameworks.get(task.frameworkId);
      agent.tasks.delete(taskKey(task.frameworkId, task.info.task_id.value));
      if (!framework) continue;
      const partitionAware = hasCapability(framework.info, Capability.PARTITION_AWARE);
      const status = masterStatus({
        taskId: task.info.task_id.value,
        agentId: task.agentId,
        state: partitionAware ? S.TASK_UNREACHABLE : S.TASK_LOST,
        reason: R.REASON_AGENT_REMOVED,
        message,
        unreachableTime: now,
      });
      if (!isTerminalState(task.state)) this.releaseResources(task);
      task.state = status.state;
      task.unreachableTime = now;
      recordStatus(task, status);
      framework.tasks.delete(task.info.task_id.value);
      framework.unreachableTasks.set(task.info.task_id.value, task);
      if (framework.unreachableTasks.size > this.config.maxUnreachableTasksPerFramework) {
        const oldest = framework.unreachableTasks.keys().next().value;
        if (oldest !== undefined) framework.unreachableTasks.delete(oldest);
      }
      this.send(framework, updateEvent(status));
    }
    agent.used.subtract(agent.used.clone());
    this.broadcastFailure(agent.agent.id);
    this.logger.info(`Agent '${agent.agent.id}' marked unreachable`);
  }

  /**
   * Removes an agent for good (as when it unregisters): tasks go TASK_LOST / REASON_AGENT_REMOVED
   * for every framework, offers are rescinded, frameworks get FAILURE and the agent shuts down.
   */
  removeAgent(agent: AgentRecord): void {
    const message = `Agent ${agent.agent.config.hostname} removed: agent unregistered`;
    agent.status = 'removed';
    this.rescindAgentOffers(agent);
    for (const task of [...agent.tasks.values()]) {
      const framework = this.frameworks.get(task.frameworkId);
      const status = masterStatus({
        taskId: task.info.task_id.value,
        agentId: task.agentId,
        state: S.TASK_LOST,
        reason: R.REASON_AGENT_REMOVED,
        message,
      });
      if (!isTerminalState(task.state)) this.transition(task, status);
      this.removeTask(task);
      if (framework) this.send(framework, updateEvent(status));
    }
    agent.tasks.clear();
    this.broadcastFailure(agent.agent.id);
    this.logger.info(`Agent '${agent.agent.id}' removed`);
  }

  /**
   * An agent re-registers with its frameworks and tasks: after a master failover, or when an
   * unreachable agent comes back (its tasks' current states are re-sent with
   * REASON_AGENT_REREGISTERED). Pending status updates are resent.
   */
  reregisterAgent(agent: AgentRecord): void {
    const wasUnreachable = agent.status === 'unreachable';
    const now = Date.now();
    agent.status = 'active';
    agent.reregisteredTime = now;
    agent.unreachableTime = null;
    agent.missedPings = 0;
    agent.used.subtract(agent.used.clone());
    agent.offered.subtract(agent.offered.clone());
    for (const report of agent.agent.report()) {
      let framework = this.frameworks.get(report.frameworkId);
      if (!framework) {
        if (this.completedFrameworks.some((c) => c.record.id === report.frameworkId)) {
          agent.agent.shutdownFramework(report.frameworkId);
          continue;
        }
        framework = this.newFramework(report.frameworkId, report.info, now / 1000);
        this.frameworks.set(framework.id, framework);
      }
      for (const agentTask of report.tasks) {
        const taskId = agentTask.info.task_id.value;
        const previous = framework.unreachableTasks.get(taskId) ?? framework.tasks.get(taskId);
        framework.unreachableTasks.delete(taskId);
        const task: TaskRecord = previous ?? {
          frameworkId: framework.id,
          agentId: agent.agent.id,
          info: agentTask.info,
          role: agentTask.role,
          resources: agentTask.resources,
          state: agentTask.state,
          forwardedState: null,
          forwardedStatus: null,
          statuses: [],
          unreachableTime: null,
        };
        task.state = agentTask.state;
        task.unreachableTime = null;
        if (agentTask.lastStatus) recordStatus(task, agentTask.lastStatus);
        framework.tasks.set(taskId, task);
        agent.tasks.set(taskKey(framework.id, taskId), task);
        if (!isTerminalState(task.state)) {
          agent.used.add(task.resources);
          framework.used.add(task.resources);
          framework.allocated.add(task.resources);
        }
        if (wasUnreachable && previous) {
          const status = masterStatus({
            taskId,
            agentId: agent.agent.id,
            state: task.state,
            reason: R.REASON_AGENT_REREGISTERED,
            message: 'Unreachable agent re-reregistered',
          });
          this.send(framework, updateEvent(status));
        }
      }
    }
    agent.agent.resumeUpdates();
    this.logger.info(`Agent '${agent.agent.id}' re-registered`);
    this.scheduleAllocation();
  }

  /**
   * A master failover: every subscription breaks, frameworks, offers and tasks are forgotten, a
   * new master ID is elected, and agents re-register (after `agentReregisterDelayMs`) with their
   * running tasks. Agents that do not come back within `agentReregisterTimeoutMs` are marked
   * unreachable.
   */
  failoverMaster(): void {
    for (const framework of this.frameworks.values()) {
      if (framework.connection.kind === 'connected') {
        const stream = framework.connection.stream;
        framework.connection = { kind: 'recovered' };
        stream.abort();
      } else if (framework.connection.kind === 'disconnected' && framework.connection.failoverTimer) {
        clearTimeout(framework.connection.failoverTimer);
      }
    }
    for (const offer of this.offers.values()) if (offer.timer) clearTimeout(offer.timer);
    for (const timer of this.recoveryTimers) clearTimeout(timer);
    this.recoveryTimers.clear();
    this.offers.clear();
    this.frameworks.clear();
    this.completedFrameworks.length = 0;
    this.frameworkCounter = 0;
    this.offerCounter = 0;
    this.identity = this.newIdentity();
    for (const agent of this.agents.values()) {
      agent.tasks.clear();
      agent.used.subtract(agent.used.clone());
      agent.offered.subtract(agent.offered.clone());
      if (agent.status !== 'active') continue;
      agent.status = 'recovering';
      if (agent.agent.isReachable) this.afterDelay(this.config.agentReregisterDelayMs, () => this.reregisterIfRecovering(agent));
      this.afterDelay(this.config.agentReregisterTimeoutMs, () => {
        if (agent.status !== 'recovering') return;
        agent.status = 'unreachable';
        agent.unreachableTime = Date.now();
        this.broadcastFailure(agent.agent.id);
      });
    }
    this.logger.info(`Master failed over; the new master is '${this.identity.id}'`);
  }

  /** Re-registers a reachable agent the master is waiting for (used after healing). */
  reregisterIfRecovering(agent: AgentRecord): void {
    if (this.stopped || !agent.agent.isReachable) return;
    if (agent.status === 'recovering' || agent.status === 'unreachable') this.reregisterAgent(agent);
  }

  private afterDelay(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.recoveryTimers.delete(timer);
      action();
    }, ms);
    timer.unref();
    this.recoveryTimers.add(timer);
  }

  private rescindAgentOffers(agent: AgentRecord): void {
    for (const offer of [...this.offers.values()]) {
      if (offer.agentId === agent.agent.id) this.rescindOffer(offer);
    }
    for (const framework of this.frameworks.values()) framework.filters.clearAgent(agent.agent.id);
  }

  private broadcastFailure(agentId: string): void {
    const failure = new EventRecord({ type: E.FAILURE, failure: { agent_id: { value: agentId } } });
    for (const framework of this.frameworks.values()) this.send(framework, failure);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private send(framework: FrameworkRecord, record: EventRecord): void {
    if (framework.connection.kind === 'connected') framework.connection.stream.write(record);
  }

  private clusterTotals(): { cpus: number; mem: number } {
    let cpus = 0;
    let mem = 0;
    for (const agent of this.agents.values()) {
      if (agent.status !== 'active') continue;
      cpus += agent.total.scalar('cpus');
      mem += agent.total.scalar('mem');
    }
    return { cpus, mem };
  }

  private nextFrameworkId(): string {
    return `${this.identity.id}-${String(this.frameworkCounter++).padStart(4, '0')}`;
  }

  private newIdentity(): MasterIdentity {
    const id = randomUUID();
    const now = Date.now() / 1000;
    const { hostname, ip, port, version } = this.config;
    return {
      id,
      startTime: now,
      electedTime: now,
      info: {
        id,
        ip: ipToUint32(ip),
        port,
        pid: `master@${ip}:${port}`,
        hostname,
        version,
        address: { hostname, ip, port },
        capabilities: [
          { type: mesos.v1.MasterInfo.Capability.Type.AGENT_UPDATE },
          { type: mesos.v1.MasterInfo.Capability.Type.AGENT_DRAINING },
          { type: mesos.v1.MasterInfo.Capability.Type.QUOTA_V2 },
        ],
      },
    };
  }
}

/** The LAUNCH tasks of an ACCEPT's operations (LAUNCH_GROUP tasks included). */
function launchTasks(operations: readonly mesos.v1.Offer.Operation.$Properties[]): TaskInfo[] {
  return operations.flatMap((operation) => {
    if (operation.type === Operation.LAUNCH) return operation.launch?.task_infos ?? [];
    if (operation.type === Operation.LAUNCH_GROUP) return operation.launch_group?.task_group?.tasks ?? [];
    return [];
  });
}

/** Step 3 of ACCEPT: the offer's allocation role goes into every resource that lacks one. */
function injectAllocation(task: TaskInfo, role: string): TaskInfo {
  const inject = (resources: readonly mesos.v1.Resource.$Properties[] | null | undefined) =>
    (resources ?? []).map((resource) => (resource.allocation_info?.role != null ? resource : { ...resource, allocation_info: { role } }));
  const copy: TaskInfo = Object.assign(Object.create(Object.getPrototypeOf(task) as object) as TaskInfo, task);
  copy.resources = inject(task.resources);
  if (task.executor) copy.executor = { ...task.executor, resources: inject(task.executor.resources) };
  return copy;
}

/** Appends a status to the task's `/state` history when its state changed (data stripped). */
function recordStatus(task: TaskRecord, status: TaskStatus): void {
  const last = task.statuses[task.statuses.length - 1];
  if (last && last.state === status.state) return;
  const entry: TaskStatus = { task_id: status.task_id, state: status.state, timestamp: status.timestamp };
  if (status.container_status) entry.container_status = status.container_status;
  if (status.healthy != null) entry.healthy = status.healthy;
  task.statuses.push(entry);
}

/** Re-subscription may change everything but `user`, `checkpoint` and `principal`. */
function mergeFrameworkInfo(current: FrameworkInfo, next: FrameworkInfo): FrameworkInfo {
  const merged: FrameworkInfo = Object.assign(Object.create(Object.getPrototypeOf(next) as object) as FrameworkInfo, next);
  merged.id = current.id;
  merged.user = current.user;
  if (has(current, 'checkpoint')) merged.checkpoint = current.checkpoint;
  else delete (merged as { checkpoint?: boolean }).checkpoint;
  if (has(current, 'principal')) merged.principal = current.principal;
  else delete (merged as { principal?: string }).principal;
  return merged;
}

/** The principal a FrameworkInfo names, if it sets one. */
function principalOf(info: FrameworkInfo): string | undefined {
  return has(info, 'principal') ? (info.principal as string) : undefined;
}

function withId(info: FrameworkInfo, id: string): FrameworkInfo {
  const copy: FrameworkInfo = Object.assign(Object.create(Object.getPrototypeOf(info) as object) as FrameworkInfo, info);
  copy.id = { value: id };
  return copy;
}

function defaultOf(field: 'principal' | 'user' | 'checkpoint'): string | boolean | undefined {
  return field === 'checkpoint' ? false : undefined;
}

function dominantShare(framework: FrameworkRecord, totals: { cpus: number; mem: number }): number {
  const cpus = totals.cpus > 0 ? framework.allocated.scalar('cpus') / totals.cpus : 0;
  const mem = totals.mem > 0 ? framework.allocated.scalar('mem') / totals.mem : 0;
  return Math.max(cpus, mem);
}

/** `MasterInfo.ip`: the IPv4 address as the raw network-order `s_addr` packed into a uint32. */
function ipToUint32(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  return ((parts[3] << 24) >>> 0) + (parts[2] << 16) + (parts[1] << 8) + parts[0];
}

/**
 * A failover timer. Timeouts beyond `setTimeout`'s limit (about 24.8 days, e.g. the week-long
 * failover timeouts production schedulers use) never fire: a test cluster does not live that long.
 */
function longTimeout(ms: number, action: () => void): NodeJS.Timeout | null {
  if (ms > MAX_TIMER_MS) return null;
  const timer = setTimeout(action, ms);
  timer.unref();
  return timer;
}
