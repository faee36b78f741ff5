import { decodeMesos, encodeMesos, type MesosMediaType } from '@mesoflow/mesos-codec';
import { RecordIoDecoder } from '@mesoflow/mesos-recordio';
import { mesos } from '@mesoflow/proto';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { Backoff } from './backoff';
import { CallTransport, endpointParts, type EndpointParts } from './call-transport';
import { compileClientOptions, type CompiledClientOptions, type MesosSchedulerClientOptions } from './client-options';
import { MesosClientError, MesosClientErrorCode } from './errors';
import { HeartbeatWatchdog } from './heartbeat-watchdog';
import { Listeners, type Unsubscribe } from './listeners';
import { resolveRedirectLocation } from './master-address';
import { StaticMasterDetector, ZooKeeperMasterDetector, type MasterDetector } from './master-detector';
import { toSchedulerEvent, type SchedulerEvent, type SchedulerEventMap } from './scheduler-events';
import { NodeZooKeeperPort } from './zookeeper-port';

import Call = mesos.v1.scheduler.Call;
import MesosEvent = mesos.v1.scheduler.Event;

/**
 * Where the client is in its lifecycle.
 * - `idle`: constructed, {@link MesosSchedulerClient.start} not called yet.
 * - `detecting`: waiting for ZooKeeper to name a leading master.
 * - `connecting`: SUBSCRIBE sent (possibly following redirects), no answer yet.
 * - `connected`: the master answered 200 with a stream; SUBSCRIBED not received yet.
 * - `subscribed`: SUBSCRIBED received; calls are accepted.
 * - `backing-off`: waiting before the next SUBSCRIBE attempt.
 * - `failed`: stopped for good by an ERROR event or a SUBSCRIBE rejection; see `error`.
 * - `closed`: {@link MesosSchedulerClient.close} was called.
 */
export type MesosClientState =
  | { readonly name: 'idle' }
  | { readonly name: 'detecting' }
  | { readonly name: 'connecting'; readonly endpoint: string; readonly attempt: number }
  | { readonly name: 'connected'; readonly endpoint: string; readonly streamId: string }
  | {
      readonly name: 'subscribed';
      readonly endpoint: string;
      readonly streamId: string;
      readonly frameworkId: string;
    }
  | { readonly name: 'backing-off'; readonly attempt: number; readonly delayMs: number }
  | { readonly name: 'failed'; readonly error: MesosClientError }
  | { readonly name: 'closed' };

/** Why a subscription stream was dropped. */
export type DisconnectReason =
  /** The master ended the stream (e.g. it lost leadership, or after TEARDOWN). */
  | 'stream-ended'
  /** The connection broke. */
  | 'connection-error'
  /** No event arrived for `missedHeartbeats` heartbeat intervals. */
  | 'heartbeat-timeout'
  /** ZooKeeper named another leader. */
  | 'leader-changed'
  /** ZooKeeper names no leader any more. */
  | 'leader-lost'
  /** A call was refused with 403, or 400 naming the stream ID: the master no longer knows this stream. */
  | 'stale-stream'
  /** The stream could not be decoded, or the answer lacked `Mesos-Stream-Id`. */
  | 'protocol-error'
  /** The client was closed or stopped. */
  | 'closed';

/** Why the client is about to try SUBSCRIBE again. */
export type ReconnectReason =
  | DisconnectReason
  /** The master answered 503 (no leader, still recovering), 404 or another 5xx. */
  | 'unavailable'
  /** The connection could not be made. */
  | 'connect-failed'
  /** More 307 redirects than `maxRedirects` in one attempt. */
  | 'redirect-limit'
  /** No SUBSCRIBED within `subscribeTimeoutMs`. */
  | 'subscribe-timeout';

/** Payload of `connected`: the master accepted SUBSCRIBE and opened the stream. */
export interface ConnectedNotice {
  endpoint: string;
  streamId: string;
}

/** Payload of `subscribed`: SUBSCRIBED arrived; calls may be made. */
export interface SubscribedNotice {
  endpoint: string;
  streamId: string;
  frameworkId: string;
  /** True when this was a re-subscription with a known framework ID (failover). */
  resubscribed: boolean;
  /** The master's heartbeat interval, if it sends heartbeats. */
  heartbeatIntervalSeconds: number | undefined;
  masterInfo: mesos.v1.MasterInfo.$Properties | undefined;
}

/** Payload of `disconnected`: an open stream was dropped. */
export interface DisconnectedNotice {
  endpoint: string;
  streamId: string;
  reason: DisconnectReason;
  /** A sentence saying what happened. */
  message: string;
  error?: Error;
}

