import * as grpc from '@grpc/grpc-js';
import pino, { type Logger } from 'pino';
import { Backoff, backoffSettings, pause, type BackoffOptions, type BackoffSettings } from './backoff';
import { aborted, ResourceManagerChannel, type SlotRequestEventMessage, type WatchWorkersEventMessage } from './channel';
import { ResourceManagerClientError, ResourceManagerClientErrorCode, toClientError } from './errors';
import { allocationFromMessage, applicationStatusMessage, progressFromMessage, schedulerStatusFromMessage, workerFromMessage, workerListFromMessage } from './messages';
import { targetProvider, type ResourceManagerTarget } from './target';
import type {
  ApplicationDeregistration,
  ApplicationEnd,
  ReleaseResult,
  SchedulerStatusInfo,
  SlotAllocation,
  SlotRequestProgress,
  WorkerList,
  WorkerWatchEvent,
} from './types';

/** Options of {@link SlotRequester}. */
export interface SlotRequesterOptions {
  /** The scheduler's resource manager: `host:port`, or a provider (the seam for leader lookup). */
  target: ResourceManagerTarget;
  /** Default deadline of `releaseSlots`, `listWorkers` and `getSchedulerStatus`, retries included. @default 10000 */
  callTimeoutMs?: number;
  /** Default deadline of `requestSlots`, reconnects included (Flink's `slot.request.timeout`). @default 300000 */
  slotRequestTimeoutMs?: number;
  /**
   * Default deadline of `deregisterApplication`, retries included: longer than `callTimeoutMs`, as
   * the scheduler may wait up to 30 s for a Mesos subscription to tear its framework down.
   * @default 60000
   */
  deregisterTimeoutMs?: number;
  /** Delays between attempts while the scheduler is unreachable. @default {@link BACKOFF_DEFAULTS} */
  backoff?: BackoffOptions;
  /** @default insecure (plaintext) */
  credentials?: grpc.ChannelCredentials;
  /** @default a silent logger */
  logger?: Logger;
  /** Uniform numbers in `[0, 1)` for the jitter. @default Math.random */
  random?: () => number;
}

/** A gang request: `slots` slots for `jobId`, all at once, under a caller-chosen `allocationId` (a UUID). */
export interface SlotRequest {
  /** The idempotency key: the same ID again re-attaches to the request or returns its allocation. */
  readonly allocationId: string;
  readonly jobId: string;
  /** At least 1. */
  readonly slots: number;
}

/** What happens while a slot request waits. */
export type SlotRequestUpdate =
  /** Where the request stands; sent at once and on every change. */
  | { readonly kind: 'progress'; readonly progress: SlotRequestProgress }
  /** The stream broke (`error`); the same request is sent again after `delayMs`. */
  | { readonly kind: 'retrying'; readonly attempt: number; readonly delayMs: number; readonly error: ResourceManagerClientError };

/** Options of one {@link SlotRequester.requestSlots}. */
export interface RequestSlotsOptions {
  /** Called for every progress event and every reconnect. */
  onUpdate?: (update: SlotRequestUpdate) => void;
  /** Give up (`DEADLINE_EXCEEDED`) after this long, reconnects included. @default the requester's `slotRequestTimeoutMs` */
  timeoutMs?: number;
  /** Stops waiting (`CANCELLED`); the resource manager withdraws the request once nobody waits for it. */
  signal?: AbortSignal;
}

/** Options of one unary call of a {@link SlotRequester}. */
export interface CallOptions {
  /** Deadline, retries included. @default the requester's `callTimeoutMs` */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of {@link SlotRequester.watchWorkers}. */
export interface WatchWorkersOptions {
  /** Ends the iteration (without an error). */
  signal?: AbortSignal;
}

/**
 * A job master's client of the resource manager (Flink's SlotPool ↔ ResourceManager side): gang
 * slot requests with progress, idempotent across reconnects (the same allocation ID is sent again,
 * and the server re-attaches or answers with the allocation it made), releases, and the worker list.
 * Every error is a {@link ResourceManagerClientError}.
 */
export class SlotRequester {
  private readonly channel: ResourceManagerChannel;
  private readonly backoff: BackoffSettings;
  private readonly random: () => number;
  private readonly callTimeoutMs: number;
  private readonly slotRequestTimeoutMs: number;
  private readonly deregisterTimeoutMs: number;
  private readonly logger: Logger;
  private readonly closing = new AbortController();

