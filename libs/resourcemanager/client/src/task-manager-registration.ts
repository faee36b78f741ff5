import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import { Backoff, backoffSettings, pause, type BackoffOptions } from './backoff';
import { ResourceManagerChannel, type RegisterTaskManagerRequestMessage } from './channel';
import { ResourceManagerClientError, ResourceManagerClientErrorCode, toClientError } from './errors';
import { Listeners, type Unsubscribe } from './listeners';
import { resourcesMessage, slotInUseMessage } from './messages';
import { targetProvider, type ResourceManagerTarget } from './target';
import type { SlotInUse, TaskManagerResources } from './types';

/** Unique per process start: tells the resource manager a reconnect from a TaskManager restart. */
export const PROCESS_INSTANCE_ID: string = randomUUID();

/** Options of {@link TaskManagerRegistration}. */
export interface TaskManagerRegistrationOptions {
  /** The scheduler's resource manager: `host:port`, or a provider (the seam for leader lookup). */
  target: ResourceManagerTarget;
  /** The Mesos task ID the TaskManager runs as (`MESOFLOW_TASK_ID`, read by the caller's configuration), e.g. `taskmanager-00003`. */
  taskId: string;
  /** `host:port` of the TaskManager's RPC endpoint. */
  rpcAddress: string;
  /** `host:port` of its data exchange endpoint. */
  dataAddress: string;
  /** Slots it offers (`taskmanager.numberOfTaskSlots`); at least 1. */
  slots: number;
  /** What it offers; missing values are 0. */
  resources?: Partial<TaskManagerResources>;
  /** Unique per process start. @default {@link PROCESS_INSTANCE_ID} */
  instanceId?: string;
  /** The slots in use, asked at every registration so that a new leader adopts them. @default none */
  slotsInUse?: () => readonly SlotInUse[];
  /** Deadline of one RegisterTaskManager call (heartbeats also stop at `heartbeat_timeout_ms`). @default 5000 */
  callTimeoutMs?: number;
  /** Delays between registration attempts while the scheduler is unreachable. @default {@link BACKOFF_DEFAULTS} */
  backoff?: BackoffOptions;
  /** @default insecure (plaintext) */
  credentials?: grpc.ChannelCredentials;
  /** @default a silent logger */
  logger?: Logger;
  /** Uniform numbers in `[0, 1)` for the jitter. @default Math.random */
  random?: () => number;
}

/** What the resource manager answered to a registration. */
export interface RegistrationInfo {
  /** Names this registration in heartbeats; new at every registration. */
  readonly registrationId: string;
  /** How often the client heartbeats (`heartbeat.interval`). */
  readonly heartbeatIntervalMs: number;
  /** Silence after which the resource manager takes the TaskManager as lost (`heartbeat.timeout`). */
  readonly heartbeatTimeoutMs: number;
  /** The slots kept their allocations (the same instance registered again). */
  readonly allocationsKept: boolean;
  /** The `host:port` registered with. */
  readonly target: string;
}

/** How soon a heartbeat follows one that found the resource manager unreachable. */
const UNREACHABLE_RETRY_MS = 250;

/** Why a registration was lost. */
export type LostReason =
  /** A heartbeat was answered NOT_FOUND: the scheduler restarted, a new leader took over, or it expired the registration. */
  | 'unknown-registration'
  /** No heartbeat got through for `heartbeat_timeout_ms`: the resource manager has taken the TaskManager as lost. */
  | 'heartbeat-timeout';

/** Where a {@link TaskManagerRegistration} is in its life. */
export type TaskManagerRegistrationState =
  /** Not started. */
  | { readonly kind: 'idle' }
  /** Registering for the first time; `attempt` failed attempts so far. */
  | { readonly kind: 'registering'; readonly attempt: number; readonly lastError: ResourceManagerClientError | undefined }
  /** Registered and heartbeating. */
  | { readonly kind: 'registered'; readonly registration: RegistrationInfo }
  /** The registration was lost; registering again. */
  | { readonly kind: 'lost'; readonly reason: LostReason; readonly attempt: number; readonly lastError: ResourceManagerClientError }
  /** Gave up for good (`error.code` `NOT_LAUNCHED`, `INVALID_REQUEST` or `CALL_REJECTED`): the TaskManager should exit. */
  | { readonly kind: 'failed'; readonly error: ResourceManagerClientError }
  /** {@link TaskManagerRegistration.close}d. */
  | { readonly kind: 'closed' };