/** Payload of `reconnecting`: the next SUBSCRIBE attempt is scheduled. */
export interface ReconnectingNotice {
  /** 1 for the first retry after a success. */
  attempt: number;
  delayMs: number;
  reason: ReconnectReason;
  message: string;
}

/** Payload of `redirected`: a non-leading master pointed SUBSCRIBE at the leader. */
export interface RedirectedNotice {
  from: string;
  to: string;
}

/** Payload of `leaderChanged`: master detection named another leader (or none). */
export interface LeaderChangedNotice {
  previous: string | undefined;
  leader: string | undefined;
}

/** Connection lifecycle notifications of {@link MesosSchedulerClient}, by name. */
export interface MesosClientNotices {
  /** Every scheduler event, as a discriminated union. */
  event: SchedulerEvent;
  connected: ConnectedNotice;
  subscribed: SubscribedNotice;
  disconnected: DisconnectedNotice;
  reconnecting: ReconnectingNotice;
  redirected: RedirectedNotice;
  leaderChanged: LeaderChangedNotice;
  /** The client stopped for good (ERROR event, SUBSCRIBE rejected). */
  failed: MesosClientError;
  /** {@link MesosSchedulerClient.close} finished. */
  closed: undefined;
}

/**
 * Everything one can listen to: lifecycle notices (lower case) and scheduler events by their
 * Mesos type name (upper case), e.g. `client.on('OFFERS', (event) => event.offers.offers)`.
 */
export type MesosClientEventMap = MesosClientNotices & SchedulerEventMap;

/** What a call returned: its HTTP status and body (empty for 202). */
export interface CallResult {
  status: number;
  body: Buffer;
}

interface Subscription {
  endpoint: string;
  target: EndpointParts;
  request: http.ClientRequest | undefined;
  response: http.IncomingMessage | undefined;
  streamId: string | undefined;
}

const BODY_LIMIT = 64 * 1024;

function isStaleStreamAnswer(status: number, body: string): boolean {
  return status === 403 || (status === 400 && /stream[ -]?id/i.test(body));
}

/**
 * A Mesos v1 scheduler HTTP API client: subscribes (detecting the leader directly, by redirects
 * or through ZooKeeper), decodes the RecordIO event stream into typed events, keeps the
 * subscription alive (heartbeat watchdog, reconnect with backoff, failover with the framework
 * ID), and sends calls over pooled keep-alive connections with `Mesos-Stream-Id`.
 *
 * Calls are accepted only while {@link state} is `subscribed`; they reject with a
 * {@link MesosClientError} carrying Mesos' HTTP status and text when the master refuses them.
 */
export class MesosSchedulerClient {
  private readonly options: CompiledClientOptions;
  private readonly logger: Logger;
  private readonly listeners: Listeners<MesosClientEventMap>;
  private readonly backoff: Backoff;
  private readonly watchdog: HeartbeatWatchdog;
  private readonly transport: CallTransport;
  private readonly mediaType: MesosMediaType;
  private readonly authorization: string | undefined;
  private currentState: MesosClientState = { name: 'idle' };
  private frameworkInfo: mesos.v1.FrameworkInfo.$Properties;
  private frameworkIdValue: string | undefined;
  private detector: MasterDetector | undefined;
  private leader: string | undefined;
  private leaderKnown = false;
  private active: Subscription | undefined;
  private subscribeTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private tearingDown = false;
  private started: Promise<SubscribedNotice> | undefined;
  private settleStart: { resolve: (notice: SubscribedNotice) => void; reject: (error: Error) => void } | undefined;
  private closing: Promise<void> | undefined;
  private detectorClosed: Promise<void> | undefined;

  /**
   * @param options see {@link MesosSchedulerClientOptions}; validated here.
   * @throws MesosClientError with code `INVALID_OPTION` or `INVALID_MASTER_ADDRESS`.
   */
  constructor(options: MesosSchedulerClientOptions) {
    this.options = compileClientOptions(options);
    const { credential, backoff, missedHeartbeats, random } = this.options;
    this.logger = this.options.logger.child({ component: 'mesos-scheduler-client' });
    this.listeners = new Listeners((name, error) =>
      this.logger.error({ err: error }, `A listener of '${name}' threw; the client carries on`),
    );
    this.backoff = new Backoff(backoff, random);
    this.watchdog = new HeartbeatWatchdog(missedHeartbeats, (silentMs) => this.onHeartbeatsMissed(silentMs));
    this.transport = new CallTransport({
      maxConnections: this.options.maxCallConnections,
      timeoutMs: this.options.callTimeoutMs,
      tls: this.options.tls,
    });
    this.mediaType = this.options.mediaType;
    this.authorization = credential
      ? `Basic ${Buffer.from(`${credential.principal}:${credential.secret}`).toString('base64')}`
      : undefined;
    this.frameworkInfo = { ...this.options.frameworkInfo };
    this.frameworkIdValue = this.options.frameworkId;
  }

