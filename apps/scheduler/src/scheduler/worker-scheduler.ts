import type { MesoflowConfig } from '@mesoflow/config';
import {
  isMesosClientError,
  MesosClientErrorCode,
  type MesosSchedulerClient,
  type SubscribedNotice,
  type Unsubscribe,
} from '@mesoflow/mesos-client';
import { placeWorkers, type Launch, type PendingWorker, type PlacementOptions } from '@mesoflow/mesos-placement';
import { mesos } from '@mesoflow/proto';
import type { ApplicationStatus } from '@mesoflow/resourcemanager-client';
import { launched, parseTaskId, released, withFailure, type Worker, type WorkerStore } from '@mesoflow/zk-store';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { WorkerFleet } from '../resource-manager/worker-fleet';
import { FrameworkRemovedError, SchedulerError, SchedulerErrorCode } from './errors';
import { SchedulerActivity, type ActivityCounts } from './scheduler-activity';
import { registerSchedulerMetrics, type SchedulerGaugeSource, type SchedulerMetrics } from './scheduler-metrics';
import { recordState, WorkerHistory, type WorkerStateChange } from './worker-history';
import { commandTaskSource, workerTaskTemplate, type WorkerTaskSource, type WorkerTaskTemplate } from './worker-task';

const TaskState = mesos.v1.TaskState;
type TaskStatus = mesos.v1.TaskStatus.$Properties;
type Offer = mesos.v1.Offer.$Properties;

/** What the scheduler needs of the Mesos client; {@link MesosSchedulerClient} is the real one. */
export type SchedulerClient = Pick<
  MesosSchedulerClient,
  'state' | 'on' | 'start' | 'close' | 'accept' | 'decline' | 'suppress' | 'revive' | 'reconcile' | 'kill' | 'acknowledgeStatus' | 'teardown'
>;

/** Time, so that tests can drive backoff. */
export interface Clock {
  now(): number;
  /** Runs `callback` after `ms`; returns a function that cancels it. */
  setTimeout(callback: () => void, ms: number): () => void;
}

/** The wall clock and Node's timers. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

/** Delay before a failed worker is replaced: doubles per failure in a row, reset when a worker runs. */
export interface ReplacementBackoff {
  /** @default 1000 */
  initialMs: number;
  /** @default 60000 */
  maxMs: number;
}

/** Explicit reconciliation retries (doubling) until answered; implicit reconciliation then runs periodically. */
export interface ReconciliationTiming {
  /** First wait for explicit answers. @default 1000 */
  initialMs: number;
  /** Longest wait between explicit retries. @default 60000 */
  maxMs: number;
  /** Between implicit reconciliations. @default 900000 (15 min) */
  implicitIntervalMs: number;
}

/** What the master said when it refused a framework ID that it removed. */
const FRAMEWORK_REMOVED = /framework has been removed/i;

interface BufferedOffer {
  readonly offer: Offer;
  /** The subscription the offer came with; offers of older ones are void. */
  readonly generation: number;
}

interface HeldOffer extends BufferedOffer {
  readonly cancel: () => void;
}

/** Options of {@link WorkerScheduler}. */
export interface WorkerSchedulerOptions {
  client: SchedulerClient;
  store: WorkerStore;
  config: MesoflowConfig;
  /** How many TaskManagers should run at first; {@link WorkerScheduler.setDesiredWorkers} changes it. */
  desiredWorkers: number;
  /** Where TaskInfos come from. @default the configured command as it is ({@link commandTaskSource}) */
  taskSource?: WorkerTaskSource;
  /** Where the scheduler's metrics go. @default a registry of its own */
  metrics?: Registry;
  /** @default SYSTEM_CLOCK */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /** @default { initialMs: 1000, maxMs: 60000 } */
  replacementBackoff?: ReplacementBackoff;
  /** @default { initialMs: 1000, maxMs: 60000, implicitIntervalMs: 900000 } */
  reconciliation?: ReconciliationTiming;
  /**
   * Builds a client that registers a new framework (no framework ID). Required when
   * `mesos.resourcemanager.framework.on-removed` is `register-anew`.
   */
  newFrameworkClient?: () => SchedulerClient;
  /**
   * Called once when the scheduler gives up after it started: too many failed tasks, the framework
   * removed (`stop` mode), or the Mesos client failed for good.
   */
  onFatalError?: (error: SchedulerError) => void;
  /**
   * How long {@link WorkerScheduler.deregisterApplication} waits for a Mesos subscription to send TEARDOWN
   * through when there is none (not subscribed yet, or between subscriptions). @default 30000
   */
  teardownWaitMs?: number;
  /**
   * Called once {@link WorkerScheduler.deregisterApplication} has finished and the scheduler is
   * closed; the process should then exit with status 0. A deregistration that fails (the store
   * cannot be cleared) goes to `onFatalError` instead.
   */
  onDeregistered?: (deregistration: Deregistration) => void;
}

/** What {@link WorkerScheduler.deregisterApplication} is told about the end of the application. */
export interface ApplicationEnd {
  readonly status: ApplicationStatus;
  /** Why it ended, for the log; may be empty. */
  readonly diagnostics: string;
}

/** What {@link WorkerScheduler.deregisterApplication} did. */
export interface Deregistration {
  /** The framework the scheduler ran as; undefined when it never had one. */
  readonly frameworkId: string | undefined;
  /** Whether the master accepted the TEARDOWN (false: no subscription came in time). */
  readonly tornDown: boolean;
}

/** Where the scheduler is in its life. */
export type WorkerSchedulerState =
  | { readonly name: 'idle' }
  | { readonly name: 'running' }
  /** {@link WorkerScheduler.deregisterApplication} was called; `closed` follows. */
  | { readonly name: 'deregistering' }
  | { readonly name: 'failed'; readonly error: SchedulerError }
  | { readonly name: 'closed' };

/** A worker as the store has it, with what this scheduler saw of it (kept in memory only). */
export interface WorkerView extends Worker {
  /** E.g. `TASK_RUNNING`; undefined until a status arrived since this scheduler subscribed. */
  readonly taskState: string | undefined;
  /** Its state changes seen by this scheduler, oldest first, at most the last 20. */
  readonly history: readonly WorkerStateChange[];
  /**
   * The framework its task was launched under (the current one for a worker not launched yet);
   * undefined before the first subscription.
   */
  readonly frameworkId: string | undefined;
}

/** The scheduler's view of Mesos now (what GetSchedulerStatus answers). */
export interface SchedulerStatus extends ActivityCounts {
  /** `mesos.resourcemanager.framework.name`. */
  readonly frameworkName: string;
  /** Undefined before the first SUBSCRIBED (and while a new framework registers). */
  readonly frameworkId: string | undefined;
  /** `mesos.master` as configured. */
  readonly master: string;
  /** `host:port` of the leading master while subscribed. */
  readonly leader: string | undefined;
  readonly subscribed: boolean;
  readonly suppressed: boolean;
  /** New workers, waiting for an offer. */
  readonly pendingWorkers: number;
  readonly desiredWorkers: number;
  readonly failedTasks: number;
  /** `mesos.maximum-failed-tasks`; -1 for no limit. */
  readonly maximumFailedTasks: number;
}