/** Events of a {@link TaskManagerRegistration}. */
export interface TaskManagerRegistrationEvents {
  /** The first registration succeeded. */
  registered: (registration: RegistrationInfo) => void;
  /** The registration was lost; the client registers again by itself. */
  lost: (notice: { readonly reason: LostReason; readonly error: ResourceManagerClientError }) => void;
  /** Registered again after a loss (`allocationsKept` says whether the slots kept their allocations). */
  reregistered: (registration: RegistrationInfo) => void;
  /** A registration attempt failed and another follows after `delayMs`. */
  retrying: (notice: { readonly attempt: number; readonly delayMs: number; readonly error: ResourceManagerClientError }) => void;
  /** Gave up for good; the TaskManager should exit. */
  fatal: (error: ResourceManagerClientError) => void;
  /** Any change of {@link TaskManagerRegistration.state}. */
  state: (state: TaskManagerRegistrationState) => void;
}

/** Refusals that registering again cannot fix. */
const FATAL: ReadonlySet<ResourceManagerClientErrorCode> = new Set([
  ResourceManagerClientErrorCode.NOT_LAUNCHED,
  ResourceManagerClientErrorCode.INVALID_REQUEST,
  ResourceManagerClientErrorCode.CALL_REJECTED,
]);

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/;

/**
 * A TaskManager's membership in the resource manager (Flink's TaskExecutor ↔ ResourceManager
 * connection): registers, heartbeats every `heartbeat_interval_ms` the server asks for, and
 * registers again by itself when the registration is lost (NOT_FOUND after a scheduler restart or
 * leader change, or heartbeats failing for `heartbeat_timeout_ms`). While the scheduler is
 * unreachable it retries with capped, jittered backoff. FAILED_PRECONDITION (the task is not a
 * Launched worker) and other permanent refusals end it in state `failed` with a `fatal` event.
 */
export class TaskManagerRegistration {
  private readonly options: Required<Omit<TaskManagerRegistrationOptions, 'target' | 'resources' | 'backoff' | 'credentials' | 'logger' | 'random'>>;
  private readonly resources: TaskManagerResources;
  private readonly channel: ResourceManagerChannel;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private readonly listeners: Listeners<TaskManagerRegistrationEvents>;
  private readonly abort = new AbortController();
  private current: TaskManagerRegistrationState = { kind: 'idle' };
  private first: Promise<RegistrationInfo> | undefined;
  private settleFirst: { resolve: (info: RegistrationInfo) => void; reject: (error: ResourceManagerClientError) => void } | undefined;
  private loop: Promise<void> | undefined;