  /** The lifecycle state; see {@link MesosClientState}. */
  get state(): MesosClientState {
    return this.currentState;
  }

  /** The framework ID, once known (from the options or from SUBSCRIBED). */
  get frameworkId(): string | undefined {
    return this.frameworkIdValue;
  }

  /**
   * Listens to a lifecycle notice or a scheduler event type.
   * @returns a function that removes the listener.
   */
  on<K extends keyof MesosClientEventMap>(name: K, listener: (payload: MesosClientEventMap[K]) => void): Unsubscribe {
    return this.listeners.on(name, listener);
  }

  /** Like {@link on}, for the next notification only. */
  once<K extends keyof MesosClientEventMap>(name: K, listener: (payload: MesosClientEventMap[K]) => void): Unsubscribe {
    return this.listeners.once(name, listener);
  }

  /**
   * Starts detecting the master and subscribing; keeps the subscription up until {@link close}.
   * Calling it again returns the same promise.
   * @returns resolves with the first SUBSCRIBED; rejects if the client fails (ERROR event,
   *   SUBSCRIBE rejected) or is closed before that. Transient failures are retried meanwhile.
   */
  start(): Promise<SubscribedNotice> {
    if (this.started) return this.started;
    if (this.currentState.name === 'closed') {
      return Promise.reject(new MesosClientError(MesosClientErrorCode.CLOSED, 'The Mesos client is closed'));
    }
    this.started = new Promise((resolve, reject) => {
      this.settleStart = { resolve, reject };
    });
    this.setState({ name: 'detecting' });
    this.detector = this.options.detector ?? this.createDetector();
    this.logger.info(
      `Starting framework '${this.frameworkInfo.name}' against master '${this.options.masterText}' using ${this.mediaType}`,
    );
    this.detector.start((endpoint) => this.onLeader(endpoint));
    return this.started;
  }

  /**
   * Stops everything: aborts the stream, clears timers, closes ZooKeeper and destroys the
   * pooled connections. Calls in flight reject with code `CLOSED`. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.stopClient({ name: 'closed' });
    return this.closing;
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  /**
   * Sends any call. `framework_id` is filled in; `Mesos-Stream-Id` and credentials are added.
   * Prefer the typed helpers below.
   * @param expected statuses that mean success.
   * @default expected [202]
   */
  async call(call: Call.$Properties, expected: readonly number[] = [202]): Promise<CallResult> {
    const name = typeof call.type === 'number' ? (Call.Type[call.type] ?? String(call.type)) : 'UNKNOWN';
    return this.send(name, call, expected);
  }

  /** ACCEPT: use offers (all from one agent and role) for operations such as LAUNCH. */
  async accept(accept: Call.Accept.$Properties): Promise<void> {
    await this.send('ACCEPT', { type: Call.Type.ACCEPT, accept });
  }

  /** DECLINE: return offers; `filters.refuse_seconds` keeps them away (Mesos' default 5 s). */
  async decline(decline: Call.Decline.$Properties): Promise<void> {
    await this.send('DECLINE', { type: Call.Type.DECLINE, decline });
  }

  /** ACCEPT_INVERSE_OFFERS: agree to vacate agents for maintenance. */
  async acceptInverseOffers(accept: Call.AcceptInverseOffers.$Properties): Promise<void> {
    await this.send('ACCEPT_INVERSE_OFFERS', { type: Call.Type.ACCEPT_INVERSE_OFFERS, accept_inverse_offers: accept });
  }

  /** DECLINE_INVERSE_OFFERS: refuse to vacate agents. */
  async declineInverseOffers(decline: Call.DeclineInverseOffers.$Properties): Promise<void> {
    await this.send('DECLINE_INVERSE_OFFERS', { type: Call.Type.DECLINE_INVERSE_OFFERS, decline_inverse_offers: decline });
  }

  /** REVIVE: un-suppress roles (all when `roles` is empty) and clear offer filters. */
  async revive(revive: Call.Revive.$Properties = {}): Promise<void> {
    await this.send('REVIVE', { type: Call.Type.REVIVE, revive });
  }

  /** SUPPRESS: stop offers for roles (all when `roles` is empty) until REVIVE. */
  async suppress(suppress: Call.Suppress.$Properties = {}): Promise<void> {
    await this.send('SUPPRESS', { type: Call.Type.SUPPRESS, suppress });
  }

  /** KILL: kill a task; the outcome arrives as an UPDATE. */
  async kill(kill: Call.Kill.$Properties): Promise<void> {
    await this.send('KILL', { type: Call.Type.KILL, kill });
  }