/** States after which a worker's task is gone (or, for UNREACHABLE, given up on). */
const GONE_STATES: ReadonlySet<mesos.v1.TaskState> = new Set([
  TaskState.TASK_FINISHED,
  TaskState.TASK_FAILED,
  TaskState.TASK_KILLED,
  TaskState.TASK_ERROR,
  TaskState.TASK_LOST,
  TaskState.TASK_DROPPED,
  TaskState.TASK_UNREACHABLE,
  TaskState.TASK_GONE,
  TaskState.TASK_GONE_BY_OPERATOR,
  TaskState.TASK_UNKNOWN,
]);

function stateName(state: mesos.v1.TaskState | null | undefined): `TASK_${string}` {
  if (state === null || state === undefined) return 'TASK_UNKNOWN';
  // Every name of the enum starts with TASK_; a number it does not know reads as `TASK_<number>`.
  return (TaskState[state] as `TASK_${string}` | undefined) ?? `TASK_${state}`;
}

/**
 * Keeps `desiredWorkers` TaskManager tasks running on Mesos: persists the framework ID first,
 * records each worker before its LAUNCH, places pending workers on batched offers, declines the
 * rest, suppresses offers while nothing is pending, persists then acknowledges status updates,
 * replaces lost workers with backoff up to `mesos.maximum-failed-tasks`, and reconciles every
 * Launched worker on each (re)subscription (explicitly, retried with backoff until answered, then
 * implicitly every `reconciliation.implicitIntervalMs`).
 *
 * Offers that fit no pending worker but could host one are held up to
 * `mesos.resourcemanager.unused-offer-expiration` for workers requested meanwhile, then declined.
 * When the master refuses the framework ID (`Framework has been removed`), the scheduler stops or
 * registers a new framework, per `mesos.resourcemanager.framework.on-removed`. When the application
 * ends, {@link deregisterApplication} tears the framework down and forgets it.
 *
 * For the resource manager's ListWorkers and GetSchedulerStatus it also keeps, in memory only, each
 * worker's recent state changes ({@link WorkerHistory}) and its counts of offers, reconciliations
 * and resubscriptions ({@link SchedulerActivity}, which also feeds `/metrics`).
 *
 * Every event is handled in arrival order, one at a time, so store writes never race.
 */
export class WorkerScheduler implements WorkerFleet {
  private client: SchedulerClient;
  private readonly store: WorkerStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly template: WorkerTaskTemplate;
  private readonly taskSource: WorkerTaskSource;
  private readonly metrics: SchedulerMetrics;
  private readonly activity: SchedulerActivity;
  private readonly history = new WorkerHistory();
  /** The framework each worker was launched under; in memory, like the history. */
  private readonly frameworkOf = new Map<string, string>();
  /** The framework of the current subscription. */
  private frameworkId: string | undefined;
  private readonly frameworkName: string;
  private readonly master: string;
  private readonly changeListeners = new Set<(worker: WorkerView) => void>();
  /** Workers this scheduler launched that have not reported RUNNING yet, for the launch-time metric. */
  private readonly launchedHere = new Set<string>();
  private desiredWorkers: number;
  private readonly maximumFailedTasks: number;
  private readonly refuseSeconds: number;
  private readonly backoff: ReplacementBackoff;
  private readonly offerExpirationMs: number;
  private readonly reconciliationTiming: ReconciliationTiming;
  private readonly onRemoved: 'stop' | 'register-anew';
  private readonly newFrameworkClient: (() => SchedulerClient) | undefined;
  private readonly onFatalError: ((error: SchedulerError) => void) | undefined;
  private readonly teardownWaitMs: number;
  private readonly onDeregistered: ((deregistration: Deregistration) => void) | undefined;
  private deregistration: Promise<Deregistration> | undefined;
  private currentState: WorkerSchedulerState = { name: 'idle' };
  private workers = new Map<string, Worker>();
  private loaded = false;
  private readonly taskStates = new Map<string, mesos.v1.TaskState>();
  private readonly offerBuffer: BufferedOffer[] = [];
  /** Unused offers kept for workers requested soon, by offer ID, oldest first. */
  private readonly heldOffers = new Map<string, HeldOffer>();
  /** Counts subscriptions; bumped as soon as the client reports one. */
  private generation = 0;
  /** The subscription whose first offers were logged. */
  private offeredGeneration = 0;
  /** Launched workers whose state no UPDATE confirmed since explicit reconciliation began. */
  private readonly unconfirmed = new Set<string>();
  private reconcileAttempt = 0;
  private cancelReconcileTimer: (() => void) | undefined;
  /** True while {@link start} waits for the client; its failure is then handled by `start`. */
  private starting = false;
  private offersQueued = false;
  private suppressed = false;
  private failuresInARow = 0;
  private readonly replacementTimers = new Set<() => void>();
  private unsubscribes: Unsubscribe[] = [];
  private tail: Promise<void> = Promise.resolve();