  /** @throws ResourceManagerClientError `INVALID_OPTION` naming the bad option. */
  constructor(options: TaskManagerRegistrationOptions) {
    const invalid = (message: string): ResourceManagerClientError => new ResourceManagerClientError(ResourceManagerClientErrorCode.INVALID_OPTION, message);
    if (options.taskId === '') throw invalid('taskId must not be empty');
    if (!Number.isSafeInteger(options.slots) || options.slots < 1) throw invalid(`slots must be a whole number >= 1, got ${options.slots}`);
    if (!HOST_PORT.test(options.rpcAddress)) throw invalid(`rpcAddress must be host:port, got '${options.rpcAddress}'`);
    if (!HOST_PORT.test(options.dataAddress)) throw invalid(`dataAddress must be host:port, got '${options.dataAddress}'`);
    const callTimeoutMs = options.callTimeoutMs ?? 5_000;
    if (!Number.isFinite(callTimeoutMs) || callTimeoutMs < 1) throw invalid(`callTimeoutMs must be >= 1, got ${callTimeoutMs}`);
    const instanceId = options.instanceId ?? PROCESS_INSTANCE_ID;
    if (instanceId === '') throw invalid('instanceId must not be empty');
    this.options = {
      taskId: options.taskId,
      rpcAddress: options.rpcAddress,
      dataAddress: options.dataAddress,
      slots: options.slots,
      instanceId,
      slotsInUse: options.slotsInUse ?? (() => []),
      callTimeoutMs,
    };
    this.resources = { cpus: 0, memMb: 0, diskMb: 0, gpus: 0, networkMbps: 0, ...options.resources };
    const backoff = backoffSettings(options.backoff);
    this.backoff = new Backoff(backoff, options.random);
    this.channel = new ResourceManagerChannel({
      provider: targetProvider(options.target),
      credentials: options.credentials ?? grpc.credentials.createInsecure(),
      backoff,
    });
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'taskmanager-registration' });
    this.listeners = new Listeners(this.logger);
  }

  /** Where the registration stands. */
  get state(): TaskManagerRegistrationState {
    return this.current;
  }

  /** Calls `listener` on every `event`; returns a function that stops it. */
  on<E extends keyof TaskManagerRegistrationEvents>(event: E, listener: TaskManagerRegistrationEvents[E]): Unsubscribe {
    return this.listeners.on(event, listener);
  }

  /**
   * Starts registering (once; later calls return the same promise). Resolves at the first
   * registration; rejects with the fatal error, or `CLOSED` when closed before. The client keeps
   * trying while the scheduler is unreachable, without a limit: the resource manager fails a
   * worker that does not register in time.
   */
  start(): Promise<RegistrationInfo> {
    if (this.first) return this.first;
    if (this.current.kind === 'closed') {
      return Promise.reject(new ResourceManagerClientError(ResourceManagerClientErrorCode.CLOSED, 'The TaskManager registration is closed'));
    }
    this.first = new Promise<RegistrationInfo>((resolve, reject) => (this.settleFirst = { resolve, reject }));
    // Callers that only listen to events must not see an unhandled rejection.
    this.first.catch(() => undefined);
    this.loop = this.run();
    return this.first;
  }

  /** Stops heartbeating and closes the connection; the resource manager takes the TaskManager as lost after `heartbeat.timeout`. */
  async close(): Promise<void> {
    if (this.current.kind === 'closed') return;
    const failed = this.current.kind === 'failed';
    this.abort.abort(new ResourceManagerClientError(ResourceManagerClientErrorCode.CLOSED, 'The TaskManager registration is closed'));
    this.channel.close();
    await this.loop;
    this.settleFirst?.reject(new ResourceManagerClientError(ResourceManagerClientErrorCode.CLOSED, 'The TaskManager registration was closed before it registered'));
    if (!failed) this.setState({ kind: 'closed' });
    else this.current = { kind: 'closed' };
    this.listeners.clear();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let lost: { reason: LostReason; error: ResourceManagerClientError } | undefined;
    try {
      for (;;) {
        const registration = await this.register(signal, lost);
        if (registration === undefined) return;
        if (lost === undefined) {
          this.logger.info(`TaskManager '${this.options.taskId}' registered with the resource manager at '${registration.target}'`);
          this.setState({ kind: 'registered', registration });
          this.settleFirst?.resolve(registration);
          this.settleFirst = undefined;
          this.listeners.emit('registered', registration);
        } else {
          this.logger.info(
            `TaskManager '${this.options.taskId}' registered again at '${registration.target}'` + (registration.allocationsKept ? ', keeping its allocations' : ''),
          );
          this.setState({ kind: 'registered', registration });
          this.listeners.emit('reregistered', registration);
        }
        lost = await this.heartbeat(registration, signal);
        if (lost === undefined) return;
        this.logger.warn(`TaskManager '${this.options.taskId}' lost its registration (${lost.reason}): ${lost.error.message}; registering again`);
        this.setState({ kind: 'lost', reason: lost.reason, attempt: 0, lastError: lost.error });
        this.listeners.emit('lost', lost);
      }
    } catch (error) {
      const fatal = toClientError(error, `The registration of TaskManager '${this.options.taskId}'`);
      this.logger.error(`TaskManager '${this.options.taskId}' gives up registering: ${fatal.message}`);
      this.channel.close();
      this.setState({ kind: 'failed', error: fatal });
      this.settleFirst?.reject(fatal);
      this.settleFirst = undefined;
      this.listeners.emit('fatal', fatal);
    }
  }

  /** Registers, retrying while it may help; `undefined` once closed. @throws ResourceManagerClientError a permanent refusal */
  private async register(signal: AbortSignal, lost: { reason: LostReason } | undefined): Promise<RegistrationInfo | undefined> {
    this.backoff.reset();
    for (;;) {
      try {
        const response = await this.channel.unary('RegisterTaskManager', this.request(), this.options.callTimeoutMs, signal);
        const intervalMs = Number(response.heartbeat_interval_ms ?? 0);
        const timeoutMs = Number(response.heartbeat_timeout_ms ?? 0);
        return {
          registrationId: response.registration_id ?? '',
          // A server that names no interval: a third of the timeout, or 1 s.
          heartbeatIntervalMs: intervalMs > 0 ? intervalMs : timeoutMs > 0 ? Math.max(1, Math.floor(timeoutMs / 3)) : 1_000,
          heartbeatTimeoutMs: timeoutMs > 0 ? timeoutMs : Math.max(3 * intervalMs, 3_000),
          allocationsKept: response.allocations_kept ?? false,
          target: this.channel.currentTarget ?? '',
        };
      } catch (caught) {
        if (signal.aborted) return undefined;
        const error = toClientError(caught, `RegisterTaskManager of '${this.options.taskId}'`);
        if (FATAL.has(error.code) || error.code === ResourceManagerClientErrorCode.CLOSED) throw error;
        if (error.code === ResourceManagerClientErrorCode.UNAVAILABLE) this.channel.invalidate();
        const delayMs = this.backoff.next();
        const attempt = this.backoff.attempt;
        this.logger.info(`TaskManager '${this.options.taskId}' could not register (attempt ${attempt}): ${error.message}; trying again in ${delayMs} ms`);
        this.setState(
          lost === undefined ? { kind: 'registering', attempt, lastError: error } : { kind: 'lost', reason: lost.reason, attempt, lastError: error },
        );
        this.listeners.emit('retrying', { attempt, delayMs, error });
        await pause(delayMs, signal);
        if (signal.aborted) return undefined;
      }
    }
  }

  /** Heartbeats until the registration is lost (its reason) or the client closes (`undefined`). */
  private async heartbeat(registration: RegistrationInfo, signal: AbortSignal): Promise<{ reason: LostReason; error: ResourceManagerClientError } | undefined> {
    const { heartbeatIntervalMs, heartbeatTimeoutMs, registrationId } = registration;
    const request = { task_id: this.options.taskId, registration_id: registrationId };
    let lastAck = performance.now();
    let sentAt = lastAck;
    let intervalMs = heartbeatIntervalMs;
    let failures = 0;
    for (;;) {
      await pause(Math.max(0, sentAt + intervalMs - performance.now()), signal);
      if (signal.aborted) return undefined;
      sentAt = performance.now();
      const left = heartbeatTimeoutMs - (sentAt - lastAck);
      try {
        await this.channel.unary('Heartbeat', request, Math.max(1, Math.min(this.options.callTimeoutMs, left)), signal);
        lastAck = performance.now();
        intervalMs = heartbeatIntervalMs;
        failures = 0;
      } catch (caught) {
        if (signal.aborted) return undefined;
        const error = toClientError(caught, `Heartbeat of '${this.options.taskId}'`);
        if (error.code === ResourceManagerClientErrorCode.UNKNOWN_REGISTRATION) return { reason: 'unknown-registration', error };
        if (FATAL.has(error.code) || error.code === ResourceManagerClientErrorCode.CLOSED) throw error;
        if (error.code === ResourceManagerClientErrorCode.UNAVAILABLE) {
          // The next heartbeat looks the resource manager up again: a standby that took over answers
          // it NOT_FOUND, and the TaskManager registers with it at once rather than a whole interval later.
          this.channel.invalidate();
          intervalMs = Math.min(heartbeatIntervalMs, UNREACHABLE_RETRY_MS);
        }
        if (performance.now() - lastAck >= heartbeatTimeoutMs) return { reason: 'heartbeat-timeout', error };
        failures += 1;
        this.logger[failures === 1 ? 'info' : 'debug'](`A heartbeat of TaskManager '${this.options.taskId}' failed: ${error.message}; trying again`);
      }
    }
  }

  private request(): RegisterTaskManagerRequestMessage {
    return {
      task_id: this.options.taskId,
      rpc_address: this.options.rpcAddress,
      data_address: this.options.dataAddress,
      slots: this.options.slots,
      resources: resourcesMessage(this.resources),
      instance_id: this.options.instanceId,
      slots_in_use: this.options.slotsInUse().map(slotInUseMessage),
    };
  }

  private setState(state: TaskManagerRegistrationState): void {
    this.current = state;
    this.listeners.emit('state', state);
  }
}