  /** @throws ResourceManagerClientError `INVALID_OPTION` naming the bad option. */
  constructor(options: SlotRequesterOptions) {
    this.callTimeoutMs = checkedTimeout('callTimeoutMs', options.callTimeoutMs ?? 10_000);
    this.slotRequestTimeoutMs = checkedTimeout('slotRequestTimeoutMs', options.slotRequestTimeoutMs ?? 300_000);
    this.deregisterTimeoutMs = checkedTimeout('deregisterTimeoutMs', options.deregisterTimeoutMs ?? 60_000);
    this.backoff = backoffSettings(options.backoff);
    this.random = options.random ?? Math.random;
    this.channel = new ResourceManagerChannel({
      provider: targetProvider(options.target),
      credentials: options.credentials ?? grpc.credentials.createInsecure(),
      backoff: this.backoff,
    });
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'slot-requester' });
  }

  /**
   * Requests slots as one gang and resolves with the allocation. Progress and reconnects go to
   * `onUpdate`. When the stream breaks (scheduler unreachable or stopping) the same request is sent
   * again with backoff until `timeoutMs`; a new leader that lost the request queues it anew (at the
   * back). On a deadline or cancel the stream is cancelled and the resource manager withdraws a
   * request nobody waits for; an allocation made in that instant stays, so a caller that gives up
   * should also {@link releaseSlots}.
   * @throws ResourceManagerClientError `INVALID_REQUEST`, `ALLOCATION_CONFLICT` (the ID is in use with
   *   another job or slot count), `REQUEST_WITHDRAWN` (released meanwhile), `DEADLINE_EXCEEDED`,
   *   `CANCELLED`, `CLOSED`, or `CALL_REJECTED`.
   */
  async requestSlots(request: SlotRequest, options: RequestSlotsOptions = {}): Promise<SlotAllocation> {
    const { allocationId, jobId, slots } = request;
    const what = `Slot request '${allocationId}' of job '${jobId}'`;
    if (allocationId === '') throw invalidRequest('A slot request needs an allocation ID');
    if (jobId === '') throw invalidRequest(`Slot request '${allocationId}' needs a job ID`);
    if (!Number.isSafeInteger(slots) || slots < 1) throw invalidRequest(`${what} must ask for at least 1 slot, got ${slots}`);
    const timeoutMs = checkedTimeout('timeoutMs', options.timeoutMs ?? this.slotRequestTimeoutMs);
    const deadline = Date.now() + timeoutMs;
    const signal = this.signalFor(options.signal);
    const backoff = new Backoff(this.backoff, this.random);
    const update = (value: SlotRequestUpdate): void => {
      try {
        options.onUpdate?.(value);
      } catch (error) {
        this.logger.error({ err: error }, `An update listener of ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    for (;;) {
      if (signal.aborted) throw aborted(signal, what);
      if (Date.now() >= deadline) throw deadlineExceeded(what, timeoutMs);
      try {
        const stream = await this.channel.stream('RequestSlots', { allocation_id: allocationId, job_id: jobId, slots }, new Date(deadline));
        const allocation = await this.readAllocation(stream, signal, (progress) => {
          backoff.reset();
          update({ kind: 'progress', progress });
        });
        this.logger.info(`${what} got ${allocation.slots.length} slot(s)`);
        return allocation;
      } catch (caught) {
        if (signal.aborted) throw aborted(signal, what);
        const error = toClientError(caught, what);
        if (Date.now() >= deadline) throw deadlineExceeded(what, timeoutMs, error);
        if (!error.retryable && error.code !== ResourceManagerClientErrorCode.CANCELLED) throw error;
        if (error.code === ResourceManagerClientErrorCode.UNAVAILABLE) this.channel.invalidate();
        const delayMs = Math.min(backoff.next(), Math.max(0, deadline - Date.now()));
        this.logger.info(`${what}: ${error.message}; sending it again in ${delayMs} ms`);
        update({ kind: 'retrying', attempt: backoff.attempt, delayMs, error });
        await pause(delayMs, signal);
      }
    }
  }

  /**
   * Frees the slots of an allocation, or withdraws its pending request; idempotent (an unknown or
   * released ID frees nothing), so it is retried while the scheduler is unreachable.
   * @throws ResourceManagerClientError `DEADLINE_EXCEEDED`, `UNAVAILABLE`, `CANCELLED`, `CLOSED`, …
   */
  async releaseSlots(allocationId: string, options: CallOptions = {}): Promise<ReleaseResult> {
    if (allocationId === '') throw invalidRequest('A release needs an allocation ID');
    const response = await this.retrying(`ReleaseSlots of '${allocationId}'`, options, (timeoutMs, signal) =>
      this.channel.unary('ReleaseSlots', { allocation_id: allocationId }, timeoutMs, signal),
    );
    return { releasedSlots: response.released_slots ?? 0, requestWithdrawn: response.request_withdrawn ?? false };
  }

  /** Every worker the scheduler holds, with its TaskManager when registered; retried while the scheduler is unreachable. */
  async listWorkers(options: CallOptions = {}): Promise<WorkerList> {
    const response = await this.retrying('ListWorkers', options, (timeoutMs, signal) => this.channel.unary('ListWorkers', {}, timeoutMs, signal));
    return workerListFromMessage(response);
  }

  /**
   * The scheduler's view of Mesos: its framework, the master it follows, offer counts with a
   * per-interval history, suppression, reconciliation and task failures; retried while the
   * scheduler is unreachable.
   * @throws ResourceManagerClientError `DEADLINE_EXCEEDED`, `UNAVAILABLE`, `CANCELLED`, `CLOSED`, …
   */
  async getSchedulerStatus(options: CallOptions = {}): Promise<SchedulerStatusInfo> {
    const response = await this.retrying('GetSchedulerStatus', options, (timeoutMs, signal) => this.channel.unary('GetSchedulerStatus', {}, timeoutMs, signal));
    return schedulerStatusFromMessage(response);
  }

  /**
   * Tells the scheduler the application ended (Flink's `deregisterApplication`, for a per-job
   * cluster whose job is over): it stops every TaskManager, tears its Mesos framework down, forgets
   * it, and exits. Idempotent, so it is retried while the scheduler is unreachable or not running
   * yet; a later call answers as the first did.
   * @param options `timeoutMs` defaults to the requester's `deregisterTimeoutMs`.
   * @throws ResourceManagerClientError `DEADLINE_EXCEEDED`, `UNAVAILABLE`, `SERVER_ERROR` (the
   *   scheduler could not forget its framework; it stops), `CANCELLED`, `CLOSED`, …
   */
  async deregisterApplication(end: ApplicationEnd, options: CallOptions = {}): Promise<ApplicationDeregistration> {
    const request = { status: applicationStatusMessage(end.status), diagnostics: end.diagnostics ?? '' };
    const response = await this.retrying(`DeregisterApplication (${end.status})`, { ...options, timeoutMs: options.timeoutMs ?? this.deregisterTimeoutMs }, (timeoutMs, signal) =>
      this.channel.unary('DeregisterApplication', request, timeoutMs, signal),
    );
    this.logger.info(`The application is deregistered (${end.status}); framework '${response.framework_id ?? ''}' ${response.torn_down ? 'torn down' : 'not torn down'}`);
    return { frameworkId: response.framework_id ?? '', tornDown: response.torn_down ?? false };
  }

  /**
   * The worker list, then one event per changed worker, until `signal` aborts, the iteration is
   * left (`break`), or the client closes (these end it without an error). When the stream breaks
   * (scheduler unreachable or restarting) it reconnects with backoff and starts over with a new
   * snapshot.
   * @throws ResourceManagerClientError a refusal that reconnecting cannot fix.
   */
  async *watchWorkers(options: WatchWorkersOptions = {}): AsyncGenerator<WorkerWatchEvent, void, undefined> {
    const signal = this.signalFor(options.signal);
    const backoff = new Backoff(this.backoff, this.random);
    while (!signal.aborted) {
      let stream: grpc.ClientReadableStream<WatchWorkersEventMessage> | undefined;
      const cancel = (): void => stream?.cancel();
      signal.addEventListener('abort', cancel);
      try {
        stream = await this.channel.stream('WatchWorkers', {}, undefined);
        if (signal.aborted) return;
        for await (const message of stream as AsyncIterable<WatchWorkersEventMessage>) {
          backoff.reset();
          if (message.snapshot) yield { kind: 'snapshot', list: workerListFromMessage(message.snapshot) };
          else if (message.changed) yield { kind: 'changed', worker: workerFromMessage(message.changed) };
        }
        // The server ended the stream without a status error: follow again.
      } catch (caught) {
        if (signal.aborted) return;
        const error = toClientError(caught, 'WatchWorkers');
        if (!error.retryable && error.code !== ResourceManagerClientErrorCode.CANCELLED) throw error;
        if (error.code === ResourceManagerClientErrorCode.UNAVAILABLE) this.channel.invalidate();
        const delayMs = backoff.next();
        this.logger.info(`${error.message}; watching again in ${delayMs} ms`);
        await pause(delayMs, signal);
      } finally {
        signal.removeEventListener('abort', cancel);
        stream?.cancel();
      }
    }
  }

  /** Closes the connection: calls in flight and later ones fail with `CLOSED`, watches end. */
  close(): void {
    this.closing.abort(new ResourceManagerClientError(ResourceManagerClientErrorCode.CLOSED, 'The slot requester is closed'));
    this.channel.close();
  }

  /** Reads a RequestSlots stream to its allocation; progress goes to `onProgress`. */
  private async readAllocation(
    stream: grpc.ClientReadableStream<SlotRequestEventMessage>,
    signal: AbortSignal,
    onProgress: (progress: SlotRequestProgress) => void,
  ): Promise<SlotAllocation> {
    const cancel = (): void => stream.cancel();
    signal.addEventListener('abort', cancel);
    try {
      for await (const event of stream as AsyncIterable<SlotRequestEventMessage>) {
        if (event.allocated) return allocationFromMessage(event.allocated);
        if (event.progress) onProgress(progressFromMessage(event.progress));
      }
      throw new ResourceManagerClientError(ResourceManagerClientErrorCode.UNAVAILABLE, 'The slot request stream ended without an allocation');
    } finally {
      signal.removeEventListener('abort', cancel);
      stream.cancel();
    }
  }

  /** Runs an idempotent unary call, again after `UNAVAILABLE` or a server failure, until the deadline. */
  private async retrying<T>(what: string, options: CallOptions, attempt: (timeoutMs: number, signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeoutMs = checkedTimeout('timeoutMs', options.timeoutMs ?? this.callTimeoutMs);
    const deadline = Date.now() + timeoutMs;
    const signal = this.signalFor(options.signal);
    const backoff = new Backoff(this.backoff, this.random);
    for (;;) {
      try {
        return await attempt(Math.max(1, deadline - Date.now()), signal);
      } catch (caught) {
        if (signal.aborted) throw aborted(signal, what);
        const error = toClientError(caught, what);
        const left = deadline - Date.now();
        if (!error.retryable || error.code === ResourceManagerClientErrorCode.DEADLINE_EXCEEDED || left <= 0) throw error;
        if (error.code === ResourceManagerClientErrorCode.UNAVAILABLE) this.channel.invalidate();
        await pause(Math.min(backoff.next(), left), signal);
        if (signal.aborted) throw aborted(signal, what);
      }
    }
  }

  /** Aborts with the caller's signal or when the requester closes. */
  private signalFor(signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.closing.signal : AbortSignal.any([this.closing.signal, signal]);
  }
}

function checkedTimeout(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 1) {
    throw new ResourceManagerClientError(ResourceManagerClientErrorCode.INVALID_OPTION, `${name} must be a number of ms >= 1, got ${value}`);
  }
  return value;
}

function invalidRequest(message: string): ResourceManagerClientError {
  return new ResourceManagerClientError(ResourceManagerClientErrorCode.INVALID_REQUEST, message);
}

function deadlineExceeded(what: string, timeoutMs: number, cause?: ResourceManagerClientError): ResourceManagerClientError {
  if (cause?.code === ResourceManagerClientErrorCode.DEADLINE_EXCEEDED) return cause;
  return new ResourceManagerClientError(
    ResourceManagerClientErrorCode.DEADLINE_EXCEEDED,
    `${what} was not served within ${timeoutMs} ms` + (cause === undefined ? '' : ` (last: ${cause.message})`),
    cause?.grpcCode,
    cause,
  );
}