  /** @throws SchedulerError `INVALID_CONFIGURATION` when the worker task cannot be described. */
  constructor(options: WorkerSchedulerOptions) {
    if (!Number.isInteger(options.desiredWorkers) || options.desiredWorkers < 0) {
      throw new SchedulerError(
        SchedulerErrorCode.INVALID_CONFIGURATION,
        `The desired worker count must be a whole number >= 0, got ${options.desiredWorkers}`,
      );
    }
    this.client = options.client;
    this.store = options.store;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'worker-scheduler' });
    this.template = workerTaskTemplate(options.config);
    this.taskSource = options.taskSource ?? commandTaskSource(this.template);
    this.metrics = registerSchedulerMetrics(options.metrics ?? new Registry(), () => this.gauges());
    this.activity = new SchedulerActivity(this.metrics, () => this.clock.now());
    this.frameworkName = options.config.get('mesos.resourcemanager.framework.name');
    this.master = options.config.get('mesos.master') ?? '';
    this.desiredWorkers = options.desiredWorkers;
    this.maximumFailedTasks = options.config.get('mesos.maximum-failed-tasks');
    this.refuseSeconds = options.config.get('mesos.resourcemanager.declined-offer-refuse-duration').seconds;
    this.backoff = options.replacementBackoff ?? { initialMs: 1_000, maxMs: 60_000 };
    this.offerExpirationMs = options.config.get('mesos.resourcemanager.unused-offer-expiration').milliseconds;
    this.reconciliationTiming = options.reconciliation ?? { initialMs: 1_000, maxMs: 60_000, implicitIntervalMs: 900_000 };
    this.onRemoved = options.config.get('mesos.resourcemanager.framework.on-removed');
    this.newFrameworkClient = options.newFrameworkClient;
    if (this.onRemoved === 'register-anew' && !this.newFrameworkClient) {
      throw new SchedulerError(
        SchedulerErrorCode.INVALID_CONFIGURATION,
        "'mesos.resourcemanager.framework.on-removed: register-anew' needs a way to build a new framework's client",
      );
    }
    this.onFatalError = options.onFatalError;
    this.teardownWaitMs = options.teardownWaitMs ?? 30_000;
    this.onDeregistered = options.onDeregistered;
  }

  /** The lifecycle state. */
  get state(): WorkerSchedulerState {
    return this.currentState;
  }

  /** Whether offers are suppressed (nothing is pending). */
  get offersSuppressed(): boolean {
    return this.suppressed;
  }

  /** Every worker the store holds, with what Mesos last said about its task. */
  get workersLoaded(): boolean {
    return this.loaded;
  }

  workerViews(): WorkerView[] {
    return [...this.workers.values()].map((worker) => this.view(worker));
  }

  workerView(taskId: string): WorkerView | undefined {
    const worker = this.workers.get(taskId);
    return worker && this.view(worker);
  }

  onWorkerChange(listener: (worker: WorkerView) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The desired worker count now. */
  get desired(): number {
    return this.desiredWorkers;
  }

  /**
   * Keeps `count` workers: records and launches more, or drops New workers beyond it (Launched
   * ones stay until {@link releaseWorker}: only the resource manager knows which are idle).
   */
  setDesiredWorkers(count: number): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new SchedulerError(SchedulerErrorCode.INVALID_CONFIGURATION, `The desired worker count must be a whole number >= 0, got ${count}`);
    }
    if (count === this.desiredWorkers) return;
    this.logger.info(`Desired workers: ${this.desiredWorkers} -> ${count}`);
    this.desiredWorkers = count;
    this.enqueue('a new desired worker count', async () => {
      if (!this.active || this.generation === 0) return;
      await this.topUp();
      await this.dropSurplusPending();
      await this.placeOffers([]);
      await this.updateOfferInterest();
    });
  }

  releaseWorker(taskId: string, reason: string): Promise<void> {
    return this.enqueueAndWait(`releasing '${taskId}'`, () => this.retire(taskId, reason, false));
  }

  failWorker(taskId: string, reason: string): Promise<void> {
    return this.enqueueAndWait(`failing '${taskId}'`, () => this.retire(taskId, reason, true));
  }

  /**
   * Notes what the resource manager saw of a worker's TaskManager in its history. The caller tells
   * its own listeners of the change; the worker's listeners are not called.
   */
  recordTaskManagerChange(taskId: string, state: 'REGISTERED' | 'LOST', detail: string): void {
    if (this.workers.has(taskId)) this.history.record(taskId, { atMs: this.clock.now(), state, detail });
  }

  /** The scheduler's view of Mesos now. */
  schedulerStatus(): SchedulerStatus {
    const client = this.client.state;
    const subscribed = client.name === 'subscribed';
    return {
      ...this.activity.counts(),
      frameworkName: this.frameworkName,
      frameworkId: this.frameworkId,
      master: this.master,
      leader: subscribed ? new URL(client.endpoint).host : undefined,
      subscribed,
      suppressed: this.suppressed,
      pendingWorkers: this.pendingWorkers().length,
      desiredWorkers: this.desiredWorkers,
      failedTasks: this.failedTasks(),
      maximumFailedTasks: this.maximumFailedTasks,
    };
  }

  private view(worker: Worker): WorkerView {
    return {
      ...worker,
      taskState: this.taskStates.has(worker.taskId) ? stateName(this.taskStates.get(worker.taskId)) : undefined,
      history: this.history.of(worker.taskId),
      frameworkId: this.frameworkOf.get(worker.taskId) ?? this.frameworkId,
    };
  }

  /** Records `worker` as the store now has it, notes a new state in its history, and tells the listeners. */
  private remember(worker: Worker, detail?: string): void {
    const previous = this.workers.get(worker.taskId);
    this.workers.set(worker.taskId, worker);
    if (previous?.state !== worker.state) {
      this.history.record(worker.taskId, { atMs: this.clock.now(), state: recordState(worker.state), detail });
      if (worker.state === 'Launched' && this.frameworkId !== undefined) this.frameworkOf.set(worker.taskId, this.frameworkId);
    }
    this.announce(worker);
  }

  private announce(worker: Worker): void {
    if (this.changeListeners.size === 0) return;
    const view = this.view(worker);
    for (const listener of this.changeListeners) {
      try {
        listener(view);
      } catch (error) {
        this.logger.error({ err: error }, `A worker change listener failed: ${(error as Error).message}`);
      }
    }
  }

  private gauges(): SchedulerGaugeSource {
    return {
      workerCounts: () => {
        const counts = { New: 0, Launched: 0, Released: 0 };
        for (const worker of this.workers.values()) counts[worker.state]++;
        return counts;
      },
      failedTasks: () => this.failedTasks(),
      heldOffers: () => this.heldOffers.size,
      offersSuppressed: () => this.suppressed,
    };
  }

  /** Task failures counted so far, over every worker ever recorded. */
  failedTasks(): number {
    return [...this.workers.values()].reduce((sum, worker) => sum + worker.failureCount, 0);
  }

  /** Offers held for workers requested soon, oldest first. */
  heldOfferIds(): string[] {
    return [...this.heldOffers.keys()];
  }

  /**
   * Listens to the client, starts it and waits until the first subscription is handled (framework
   * ID persisted, workers loaded, reconciliation sent, missing workers recorded).
   * @throws FrameworkRemovedError when the master refuses the framework ID and
   *   `mesos.resourcemanager.framework.on-removed` is `stop` (the scheduler is then `failed`).
   */
  async start(): Promise<void> {
    if (this.currentState.name !== 'idle') {
      throw new SchedulerError(SchedulerErrorCode.CLOSED, `The scheduler cannot start from state ${this.currentState.name}`);
    }
    this.currentState = { name: 'running' };
    this.listen(this.client);
    this.starting = true;
    try {
      await this.client.start();
    } catch (error) {
      const message = removedMessage(error);
      if (message === undefined || !this.active) throw error;
      const removed = new FrameworkRemovedError(await this.store.getFrameworkId(), message, { cause: error });
      if (this.onRemoved === 'stop') {
        this.stopTimers();
        this.currentState = { name: 'failed', error: removed };
        this.logger.error(removed.message);
        throw removed;
      }
      await this.registerAnew(removed);
    } finally {
      this.starting = false;
    }
    await this.idle();
  }

  private listen(client: SchedulerClient): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [
      client.on('subscribed', (notice) => {
        const generation = ++this.generation;
        this.enqueue('SUBSCRIBED', () => this.onSubscribed(notice, generation));
      }),
      client.on('OFFERS', (event) => this.onOffers(event.offers.offers ?? [])),
      client.on('RESCIND', (event) => this.onRescind(event.rescind.offer_id.value)),
      client.on('UPDATE', (event) => this.enqueue('UPDATE', () => this.onUpdate(event.update.status))),
      client.on('FAILURE', (event) => {
        const agent = event.failure.agent_id?.value;
        if (agent) this.logger.warn(`Agent '${agent}' failed; its tasks' updates will follow`);
      }),
      client.on('failed', (error) => {
        if (this.starting || client !== this.client) return;
        this.enqueue('a failed Mesos client', () => this.onClientFailed(error));
      }),
    ];
  }

  /** Resolves once every event received so far has been handled. */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.tail) {
      seen = this.tail;
      await seen;
    }
  }

  /**
   * Stops listening, cancels pending replacements and closes the client; the store stays open (it
   * is the caller's). During a {@link deregisterApplication} it waits for that to finish (its waits are
   * bounded), which closes the scheduler itself.
   */
  async close(): Promise<void> {
    if (this.deregistration) {
      await this.deregistration.then(
        () => undefined,
        () => undefined,
      );
      return;
    }
    await this.shutDown();
  }

  private async shutDown(): Promise<void> {
    if (this.currentState.name === 'closed') return;
    this.currentState = { name: 'closed' };
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [];
    this.stopTimers();
    this.forgetHeldOffers();
    await this.client.close();
    await this.idle();
  }

  /** Cancels replacements and reconciliation. */
  private stopTimers(): void {
    for (const cancel of this.replacementTimers) cancel();
    this.replacementTimers.clear();
    this.cancelReconcileTimer?.();
    this.cancelReconcileTimer = undefined;
  }

  private enqueue(what: string, work: () => Promise<void>): void {
    this.tail = this.tail.then(work).catch((error: unknown) => {
      this.logger.error({ err: error }, `Handling ${what} failed: ${(error as Error).message}`);
    });
  }

  /** Runs `work` in turn with the events and settles with its outcome. */
  private enqueueAndWait<T>(what: string, work: () => Promise<T>): Promise<T> {
    const done = this.tail.then(work);
    this.tail = done.then(
      () => undefined,
      (error: unknown) => {
        this.logger.error({ err: error }, `Handling ${what} failed: ${(error as Error).message}`);
      },
    );
    return done;
  }

  private get active(): boolean {
    return this.currentState.name === 'running';
  }

  // ---------------------------------------------------------------------------------------------
  // Subscription

  private async onSubscribed(notice: SubscribedNotice, generation: number): Promise<void> {
    // The framework ID is persisted before anything else, so a restart re-subscribes with it.
    if ((await this.store.getFrameworkId()) !== notice.frameworkId) {
      await this.store.setFrameworkId(notice.frameworkId);
      this.logger.info(`Framework ID '${notice.frameworkId}' is persisted`);
    }
    this.frameworkId = notice.frameworkId;
    this.workers = new Map((await this.store.list()).map((worker) => [worker.taskId, worker]));
    this.loaded = true;
    this.recoverHistories(notice.frameworkId);
    if (generation > 1) this.activity.resubscription();
    for (const worker of this.workers.values()) this.announce(worker);
    // A new subscription starts unsuppressed: SUBSCRIBE carries no suppressed roles.
    this.suppressed = false;
    // The master silently discards outstanding offers on (re)subscription (4.2): forget them.
    for (const [offerId, held] of this.heldOffers) {
      if (held.generation === generation) continue;
      held.cancel();
      this.heldOffers.delete(offerId);
    }
    await this.startReconciliation();
    if (this.active) await this.topUp();
    await this.updateOfferInterest();
  }

  /**
   * Starts the history of workers this scheduler has not seen change (recorded by an earlier one):
   * one entry with the state the store holds. A Launched one ran under the framework the scheduler
   * subscribed with, which was in the same store.
   */
  private recoverHistories(frameworkId: string): void {
    const now = this.clock.now();
    for (const worker of this.workers.values()) {
      if (this.history.has(worker.taskId)) continue;
      this.history.record(worker.taskId, { atMs: now, state: recordState(worker.state), detail: 'as recorded before this scheduler started' });
      if (worker.state === 'Launched') this.frameworkOf.set(worker.taskId, frameworkId);
    }
  }

  /** Records New workers until launched, pending and scheduled replacements reach the desired count. */
  private async topUp(): Promise<void> {
    const missing = this.desiredWorkers - this.liveWorkers() - this.replacementTimers.size;
    if (missing <= 0) return;
    const recorded = await this.store.newWorkers(this.template.profile, missing);
    for (const worker of recorded) this.remember(worker);
    const first = recorded[0]?.taskId ?? '';
    const range = recorded.length === 1 ? `Worker '${first}' is` : `Workers '${first}' to '${recorded.at(-1)?.taskId ?? ''}' are`;
    this.logger.info(`${range} recorded and wait${recorded.length === 1 ? 's' : ''} for an offer`);
  }

  /** Releases New workers, newest first, while more workers are live than desired. */
  private async dropSurplusPending(): Promise<void> {
    let surplus = this.liveWorkers() - this.desiredWorkers;
    for (const worker of this.pendingWorkers().reverse()) {
      if (surplus <= 0) return;
      await this.releaseRecord(worker, false, 'no longer needed');
      surplus--;
      this.logger.info(`Worker '${worker.taskId}' is no longer needed; released before launch`);
    }
  }

  private liveWorkers(): number {
    return [...this.workers.values()].filter((worker) => worker.state !== 'Released').length;
  }

  private pendingWorkers(): Worker[] {
    return [...this.workers.values()].filter((worker) => worker.state === 'New');
  }

  /** SUPPRESS when nothing is pending, REVIVE when something is. */
  private async updateOfferInterest(): Promise<void> {
    const wanted = this.active && this.pendingWorkers().length > 0;
    if (wanted && this.suppressed) {
      await this.client.revive();
      this.suppressed = false;
      this.logger.info('Workers are pending; offers are revived');
    } else if (!wanted && !this.suppressed) {
      await this.client.suppress();
      this.suppressed = true;
      this.logger.info('No worker is pending; offers are suppressed');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Offers

  private onOffers(offers: Offer[]): void {
    this.activity.offersReceived(offers.length);
    const generation = this.generation;
    if (this.offeredGeneration !== generation) {
      // Waiting on a master that offers nothing is the usual first question when workers are pending.
      this.offeredGeneration = generation;
      this.logger.info(`First offers since subscribing: ${offers.length} offer(s)`);
    }
    this.offerBuffer.push(...offers.map((offer) => ({ offer, generation })));
    if (this.offersQueued) return;
    this.offersQueued = true;
    // Every offer that arrives before this turn comes is placed in one batch.
    this.enqueue('OFFERS', async () => {
      this.offersQueued = false;
      await this.placeOffers(this.offerBuffer.splice(0));
    });
  }

  private onRescind(offerId: string): void {
    this.activity.offerRescinded();
    const index = this.offerBuffer.findIndex((buffered) => buffered.offer.id.value === offerId);
    if (index >= 0) this.offerBuffer.splice(index, 1);
    const held = this.heldOffers.get(offerId);
    if (held) {
      held.cancel();
      this.heldOffers.delete(offerId);
      this.logger.debug(`Held offer '${offerId}' was rescinded`);
    }
  }

  /**
   * Places pending workers on the held offers (first) and `fresh`; declines offers that cannot
   * host a worker, holds the others, and declines everything when the scheduler is not running.
   */
  private async placeOffers(fresh: BufferedOffer[]): Promise<void> {
    // Offers of an earlier subscription are void: the master discarded them.
    const current = fresh.filter((buffered) => buffered.generation === this.generation);
    if (!this.active) {
      const all = [...this.heldOffers.keys(), ...current.map((buffered) => buffered.offer.id.value)];
      this.forgetHeldOffers();
      await this.decline(all);
      return;
    }
    const pending: PendingWorker[] = this.pendingWorkers().map((worker) => ({
      workerId: worker.taskId,
      profile: worker.resources,
      requestedAt: parseTaskId(worker.taskId) ?? 0,
    }));
    if (current.length === 0 && (pending.length === 0 || this.heldOffers.size === 0)) return;
    const held = [...this.heldOffers.values()].filter((offer) => offer.generation === this.generation);
    const candidates = [...held.map((offer) => offer.offer), ...current.map((buffered) => buffered.offer)];
    const running = this.runningHosts();
    const stopTimer = this.metrics.decisionSeconds.startTimer();
    const result = placeWorkers(candidates, pending, this.placementOptions(), running);
    stopTimer();
    for (const launch of result.launches) for (const offerId of launch.offerIds) this.release(offerId);
    const declined = await this.launch(result.launches);
    const fresher = new Map(current.map((buffered) => [buffered.offer.id.value, buffered.offer]));
    // Once per batch, with the workers just launched: spread limits count them.
    const runningAfter = this.offerExpirationMs > 0 ? this.runningHosts() : [];
    for (const offerId of result.unusedOfferIds) {
      const offer = fresher.get(offerId);
      // A held offer keeps its original expiry.
      if (!offer) continue;
      if (this.offerExpirationMs > 0 && this.couldHostAWorker(offer, runningAfter)) this.hold(offer);
      else declined.push(offerId);
    }
    await this.decline(declined);
    for (const unplaced of result.unplaced) {
      this.logger.debug(`Worker '${unplaced.workerId}' is not placed: ${unplaced.reason}`);
    }
    await this.updateOfferInterest();
  }

  private placementOptions(): PlacementOptions {
    return {
      constraints: this.template.constraints,
      networkResourceName: this.template.networkResourceName,
      now: this.clock.now(),
    };
  }

  private runningHosts(): Array<{ hostname: string }> {
    return [...this.workers.values()]
      .filter((worker) => worker.state === 'Launched' && worker.hostname !== undefined)
      .map((worker) => ({ hostname: worker.hostname ?? '' }));
  }

  /** Whether a worker of the configured profile would fit on `offer` alone (a probe placement). */
  private couldHostAWorker(offer: Offer, running: ReadonlyArray<{ hostname: string }>): boolean {
    const probe: PendingWorker = { workerId: 'probe', profile: this.template.profile, requestedAt: 0 };
    return placeWorkers([offer], [probe], this.placementOptions(), running).launches.length > 0;
  }

  /** Keeps `offer` until `mesos.resourcemanager.unused-offer-expiration` passes, then declines it. */
  private hold(offer: Offer): void {
    const offerId = offer.id.value;
    const generation = this.generation;
    const cancel = this.clock.setTimeout(() => {
      this.enqueue('an offer expiry', async () => {
        const held = this.heldOffers.get(offerId);
        if (held?.generation !== generation) return;
        this.heldOffers.delete(offerId);
        this.logger.debug(`Held offer '${offerId}' expired unused; declining it`);
        await this.decline([offerId]);
      });
    }, this.offerExpirationMs);
    this.heldOffers.set(offerId, { offer, generation, cancel });
    this.logger.debug(`Offer '${offerId}' fits no pending worker; held for ${this.offerExpirationMs} ms`);
  }

  /** Stops holding an offer (it is being used or declined). */
  private release(offerId: string): void {
    this.heldOffers.get(offerId)?.cancel();
    this.heldOffers.delete(offerId);
  }

  private forgetHeldOffers(): void {
    for (const held of this.heldOffers.values()) held.cancel();
    this.heldOffers.clear();
  }

  private async decline(offerIds: string[]): Promise<void> {
    if (offerIds.length === 0) return;
    this.activity.offersDeclined(offerIds.length);
    await this.client.decline({
      offer_ids: offerIds.map((value) => ({ value })),
      filters: { refuse_seconds: this.refuseSeconds },
    });
  }

  /**
   * Gets every placed worker's TaskInfo, then per agent persists its workers as Launched in one
   * batch and sends its ACCEPT. The agents go side by side, so the first ACCEPT leaves after one
   * agent's batch is durable rather than all of them. A worker whose TaskInfo cannot be had stays
   * New and waits for the next offer; the master takes back what an ACCEPT leaves unused.
   * @returns the offers of launches that sent nothing, to decline.
   */
  private async launch(launches: readonly Launch[]): Promise<string[]> {
    const described = await Promise.all(launches.map((launch) => this.describe(launch)));
    const sent = await Promise.all(described.map((tasks) => (tasks.length > 0 ? this.persistAndAccept(tasks) : Promise.resolve(false))));
    return launches.filter((_, i) => !sent[i]).flatMap((launch) => launch.offerIds);
  }

  /** Persists one agent's workers as Launched, then sends its ACCEPT; false when nothing was sent. */
  private async persistAndAccept(tasks: ReadonlyArray<{ launch: Launch; record: Worker; taskInfo: mesos.v1.TaskInfo.$Properties }>): Promise<boolean> {
    const records = tasks.map((task) => task.record);
    try {
      const versions = await this.store.updateAll(records);
      records.forEach((record, i) =>
        this.remember({ ...record, version: versions[i] ?? record.version + 1 }, `on agent '${record.agentId ?? '?'}' ('${record.hostname ?? '?'}')`),
      );
    } catch (error) {
      this.logger.error({ err: error }, `${records.length} worker(s) could not be marked Launched; none of them is launched`);
      await this.recoverFromFailedWrite(records.map((record) => record.taskId));
      return false;
    }
    await this.accept(tasks);
    return true;
  }

  /** The TaskInfos of `launch` with the records that say the workers are Launched. */
  private async describe(launch: Launch): Promise<Array<{ launch: Launch; record: Worker; taskInfo: mesos.v1.TaskInfo.$Properties }>> {
    const described = await Promise.all(
      launch.workers.map(async (placed) => {
        const worker = this.workers.get(placed.workerId);
        if (worker?.state !== 'New') return undefined;
        try {
          const taskInfo = await this.taskSource.taskInfo(worker, launch.agentId, placed);
          const target = { agentId: launch.agentId, hostname: launch.hostname, ports: placed.ports, launchedAt: this.clock.now() };
          return { launch, record: launched(worker, target), taskInfo };
        } catch (error) {
          this.logger.error({ err: error }, `Worker '${worker.taskId}' is not launched: ${(error as Error).message}`);
          return undefined;
        }
      }),
    );
    return described.filter((task) => task !== undefined);
  }

  /** Sends the ACCEPT of one agent's launch; on failure, reconciliation finds out what happened. */
  private async accept(tasks: ReadonlyArray<{ launch: Launch; taskInfo: mesos.v1.TaskInfo.$Properties }>): Promise<void> {
    const launch = tasks[0]?.launch;
    if (!launch) return;
    const taskIds = tasks.map((task) => task.taskInfo.task_id.value);
    try {
      await this.client.accept({
        offer_ids: launch.offerIds.map((value) => ({ value })),
        operations: [{ type: mesos.v1.Offer.Operation.Type.LAUNCH, launch: { task_infos: tasks.map((task) => task.taskInfo) } }],
        filters: { refuse_seconds: this.refuseSeconds },
      });
    } catch (error) {
      // The workers are recorded as Launched: reconciliation makes the master say what became of them.
      this.logger.error({ err: error }, `ACCEPT for ${taskIds.join(', ')} failed; reconciling them`);
      await this.reconcileExplicitly(taskIds);
      return;
    }
    this.activity.offersAccepted(launch.offerIds.length);
    for (const taskId of taskIds) this.launchedHere.add(taskId);
    this.logger.info(`Launched ${taskIds.join(', ')} on agent '${launch.agentId}' ('${launch.hostname}')`);
  }

  /**
   * After a batch write failed midway some of `taskIds` may be recorded as Launched: reload them,
   * and have reconciliation tell what became of those (their ACCEPT never went out).
   */
  private async recoverFromFailedWrite(taskIds: readonly string[]): Promise<void> {
    const launchedIds: string[] = [];
    for (const taskId of taskIds) {
      const stored = await this.store.get(taskId).catch(() => undefined);
      if (!stored) continue;
      this.remember(stored);
      if (stored.state === 'Launched') launchedIds.push(taskId);
    }
    if (launchedIds.length > 0) await this.reconcileExplicitly(launchedIds);
  }

  // ---------------------------------------------------------------------------------------------
  // Status updates

  private async onUpdate(status: TaskStatus): Promise<void> {
    // Unacknowledged, the update comes again to whoever subscribes next.
    if (this.currentState.name === 'closed') return;
    await this.applyStatus(status);
    await this.client.acknowledgeStatus(status);
  }

  /** Persists what a status means for its worker; throws (and so withholds the ACK) when the store fails. */
  private async applyStatus(status: TaskStatus): Promise<void> {
    const taskId = status.task_id.value;
    // Any update (a reconciliation answer or not) tells the task's state: it is confirmed.
    if (this.unconfirmed.delete(taskId) && this.unconfirmed.size === 0) this.concludeExplicitReconciliation();
    const state = status.state;
    const gone = GONE_STATES.has(state);
    const worker = this.workers.get(taskId);
    const noted = worker !== undefined && this.history.recordTaskState(taskId, { atMs: this.clock.now(), state: stateName(state), detail: statusDetail(status) });
    if (!worker || worker.state !== 'Launched') {
      // E.g. the TASK_KILLED of a worker released as idle: the end of its story.
      if (noted) this.announce(worker);
      if (!gone) {
        // A task we do not want (released earlier, e.g. when it was unreachable): stop it.
        this.logger.warn(`Task '${taskId}' is ${stateName(state)} but no worker needs it; killing it`);
        await this.client.kill({
          task_id: { value: taskId },
          ...(status.agent_id ? { agent_id: status.agent_id } : {}),
        });
      }
      return;
    }
    if (!gone) {
      const previous = this.taskStates.get(taskId);
      if (previous === state) return;
      this.taskStates.set(taskId, state);
      if (state === TaskState.TASK_RUNNING && previous !== TaskState.TASK_RUNNING) {
        this.failuresInARow = 0;
        // Only launches of this scheduler: a recovered worker's launch time says nothing about Mesos' speed.
        if (this.launchedHere.delete(taskId) && worker.launchedAt !== undefined) {
          this.metrics.launchSeconds.observe(Math.max(0, this.clock.now() - worker.launchedAt) / 1000);
        }
        this.logger.info(`Task '${taskId}' is RUNNING on agent '${worker.agentId ?? '?'}'`);
      }
      this.announce(worker);
      return;
    }
    if (neverReachedMesos(status)) {
      // Recorded as Launched, but its ACCEPT never reached the master (this scheduler stopped or
      // the call failed in between): no task failed, so no failure is counted and no backoff waits.
      await this.releaseRecord(worker, false, 'its launch never reached Mesos');
      this.logger.info(`Worker '${taskId}' never reached Mesos (${status.message ?? stateName(state)}); a new worker replaces it`);
      if (!this.active) return;
      await this.topUp();
      await this.placeOffers([]);
      await this.updateOfferInterest();
      return;
    }
    await this.releaseRecord(worker, true, `its task is ${stateName(state)}`);
    const reason = status.reason === null || status.reason === undefined ? '' : ` (${mesos.v1.TaskStatus.Reason[status.reason]})`;
    this.logger.warn(
      `Task '${taskId}' is ${stateName(state)}${reason}; worker released, ${this.failedTasks()} failed task(s) so far`,
    );
    await this.afterFailure(taskId);
  }

  /**
   * Persists `worker` as Released (with one more failure when `failed`) and forgets its task state;
   * `why` goes to its history.
   */
  private async releaseRecord(worker: Worker, failed: boolean, why: string): Promise<void> {
    const next = released(failed ? withFailure(worker) : worker);
    const version = await this.store.update(next);
    this.taskStates.delete(worker.taskId);
    this.launchedHere.delete(worker.taskId);
    this.remember({ ...next, version }, why);
  }

  /** Releases a Launched worker for the resource manager, kills its task, and replaces it if it failed. */
  private async retire(taskId: string, reason: string, failed: boolean): Promise<void> {
    const worker = this.workers.get(taskId);
    if (worker?.state !== 'Launched') return;
    await this.releaseRecord(worker, failed, reason);
    this.logger[failed ? 'warn' : 'info'](`Worker '${taskId}' is released (${reason}); killing its task`);
    try {
      await this.client.kill({ task_id: { value: taskId }, ...(worker.agentId ? { agent_id: { value: worker.agentId } } : {}) });
    } catch (error) {
      // The worker is Released: when the master reports the task again, it is killed then.
      this.logger.warn({ err: error }, `KILL of '${taskId}' failed; it is killed when the master reports it again`);
    }
    if (failed) await this.afterFailure(taskId);
  }

  /** Gives up past `mesos.maximum-failed-tasks`, or schedules a replacement for `taskId`. */
  private async afterFailure(taskId: string): Promise<void> {
    if (!this.active) return;
    const failed = this.failedTasks();
    if (this.maximumFailedTasks >= 0 && failed > this.maximumFailedTasks) {
      await this.fail(
        new SchedulerError(
          SchedulerErrorCode.TOO_MANY_FAILED_TASKS,
          `${failed} TaskManager tasks failed, more than 'mesos.maximum-failed-tasks' (${this.maximumFailedTasks}) allows; ` +
            'no more workers are launched',
        ),
      );
      return;
    }
    this.scheduleReplacement(taskId);
  }

  private scheduleReplacement(taskId: string): void {
    this.failuresInARow++;
    if (this.liveWorkers() + this.replacementTimers.size >= this.desiredWorkers) {
      this.logger.info(`Worker '${taskId}' is not replaced: ${this.desiredWorkers} worker(s) are desired`);
      return;
    }
    const delayMs = Math.min(this.backoff.initialMs * 2 ** (this.failuresInARow - 1), this.backoff.maxMs);
    this.logger.info(`Worker '${taskId}' is replaced in ${delayMs} ms`);
    const cancel = this.clock.setTimeout(() => {
      this.enqueue('a replacement', async () => {
        this.replacementTimers.delete(cancel);
        if (!this.active) return;
        await this.topUp();
        // Held offers first: a replacement may launch without waiting for (or reviving) offers.
        await this.placeOffers([]);
        await this.updateOfferInterest();
      });
    }, delayMs);
    this.replacementTimers.add(cancel);
  }

  private async fail(error: SchedulerError): Promise<void> {
    this.currentState = { name: 'failed', error };
    this.stopTimers();
    this.logger.error(error.message);
    this.onFatalError?.(error);
    const held = [...this.heldOffers.keys()];
    this.forgetHeldOffers();
    try {
      await this.decline(held);
      await this.updateOfferInterest();
    } catch (callError) {
      // The client may be the reason for the failure; nothing more to do.
      this.logger.debug({ err: callError }, 'Declining held offers or suppressing failed');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reconciliation (4.6): explicit for unconfirmed Launched workers with backoff, then implicit

  /** Restarts reconciliation for a new subscription: every Launched worker is unconfirmed. */
  private async startReconciliation(): Promise<void> {
    this.cancelReconcileTimer?.();
    this.cancelReconcileTimer = undefined;
    this.unconfirmed.clear();
    this.reconcileAttempt = 0;
    const launchedIds = [...this.workers.values()].filter((worker) => worker.state === 'Launched').map((worker) => worker.taskId);
    if (launchedIds.length === 0) {
      this.scheduleImplicitReconciliation();
      return;
    }
    await this.reconcileExplicitly(launchedIds);
  }

  /** Asks the master about `taskIds` and keeps asking, with backoff, until each is answered. */
  private async reconcileExplicitly(taskIds: readonly string[]): Promise<void> {
    for (const taskId of taskIds) this.unconfirmed.add(taskId);
    if (this.reconcileAttempt === 0) {
      // Not in an explicit round yet (implicit phase or fresh start): begin one.
      this.cancelReconcileTimer?.();
      this.reconcileAttempt = 1;
      this.scheduleExplicitRetry();
    }
    await this.sendExplicit(taskIds);
  }

  private async sendExplicit(taskIds: readonly string[]): Promise<void> {
    const tasks = taskIds.map((taskId) => {
      const agentId = this.workers.get(taskId)?.agentId;
      return { task_id: { value: taskId }, ...(agentId ? { agent_id: { value: agentId } } : {}) };
    });
    try {
      await this.client.reconcile({ tasks });
      this.activity.reconciled('explicit');
      this.logger.info(`Reconciling ${tasks.length} launched worker(s)`);
    } catch (error) {
      // The retry asks again.
      this.logger.warn({ err: error }, `Explicit reconciliation of ${tasks.length} worker(s) failed; retrying later`);
    }
  }

  private scheduleExplicitRetry(): void {
    const { initialMs, maxMs } = this.reconciliationTiming;
    const delayMs = Math.min(initialMs * 2 ** (this.reconcileAttempt - 1), maxMs);
    this.cancelReconcileTimer = this.clock.setTimeout(() => {
      this.enqueue('a reconciliation retry', async () => {
        this.cancelReconcileTimer = undefined;
        if (!this.active) return;
        for (const taskId of this.unconfirmed) {
          if (this.workers.get(taskId)?.state !== 'Launched') this.unconfirmed.delete(taskId);
        }
        if (this.unconfirmed.size === 0) {
          this.concludeExplicitReconciliation();
          return;
        }
        this.reconcileAttempt++;
        this.scheduleExplicitRetry();
        await this.sendExplicit([...this.unconfirmed]);
      });
    }, delayMs);
  }

  /** Every Launched worker is confirmed: the explicit round ends, implicit ones follow periodically. */
  private concludeExplicitReconciliation(): void {
    if (this.reconcileAttempt === 0) return;
    this.cancelReconcileTimer?.();
    this.reconcileAttempt = 0;
    this.logger.info('Every launched worker is confirmed; implicit reconciliation follows periodically');
    this.scheduleImplicitReconciliation();
  }

  private scheduleImplicitReconciliation(): void {
    this.cancelReconcileTimer = this.clock.setTimeout(() => {
      this.enqueue('an implicit reconciliation', async () => {
        this.cancelReconcileTimer = undefined;
        if (!this.active) return;
        this.scheduleImplicitReconciliation();
        try {
          // Answers for tasks the store does not know are killed in applyStatus.
          await this.client.reconcile({ tasks: [] });
          this.activity.reconciled('implicit');
          this.logger.debug('Implicit reconciliation sent');
        } catch (error) {
          this.logger.warn({ err: error }, 'Implicit reconciliation failed; it runs again later');
        }
      });
    }, this.reconciliationTiming.implicitIntervalMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Deregistration: the application ended (Flink's ResourceManager.deregisterApplication)

  /**
   * Ends the framework for good because the application ended: launches nothing more, releases
   * every worker and kills its task, sends TEARDOWN (the master kills whatever is left and refuses
   * the framework ID from then on), deletes the framework ID and the workers from the store, and
   * closes the scheduler. Not subscribed (yet, or between subscriptions), it waits up to
   * `teardownWaitMs` for a subscription; if none comes it clears the store all the same, and the
   * master removes the framework when its failover timeout passes. Later calls return the first
   * call's outcome.
   * @throws SchedulerError `NOT_RUNNING` when the scheduler has not started, has failed or is closed.
   */
  deregisterApplication(end: ApplicationEnd): Promise<Deregistration> {
    if (this.deregistration) return this.deregistration;
    if (this.currentState.name !== 'running') {
      return Promise.reject(
        new SchedulerError(SchedulerErrorCode.NOT_RUNNING, `The scheduler cannot deregister the application: it is ${this.currentState.name}`),
      );
    }
    this.currentState = { name: 'deregistering' };
    this.deregistration = this.runDeregistration(end);
    return this.deregistration;
  }

  private async runDeregistration({ status, diagnostics }: ApplicationEnd): Promise<Deregistration> {
    this.logger.info(`The application ended ${status}${diagnostics === '' ? '' : ` (${diagnostics})`}; deregistering the framework`);
    this.stopTimers();
    let deregistration: Deregistration;
    try {
      const subscribed = await this.awaitSubscription();
      deregistration = await this.enqueueAndWait('the deregistration', () => this.tearDown(subscribed));
    } catch (error) {
      await this.shutDown();
      const failure = new SchedulerError(
        SchedulerErrorCode.DEREGISTRATION_FAILED,
        `Deregistering the application failed: ${(error as Error).message}; the scheduler stops`,
        { cause: error },
      );
      this.logger.error(failure.message);
      this.onFatalError?.(failure);
      throw failure;
    }
    await this.shutDown();
    this.onDeregistered?.(deregistration);
    return deregistration;
  }

  /** Whether the client is subscribed now or becomes so within `teardownWaitMs`. */
  private awaitSubscription(): Promise<boolean> {
    const client = this.client;
    const state = client.state.name;
    if (state === 'subscribed') return Promise.resolve(true);
    if (state === 'failed' || state === 'closed') return Promise.resolve(false);
    this.logger.info(`Not subscribed to Mesos; waiting up to ${this.teardownWaitMs} ms for a subscription to send TEARDOWN through`);
    return new Promise((resolve) => {
      const stops: Array<() => void> = [];
      const finish = (subscribed: boolean): void => {
        for (const stop of stops) stop();
        resolve(subscribed);
      };
      stops.push(
        this.clock.setTimeout(() => finish(false), this.teardownWaitMs),
        client.on('subscribed', () => finish(true)),
        client.on('failed', () => finish(false)),
      );
    });
  }

  /**
   * Releases every worker and kills its task, sends TEARDOWN, then deletes the framework ID and
   * the workers. The store, not `workers`, says which there are: before the first SUBSCRIBED is
   * handled `workers` is still empty.
   */
  private async tearDown(subscribed: boolean): Promise<Deregistration> {
    const frameworkId = await this.store.getFrameworkId();
    const live = (await this.store.list()).filter((worker) => worker.state !== 'Released');
    const releasedWorkers = live.map((worker) => released(worker));
    const versions = await this.store.updateAll(releasedWorkers);
    releasedWorkers.forEach((worker, i) => this.remember({ ...worker, version: versions[i] ?? worker.version + 1 }, 'the application ended'));
    let tornDown = false;
    if (subscribed) {
      // KILLs go first so that the TaskManagers stop even if the TEARDOWN then fails.
      const kills = live
        .filter((worker) => worker.state === 'Launched')
        .map((worker) =>
          this.client.kill({ task_id: { value: worker.taskId }, ...(worker.agentId ? { agent_id: { value: worker.agentId } } : {}) }).catch((error: unknown) => {
            this.logger.warn({ err: error }, `KILL of '${worker.taskId}' failed; the TEARDOWN kills it`);
          }),
        );
      await Promise.all(kills);
      this.logger.info(`${live.length} worker(s) released and KILLs sent; tearing framework '${frameworkId ?? '?'}' down`);
      try {
        await this.client.teardown();
        tornDown = true;
      } catch (error) {
        this.logger.warn(
          { err: error },
          `TEARDOWN of framework '${frameworkId ?? '?'}' failed (${(error as Error).message}); the master removes it when its failover timeout passes`,
        );
      }
    } else if (frameworkId !== undefined) {
      this.logger.warn(
        `No subscription to Mesos within ${this.teardownWaitMs} ms: framework '${frameworkId}' is not torn down; ` +
          'the master removes it, and kills its tasks, when its failover timeout passes',
      );
    }
    // The framework ID first: a scheduler started on this store then registers a new framework
    // instead of failing over to the removed one, even if this one stops before the workers are gone.
    await this.store.clearFrameworkId();
    const stored = await this.store.list();
    for (const worker of stored) await this.store.remove(worker);
    this.workers = new Map();
    this.taskStates.clear();
    this.history.clear();
    this.frameworkOf.clear();
    this.logger.info(
      `Deregistered: framework '${frameworkId ?? '(none)'}' ${tornDown ? 'torn down' : 'not torn down'}; its ID and ${stored.length} worker(s) deleted from the store`,
    );
    return { frameworkId, tornDown };
  }

  // ---------------------------------------------------------------------------------------------
  // Framework removed (4.1): stop, or register a new framework

  private async onClientFailed(error: Error): Promise<void> {
    if (!this.active) return;
    const message = removedMessage(error);
    if (message === undefined) {
      await this.fail(
        new SchedulerError(SchedulerErrorCode.MESOS_CLIENT_FAILED, `The Mesos client stopped for good: ${error.message}`, {
          cause: error,
        }),
      );
      return;
    }
    const removed = new FrameworkRemovedError(await this.store.getFrameworkId(), message, { cause: error });
    if (this.onRemoved === 'stop') {
      await this.fail(removed);
      return;
    }
    try {
      await this.registerAnew(removed);
    } catch (anewError) {
      await this.fail(
        new SchedulerError(
          SchedulerErrorCode.MESOS_CLIENT_FAILED,
          `Registering a new framework failed: ${(anewError as Error).message}`,
          { cause: anewError },
        ),
      );
    }
  }

  /**
   * The old framework and its tasks are gone: releases every Launched worker (not a task failure),
   * then subscribes a new framework; its SUBSCRIBED persists the new ID and records replacements.
   */
  private async registerAnew(removed: FrameworkRemovedError): Promise<void> {
    const factory = this.newFrameworkClient;
    if (!factory) throw removed;
    this.logger.warn(`${removed.message}; registering a new framework as 'mesos.resourcemanager.framework.on-removed' says`);
    this.stopTimers();
    this.forgetHeldOffers();
    this.offerBuffer.length = 0;
    this.unconfirmed.clear();
    this.reconcileAttempt = 0;
    this.workers = new Map((await this.store.list()).map((worker) => [worker.taskId, worker]));
    this.loaded = true;
    for (const worker of this.workers.values()) {
      if (worker.state !== 'Launched') continue;
      await this.releaseRecord(worker, false, `its task ended with framework '${removed.frameworkId ?? '?'}', which the master removed`);
      this.logger.info(`Worker '${worker.taskId}' is released: its task ended with framework '${removed.frameworkId ?? '?'}'`);
    }
    // A restart from here on registers anew too, rather than offering the removed ID again.
    await this.store.clearFrameworkId();
    this.frameworkId = undefined;
    const old = this.client;
    this.client = factory();
    this.listen(this.client);
    await old.close().catch(() => undefined);
    await this.client.start();
  }
}

/**
 * Whether `status` is the master's reconciliation answer for a task it has never heard of, on a
 * registered agent (`TASK_GONE`) or an unknown one (`TASK_UNKNOWN`), with `REASON_RECONCILIATION`.
 * The framework is partition-aware, so a task on an unreachable or removed agent is answered
 * `TASK_UNREACHABLE`/`TASK_GONE_BY_OPERATOR` instead, and counts as a failure.
 */
function neverReachedMesos(status: TaskStatus): boolean {
  if (status.reason !== mesos.v1.TaskStatus.Reason.REASON_RECONCILIATION) return false;
  return status.state === TaskState.TASK_GONE || status.state === TaskState.TASK_UNKNOWN;
}

/** The Mesos reason and message of `status`, e.g. `REASON_COMMAND_EXECUTOR_FAILED: Command exited with status 1`. */
function statusDetail(status: TaskStatus): string | undefined {
  const reason = status.reason === null || status.reason === undefined ? undefined : (mesos.v1.TaskStatus.Reason[status.reason] ?? String(status.reason));
  const parts = [reason, status.message ?? undefined].filter((part) => part !== undefined && part !== '');
  return parts.length === 0 ? undefined : parts.join(': ');
}

/** The master's message when `error` is the client failing on `ERROR "Framework has been removed"`. */
function removedMessage(error: unknown): string | undefined {
  if (!isMesosClientError(error, MesosClientErrorCode.FRAMEWORK_ERROR)) return undefined;
  const message = error.body ?? error.message;
  return FRAMEWORK_REMOVED.test(message) ? message : undefined;
}