  /** SHUTDOWN: shut an executor down. */
  async shutdown(shutdown: Call.Shutdown.$Properties): Promise<void> {
    await this.send('SHUTDOWN', { type: Call.Type.SHUTDOWN, shutdown });
  }

  /** ACKNOWLEDGE: confirm a status update (copy `agent_id`, `task_id` and `uuid` from the status). */
  async acknowledge(acknowledge: Call.Acknowledge.$Properties): Promise<void> {
    await this.send('ACKNOWLEDGE', { type: Call.Type.ACKNOWLEDGE, acknowledge });
  }

  /**
   * Acknowledges a task status if it asks for it (has a `uuid`); master-generated statuses have
   * none and must not be acknowledged.
   * @returns whether an ACKNOWLEDGE was sent.
   */
  async acknowledgeStatus(status: mesos.v1.TaskStatus.$Properties): Promise<boolean> {
    if (!status.uuid || status.uuid.length === 0 || !status.agent_id) return false;
    await this.acknowledge({ agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid });
    return true;
  }

  /** ACKNOWLEDGE_OPERATION_STATUS: confirm an operation status update. */
  async acknowledgeOperationStatus(acknowledge: Call.AcknowledgeOperationStatus.$Properties): Promise<void> {
    await this.send('ACKNOWLEDGE_OPERATION_STATUS', {
      type: Call.Type.ACKNOWLEDGE_OPERATION_STATUS,
      acknowledge_operation_status: acknowledge,
    });
  }

  /** RECONCILE: ask for the state of tasks (all known tasks when `tasks` is empty); answers come as UPDATEs. */
  async reconcile(reconcile: Call.Reconcile.$Properties = {}): Promise<void> {
    await this.send('RECONCILE', { type: Call.Type.RECONCILE, reconcile });
  }

  /**
   * RECONCILE_OPERATIONS: ask for the state of operations. Current masters answer 202 and send
   * UPDATE_OPERATION_STATUS events; older ones answer 200 with a `Response` body.
   * @returns the synchronous `Response`, when the master sent one.
   */
  async reconcileOperations(
    reconcile: Call.ReconcileOperations.$Properties = {},
  ): Promise<mesos.v1.scheduler.Response | undefined> {
    const answer = await this.send(
      'RECONCILE_OPERATIONS',
      { type: Call.Type.RECONCILE_OPERATIONS, reconcile_operations: reconcile },
      [200, 202],
    );
    if (answer.status !== 200 || answer.body.length === 0) return undefined;
    return decodeMesos(mesos.v1.scheduler.Response, answer.body, this.mediaType);
  }

  /** MESSAGE: send opaque data to an executor (unreliable). */
  async message(message: Call.Message.$Properties): Promise<void> {
    await this.send('MESSAGE', { type: Call.Type.MESSAGE, message });
  }

  /** REQUEST: ask the allocator for resources (ignored by Mesos' default allocator). */
  async request(request: Call.Request.$Properties): Promise<void> {
    await this.send('REQUEST', { type: Call.Type.REQUEST, request });
  }

  /**
   * UPDATE_FRAMEWORK: change the FrameworkInfo (roles, name, …) without re-subscribing; answered
   * 200 synchronously. `framework_info.id` is filled in. Later re-subscriptions use the new info.
   */
  async updateFramework(update: Call.UpdateFramework.$Properties): Promise<void> {
    const frameworkId = this.frameworkIdValue;
    const frameworkInfo = { ...update.framework_info, id: update.framework_info.id ?? (frameworkId ? { value: frameworkId } : null) };
    await this.send('UPDATE_FRAMEWORK', { type: Call.Type.UPDATE_FRAMEWORK, update_framework: { ...update, framework_info: frameworkInfo } }, [200]);
    this.frameworkInfo = { ...frameworkInfo };
    if (update.suppressed_roles) this.options.suppressedRoles = [...update.suppressed_roles];
    if (update.offer_constraints) this.options.offerConstraints = update.offer_constraints;
  }

  /**
   * TEARDOWN: remove the framework for good (its tasks are killed, its ID cannot subscribe
   * again). On success the client closes itself instead of re-subscribing.
   */
  async teardown(): Promise<void> {
    this.tearingDown = true;
    try {
      await this.send('TEARDOWN', { type: Call.Type.TEARDOWN });
    } catch (error) {
      this.tearingDown = false;
      throw error;
    }
    this.logger.info(`Framework '${this.frameworkIdValue}' was torn down; closing the client`);
    await this.close();
  }

  private send(name: string, call: Call.$Properties, expected: readonly number[] = [202]): Promise<CallResult> {
    const state = this.currentState;
    if (state.name !== 'subscribed') {
      const closed = state.name === 'closed' || state.name === 'failed';
      return Promise.reject(
        new MesosClientError(
          closed ? MesosClientErrorCode.CLOSED : MesosClientErrorCode.NOT_SUBSCRIBED,
          `Cannot send ${name}: the Mesos client is ${state.name}, not subscribed`,
          { callType: name },
        ),
      );
    }
    const { streamId, frameworkId, endpoint } = state;
    let body: Buffer;
    try {
      body = encodeMesos(Call, Call.create({ ...call, framework_id: call.framework_id ?? { value: frameworkId } }), this.mediaType);
    } catch (error) {
      return Promise.reject(
        new MesosClientError(MesosClientErrorCode.CALL_FAILED, `Cannot encode ${name}: ${(error as Error).message}`, {
          callType: name,
          cause: error,
        }),
      );
    }
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': this.mediaType,
      Accept: this.mediaType,
      'Content-Length': body.length,
      'Mesos-Stream-Id': streamId,
    };
    if (this.authorization) headers['Authorization'] = this.authorization;
    const target = this.active?.target ?? endpointParts(endpoint);
    return this.transport.post(target, headers, body).then(
      (answer) => {
        if (expected.includes(answer.status)) return answer;
        const text = answer.body.subarray(0, BODY_LIMIT).toString('utf8').trim();
        if (isStaleStreamAnswer(answer.status, text)) this.onStaleStream(streamId, name, answer.status, text);
        throw new MesosClientError(
          MesosClientErrorCode.CALL_REJECTED,
          `Master '${endpoint}' refused ${name} with HTTP ${answer.status}${text ? `: ${text}` : ''}`,
          { status: answer.status, body: text, callType: name },
        );
      },
      (error: Error) => {
        const closed = this.currentState.name === 'closed' || this.currentState.name === 'failed';
        throw new MesosClientError(
          closed ? MesosClientErrorCode.CLOSED : MesosClientErrorCode.CALL_FAILED,
          closed ? `${name} was abandoned: the Mesos client is closed` : `${name} to '${endpoint}' failed: ${error.message}`,
          { callType: name, cause: error },
        );
      },
    );
  }

  private onStaleStream(streamId: string, name: string, status: number, text: string): void {
    const state = this.currentState;
    if (state.name !== 'subscribed' || state.streamId !== streamId || !this.active) return;
    this.lose(
      this.active,
      'stale-stream',
      `master refused ${name} on stream '${streamId}' with HTTP ${status} (${text || 'no reason given'})`,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Subscription

  private createDetector(): MasterDetector {
    const { master, zooKeeperFactory, zooKeeperSessionTimeoutMs, detectedMasterScheme } = this.options;
    if (master.kind === 'http') return new StaticMasterDetector(master.endpoint);
    const logger = this.logger.child({ component: 'mesos-master-detector' });
    const port = zooKeeperFactory
      ? zooKeeperFactory(master, zooKeeperSessionTimeoutMs, logger)
      : new NodeZooKeeperPort({
          connectString: master.connectString,
          sessionTimeoutMs: zooKeeperSessionTimeoutMs,
          logger,
          ...(master.credentials ? { credentials: master.credentials } : {}),
        });
    return new ZooKeeperMasterDetector(port, {
      path: master.path,
      scheme: detectedMasterScheme,
      retryDelayMs: Math.max(100, Math.min(1_000, this.options.backoff.maxMs)),
      logger,
    });
  }

  private onLeader(endpoint: string | undefined): void {
    if (this.isStopped()) return;
    const previous = this.leader;
    const first = !this.leaderKnown;
    this.leaderKnown = true;
    this.leader = endpoint;
    if (!first) {
      if (previous === endpoint) return;
      this.logger.info(`Leading master changed from '${previous ?? 'none'}' to '${endpoint ?? 'none'}'`);
      this.listeners.emit('leaderChanged', { previous, leader: endpoint });
    } else if (endpoint !== undefined) {
      this.logger.info(`Leading master is '${endpoint}'`);
    }
    this.clearReconnectTimer();
    if (endpoint === undefined) {
      this.clearSubscribeTimer();
      if (this.active) this.dropSubscription('leader-lost', 'no master is leading');
      this.setState({ name: 'detecting' });
      return;
    }
    if (first && !this.active) {
      this.connect(endpoint, this.options.maxRedirects);
      return;
    }
    if (this.active) this.dropSubscription('leader-changed', `the leading master is now '${endpoint}'`);
    this.scheduleReconnect('leader-changed', `the leading master is now '${endpoint}'`);
  }

  private subscribeCall(): Call {
    const frameworkId = this.frameworkIdValue;
    const frameworkInfo: mesos.v1.FrameworkInfo.$Properties = {
      ...this.frameworkInfo,
      id: frameworkId ? { value: frameworkId } : null,
    };
    const subscribe: Call.Subscribe.$Properties = { framework_info: frameworkInfo };
    if (this.options.suppressedRoles.length > 0) subscribe.suppressed_roles = this.options.suppressedRoles;
    if (this.options.offerConstraints) subscribe.offer_constraints = this.options.offerConstraints;
    return Call.create({
      type: Call.Type.SUBSCRIBE,
      ...(frameworkId ? { framework_id: { value: frameworkId } } : {}),
      subscribe,
    });
  }

  private connect(endpoint: string, redirectsLeft: number): void {
    let target: EndpointParts;
    let body: Buffer;
    try {
      target = endpointParts(endpoint);
      body = encodeMesos(Call, this.subscribeCall(), this.mediaType);
    } catch (error) {
      this.fail(
        new MesosClientError(MesosClientErrorCode.SUBSCRIBE_REJECTED, `Cannot build SUBSCRIBE for '${endpoint}': ${(error as Error).message}`, {
          cause: error,
        }),
      );
      return;
    }
    const subscription: Subscription = { endpoint, target, request: undefined, response: undefined, streamId: undefined };
    this.active = subscription;
    this.setState({ name: 'connecting', endpoint, attempt: this.backoff.attempt });
    const framework = this.frameworkIdValue ? `framework '${this.frameworkIdValue}'` : `new framework '${this.frameworkInfo.name}'`;
    this.logger.info(`Subscribing ${framework} at '${endpoint}'`);
    if (this.subscribeTimer === undefined) {
      this.subscribeTimer = setTimeout(() => {
        this.subscribeTimer = undefined;
        if (this.active) {
          this.lose(this.active, 'subscribe-timeout', `no SUBSCRIBED within ${this.options.subscribeTimeoutMs} ms`);
        }
      }, this.options.subscribeTimeoutMs);
    }
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': this.mediaType,
      Accept: this.mediaType,
      'Content-Length': body.length,
    };
    if (this.authorization) headers['Authorization'] = this.authorization;
    const requestOptions: https.RequestOptions = {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      method: 'POST',
      headers,
      // The stream gets a connection of its own, never one of the pooled call sockets.
      agent: false,
    };
    const request =
      target.protocol === 'https:'
        ? https.request({ ...requestOptions, ...this.options.tls })
        : http.request(requestOptions);
    subscription.request = request;
    request.on('response', (response) => this.onSubscribeResponse(subscription, response, redirectsLeft));
    request.on('error', (error) => {
      const established = subscription.streamId !== undefined;
      this.lose(
        subscription,
        established ? 'connection-error' : 'connect-failed',
        `${established ? 'the stream' : 'SUBSCRIBE'} to '${endpoint}' failed: ${error.message}`,
        error,
      );
    });
    request.end(body);
  }

  private onSubscribeResponse(subscription: Subscription, response: http.IncomingMessage, redirectsLeft: number): void {
    if (subscription !== this.active) {
      response.destroy();
      return;
    }
    subscription.response = response;
    const status = response.statusCode ?? 0;
    const { endpoint } = subscription;
    if (status === 200) {
      this.onStreamOpened(subscription, response);
      return;
    }
    readBody(response, (text) => {
      if (subscription !== this.active) return;
      if (status === 307) {
        const location = response.headers.location;
        if (!location) {
          this.lose(subscription, 'protocol-error', `master '${endpoint}' answered 307 without a Location`);
          return;
        }
        let next: string;
        try {
          next = resolveRedirectLocation(location, endpoint);
        } catch (error) {
          this.lose(subscription, 'protocol-error', (error as Error).message, error as Error);
          return;
        }
        if (redirectsLeft <= 0) {
          this.lose(subscription, 'redirect-limit', `master '${endpoint}' redirected to '${next}' after ${this.options.maxRedirects} redirects`);
          return;
        }
        this.logger.info(`Master '${endpoint}' is not the leader; following its redirect to '${next}'`);
        this.listeners.emit('redirected', { from: endpoint, to: next });
        this.dropSubscription('closed', 'redirected');
        if (!this.isStopped()) this.connect(next, redirectsLeft - 1);
        return;
      }
      const reason = text ? `: ${text}` : '';
      if (status === 503 || status === 404 || status >= 500) {
        this.lose(subscription, 'unavailable', `master '${endpoint}' answered SUBSCRIBE with HTTP ${status}${reason}`);
        return;
      }
      this.fail(
        new MesosClientError(
          MesosClientErrorCode.SUBSCRIBE_REJECTED,
          `Master '${endpoint}' rejected SUBSCRIBE with HTTP ${status}${reason}`,
          { status, body: text, callType: 'SUBSCRIBE' },
        ),
      );
    });
  }

  private onStreamOpened(subscription: Subscription, response: http.IncomingMessage): void {
    const { endpoint } = subscription;
    const streamId = response.headers['mesos-stream-id'];
    if (typeof streamId !== 'string' || streamId === '') {
      this.lose(subscription, 'protocol-error', `master '${endpoint}' answered SUBSCRIBE without a Mesos-Stream-Id`);
      return;
    }
    const contentType = (response.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (contentType !== this.mediaType) {
      this.lose(
        subscription,
        'protocol-error',
        `master '${endpoint}' answered SUBSCRIBE with Content-Type '${contentType}', expected '${this.mediaType}'`,
      );
      return;
    }
    subscription.streamId = streamId;
    this.setState({ name: 'connected', endpoint, streamId });
    this.logger.info(`Master '${endpoint}' opened subscription stream '${streamId}'`);
    this.listeners.emit('connected', { endpoint, streamId });
    const decoder = new RecordIoDecoder();
    response.on('data', (chunk: Buffer) => this.onStreamData(subscription, decoder, chunk));
    response.on('error', () => {
      // 'close' follows and decides.
    });
    response.on('close', () => {
      if (subscription !== this.active) return;
      if (response.complete) {
        this.lose(subscription, 'stream-ended', `master '${endpoint}' ended subscription stream '${streamId}'`);
      } else {
        this.lose(subscription, 'connection-error', `the connection of subscription stream '${streamId}' to '${endpoint}' broke`);
      }
    });
  }

  private onStreamData(subscription: Subscription, decoder: RecordIoDecoder, chunk: Buffer): void {
    if (subscription !== this.active) return;
    let records: Buffer[];
    try {
      records = decoder.write(chunk);
    } catch (error) {
      this.lose(subscription, 'protocol-error', `the event stream is malformed: ${(error as Error).message}`, error as Error);
      return;
    }
    for (const record of records) {
      if (subscription !== this.active) return;
      let decoded: MesosEvent;
      try {
        decoded = decodeMesos(MesosEvent, record, this.mediaType);
      } catch (error) {
        this.lose(subscription, 'protocol-error', `an event could not be decoded: ${(error as Error).message}`, error as Error);
        return;
      }
      this.watchdog.beat();
      this.dispatch(subscription, toSchedulerEvent(decoded));
    }
  }

  private dispatch(subscription: Subscription, event: SchedulerEvent): void {
    if (event.type === 'SUBSCRIBED') {
      const frameworkId = event.subscribed.framework_id?.value;
      if (!frameworkId || subscription.streamId === undefined) {
        this.lose(subscription, 'protocol-error', 'SUBSCRIBED carries no framework ID');
        return;
      }
      const resubscribed = this.frameworkIdValue !== undefined;
      this.frameworkIdValue = frameworkId;
      this.backoff.reset();
      this.clearSubscribeTimer();
      const heartbeatIntervalSeconds = event.subscribed.heartbeat_interval_seconds ?? undefined;
      this.watchdog.arm(heartbeatIntervalSeconds);
      const { endpoint, streamId } = subscription;
      this.setState({ name: 'subscribed', endpoint, streamId, frameworkId });
      this.logger.info(
        `Framework '${frameworkId}' is ${resubscribed ? 're-subscribed' : 'subscribed'} at master '${endpoint}' on stream '${streamId}'`,
      );
      const notice: SubscribedNotice = {
        endpoint,
        streamId,
        frameworkId,
        resubscribed,
        heartbeatIntervalSeconds,
        masterInfo: event.subscribed.master_info ?? undefined,
      };
      this.listeners.emit('subscribed', notice);
      this.settleStart?.resolve(notice);
    } else if (event.type === 'UNKNOWN') {
      this.logger.debug(`Ignoring an event the client cannot type: ${event.reason}`);
    }
    this.listeners.emit('event', event);
    (this.listeners as unknown as Listeners<SchedulerEventMap>).emit(event.type, event);
    if (event.type === 'ERROR' && subscription === this.active) {
      const message = event.error.message ?? '';
      this.fail(
        new MesosClientError(
          MesosClientErrorCode.FRAMEWORK_ERROR,
          `Master '${subscription.endpoint}' sent ERROR '${message}'; the client stopped`,
          { body: message },
        ),
      );
    }
  }

  private onHeartbeatsMissed(silentMs: number): void {
    if (!this.active) return;
    this.lose(
      this.active,
      'heartbeat-timeout',
      `no event arrived from '${this.active.endpoint}' for ${silentMs} ms (${this.options.missedHeartbeats} heartbeat intervals)`,
    );
  }

  /** Drops `subscription` if it is still the active one and schedules the next attempt. */
  private lose(subscription: Subscription, reason: ReconnectReason, message: string, error?: Error): void {
    if (subscription !== this.active || this.isStopped()) return;
    if (this.tearingDown && (reason === 'stream-ended' || reason === 'connection-error')) {
      this.dropSubscription('stream-ended', message, error);
      return;
    }
    const disconnectReason: DisconnectReason = isDisconnectReason(reason) ? reason : 'connection-error';
    this.dropSubscription(disconnectReason, message, error);
    this.scheduleReconnect(reason, message);
  }

  private dropSubscription(reason: DisconnectReason, message: string, error?: Error): void {
    const subscription = this.active;
    this.active = undefined;
    this.watchdog.disarm();
    if (!subscription) return;
    subscription.request?.destroy();
    subscription.response?.destroy();
    if (subscription.streamId === undefined) return;
    this.logger.info(`Subscription stream '${subscription.streamId}' at '${subscription.endpoint}' closed: ${message}`);
    this.listeners.emit('disconnected', {
      endpoint: subscription.endpoint,
      streamId: subscription.streamId,
      reason,
      message,
      ...(error ? { error } : {}),
    });
  }

  private scheduleReconnect(reason: ReconnectReason, message: string): void {
    if (this.isStopped()) return;
    this.clearReconnectTimer();
    this.clearSubscribeTimer();
    const leader = this.leader;
    if (leader === undefined) {
      this.setState({ name: 'detecting' });
      return;
    }
    const delayMs = this.backoff.next();
    const attempt = this.backoff.attempt;
    this.setState({ name: 'backing-off', attempt, delayMs });
    this.logger.warn(`Re-subscribing in ${delayMs} ms (attempt ${attempt}) because ${message}`);
    this.listeners.emit('reconnecting', { attempt, delayMs, reason, message });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.isStopped() || this.leader === undefined) return;
      this.connect(this.leader, this.options.maxRedirects);
    }, delayMs);
  }

  private fail(error: MesosClientError): void {
    if (this.isStopped()) return;
    this.logger.error(error.message);
    void this.stopClient({ name: 'failed', error });
  }

  private async stopClient(final: { name: 'closed' } | { name: 'failed'; error: MesosClientError }): Promise<void> {
    const wasStopped = this.isStopped();
    if (!wasStopped) {
      this.dropSubscription('closed', final.name === 'closed' ? 'the client was closed' : final.error.message);
      this.clearReconnectTimer();
      this.clearSubscribeTimer();
      this.watchdog.disarm();
      this.transport.destroy();
    }
    // A failed client still becomes `closed` when closed explicitly.
    this.setState(final);
    if (final.name === 'failed') {
      this.listeners.emit('failed', final.error);
      this.settleStart?.reject(final.error);
    } else {
      this.settleStart?.reject(new MesosClientError(MesosClientErrorCode.CLOSED, 'The Mesos client was closed before it subscribed'));
    }
    this.settleStart = undefined;
    const detector = this.detector;
    this.detector = undefined;
    if (detector) {
      this.detectorClosed = detector.close().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Closing master detection failed');
      });
    }
    await this.detectorClosed;
    if (final.name === 'closed') {
      this.logger.info('Mesos client closed');
      this.listeners.emit('closed', undefined);
    }
  }

  private isStopped(): boolean {
    return this.currentState.name === 'closed' || this.currentState.name === 'failed';
  }

  private setState(state: MesosClientState): void {
    this.currentState = state;
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private clearSubscribeTimer(): void {
    if (this.subscribeTimer !== undefined) clearTimeout(this.subscribeTimer);
    this.subscribeTimer = undefined;
  }
}

const DISCONNECT_REASONS: ReadonlySet<string> = new Set<DisconnectReason>([
  'stream-ended',
  'connection-error',
  'heartbeat-timeout',
  'leader-changed',
  'leader-lost',
  'stale-stream',
  'protocol-error',
  'closed',
]);

function isDisconnectReason(reason: ReconnectReason): reason is DisconnectReason {
  return DISCONNECT_REASONS.has(reason);
}

/** Reads up to {@link BODY_LIMIT} bytes of an error answer as text; calls back once, even if the connection breaks. */
function readBody(response: http.IncomingMessage, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    done(Buffer.concat(chunks).toString('utf8').trim());
  };
  response.on('data', (chunk: Buffer) => {
    if (size < BODY_LIMIT) chunks.push(chunk.subarray(0, BODY_LIMIT - size));
    size += chunk.length;
  });
  response.on('end', finish);
  response.on('error', () => undefined);
  response.on('close', finish);
}
