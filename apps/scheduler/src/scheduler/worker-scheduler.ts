import type { MesoflowConfig } from '@mesoflow/config';
import type { MesosSchedulerClient, SubscribedNotice, Unsubscribe } from '@mesoflow/mesos-client';
import { placeWorkers, type Launch, type PendingWorker } from '@mesoflow/mesos-placement';
import { mesos } from '@mesoflow/proto';
import { launched, parseTaskId, released, withFailure, type Worker, type WorkerStore } from '@mesoflow/zk-store';
import pino, { type Logger } from 'pino';
import { SchedulerError, SchedulerErrorCode } from './errors';
import { workerTaskInfo, workerTaskTemplate, type WorkerTaskTemplate } from './worker-task';

const TaskState = mesos.v1.TaskState;
type TaskStatus = mesos.v1.TaskStatus.$Properties;
type Offer = mesos.v1.Offer.$Properties;

/** What the scheduler needs of the Mesos client; {@link MesosSchedulerClient} is the real one. */
export type SchedulerClient = Pick<
  MesosSchedulerClient,
  'on' | 'start' | 'close' | 'accept' | 'decline' | 'suppress' | 'revive' | 'reconcile' | 'kill' | 'acknowledgeStatus'
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

/** Options of {@link WorkerScheduler}. */
export interface WorkerSchedulerOptions {
  client: SchedulerClient;
  store: WorkerStore;
  config: MesoflowConfig;
  /** How many TaskManagers should run. */
  desiredWorkers: number;
  /** @default SYSTEM_CLOCK */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /** @default { initialMs: 1000, maxMs: 60000 } */
  replacementBackoff?: ReplacementBackoff;
  /** Called once when the scheduler gives up (too many failed tasks). */
  onFatalError?: (error: SchedulerError) => void;
}

/** Where the scheduler is in its life. */
export type WorkerSchedulerState =
  | { readonly name: 'idle' }
  | { readonly name: 'running' }
  | { readonly name: 'failed'; readonly error: SchedulerError }
  | { readonly name: 'closed' };

/** A worker as the store has it, with the last task state Mesos reported for it. */
export interface WorkerView extends Worker {
  /** E.g. `TASK_RUNNING`; undefined until a status arrived since this scheduler subscribed. */
  readonly taskState: string | undefined;
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

function stateName(state: mesos.v1.TaskState | null | undefined): string {
  return state === null || state === undefined ? 'TASK_UNKNOWN' : (TaskState[state] ?? String(state));
}

/**
 * Keeps `desiredWorkers` TaskManager tasks running on Mesos: persists the framework ID first,
 * records each worker before its LAUNCH, places pending workers on batched offers, declines the
 * rest, suppresses offers while nothing is pending, persists then acknowledges status updates,
 * replaces lost workers with backoff up to `mesos.maximum-failed-tasks`, and reconciles every
 * Launched worker on each (re)subscription.
 *
 * Every event is handled in arrival order, one at a time, so store writes never race.
 */
export class WorkerScheduler {
  private readonly client: SchedulerClient;
  private readonly store: WorkerStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly template: WorkerTaskTemplate;
  private readonly desiredWorkers: number;
  private readonly maximumFailedTasks: number;
  private readonly refuseSeconds: number;
  private readonly backoff: ReplacementBackoff;
  private readonly onFatalError: ((error: SchedulerError) => void) | undefined;
  private currentState: WorkerSchedulerState = { name: 'idle' };
  private workers = new Map<string, Worker>();
  private readonly taskStates = new Map<string, mesos.v1.TaskState>();
  private readonly offerBuffer: Offer[] = [];
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
    this.desiredWorkers = options.desiredWorkers;
    this.maximumFailedTasks = options.config.get('mesos.maximum-failed-tasks');
    this.refuseSeconds = options.config.get('mesos.resourcemanager.declined-offer-refuse-duration').seconds;
    this.backoff = options.replacementBackoff ?? { initialMs: 1_000, maxMs: 60_000 };
    this.onFatalError = options.onFatalError;
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
  workerViews(): WorkerView[] {
    return [...this.workers.values()].map((worker) => ({
      ...worker,
      taskState: this.taskStates.has(worker.taskId) ? stateName(this.taskStates.get(worker.taskId)) : undefined,
    }));
  }

  /** Task failures counted so far, over every worker ever recorded. */
  failedTasks(): number {
    return [...this.workers.values()].reduce((sum, worker) => sum + worker.failureCount, 0);
  }

  /**
   * Listens to the client, starts it and waits until the first subscription is handled (framework
   * ID persisted, workers loaded, reconciliation sent, missing workers recorded).
   */
  async start(): Promise<void> {
    if (this.currentState.name !== 'idle') {
      throw new SchedulerError(SchedulerErrorCode.CLOSED, `The scheduler cannot start from state ${this.currentState.name}`);
    }
    this.currentState = { name: 'running' };
    this.unsubscribes = [
      this.client.on('subscribed', (notice) => this.enqueue('SUBSCRIBED', () => this.onSubscribed(notice))),
      this.client.on('OFFERS', (event) => this.onOffers(event.offers.offers ?? [])),
      this.client.on('RESCIND', (event) => this.onRescind(event.rescind.offer_id.value)),
      this.client.on('UPDATE', (event) => this.enqueue('UPDATE', () => this.onUpdate(event.update.status))),
      this.client.on('FAILURE', (event) => {
        const agent = event.failure.agent_id?.value;
        if (agent) this.logger.warn(`Agent '${agent}' failed; its tasks' updates will follow`);
      }),
    ];
    await this.client.start();
    await this.idle();
  }

  /** Resolves once every event received so far has been handled. */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.tail) {
      seen = this.tail;
      await seen;
    }
  }

  /** Stops listening, cancels pending replacements and closes the client; the store stays open (it is the caller's). */
  async close(): Promise<void> {
    if (this.currentState.name === 'closed') return;
    this.currentState = { name: 'closed' };
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [];
    for (const cancel of this.replacementTimers) cancel();
    this.replacementTimers.clear();
    await this.client.close();
    await this.idle();
  }

  private enqueue(what: string, work: () => Promise<void>): void {
    this.tail = this.tail.then(work).catch((error: unknown) => {
      this.logger.error({ err: error }, `Handling ${what} failed: ${(error as Error).message}`);
    });
  }

  private get active(): boolean {
    return this.currentState.name === 'running';
  }

  // ---------------------------------------------------------------------------------------------
  // Subscription

  private async onSubscribed(notice: SubscribedNotice): Promise<void> {
    // The framework ID is persisted before anything else, so a restart re-subscribes with it.
    if ((await this.store.getFrameworkId()) !== notice.frameworkId) {
      await this.store.setFrameworkId(notice.frameworkId);
      this.logger.info(`Framework ID '${notice.frameworkId}' is persisted`);
    }
    this.workers = new Map((await this.store.list()).map((worker) => [worker.taskId, worker]));
    // A new subscription starts unsuppressed: SUBSCRIBE carries no suppressed roles.
    this.suppressed = false;
    const launchedWorkers = [...this.workers.values()].filter((worker) => worker.state === 'Launched');
    if (launchedWorkers.length > 0) {
      await this.client.reconcile({
        tasks: launchedWorkers.map((worker) => ({
          task_id: { value: worker.taskId },
          ...(worker.agentId ? { agent_id: { value: worker.agentId } } : {}),
        })),
      });
      this.logger.info(`Reconciling ${launchedWorkers.length} launched worker(s)`);
    }
    if (this.active) await this.topUp();
    await this.updateOfferInterest();
  }

  /** Records New workers until launched, pending and scheduled replacements reach the desired count. */
  private async topUp(): Promise<void> {
    const live = [...this.workers.values()].filter((worker) => worker.state !== 'Released').length;
    const missing = this.desiredWorkers - live - this.replacementTimers.size;
    for (let i = 0; i < missing; i++) {
      const worker = await this.store.newWorker(this.template.profile);
      this.workers.set(worker.taskId, worker);
      this.logger.info(`Worker '${worker.taskId}' is recorded and waits for an offer`);
    }
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
    this.offerBuffer.push(...offers);
    if (this.offersQueued) return;
    this.offersQueued = true;
    // Every offer that arrives before this turn comes is placed in one batch.
    this.enqueue('OFFERS', async () => {
      this.offersQueued = false;
      await this.placeOffers(this.offerBuffer.splice(0));
    });
  }

  private onRescind(offerId: string): void {
    const index = this.offerBuffer.findIndex((offer) => offer.id.value === offerId);
    if (index >= 0) this.offerBuffer.splice(index, 1);
  }

  private async placeOffers(offers: Offer[]): Promise<void> {
    if (offers.length === 0) return;
    const pending: PendingWorker[] = this.active
      ? this.pendingWorkers().map((worker) => ({
          workerId: worker.taskId,
          profile: worker.resources,
          requestedAt: parseTaskId(worker.taskId) ?? 0,
        }))
      : [];
    const running = [...this.workers.values()]
      .filter((worker) => worker.state === 'Launched' && worker.hostname !== undefined)
      .map((worker) => ({ hostname: worker.hostname ?? '' }));
    const result = placeWorkers(
      offers,
      pending,
      {
        constraints: this.template.constraints,
        networkResourceName: this.template.networkResourceName,
        now: this.clock.now(),
      },
      running,
    );
    const declined = [...result.unusedOfferIds];
    for (const launch of result.launches) {
      const sent = await this.launch(launch);
      if (!sent) declined.push(...launch.offerIds);
    }
    if (declined.length > 0) {
      await this.client.decline({
        offer_ids: declined.map((value) => ({ value })),
        filters: { refuse_seconds: this.refuseSeconds },
      });
    }
    for (const unplaced of result.unplaced) {
      this.logger.debug(`Worker '${unplaced.workerId}' is not placed: ${unplaced.reason}`);
    }
    await this.updateOfferInterest();
  }

  /** Persists each worker as Launched, then sends one ACCEPT; false when nothing was launched. */
  private async launch(launch: Launch): Promise<boolean> {
    const taskInfos: mesos.v1.TaskInfo.$Properties[] = [];
    for (const placed of launch.workers) {
      const worker = this.workers.get(placed.workerId);
      if (!worker) continue;
      const next = launched(worker, {
        agentId: launch.agentId,
        hostname: launch.hostname,
        ports: placed.ports,
        launchedAt: this.clock.now(),
      });
      try {
        const version = await this.store.update(next);
        this.workers.set(next.taskId, { ...next, version });
      } catch (error) {
        this.logger.error({ err: error }, `Worker '${worker.taskId}' could not be marked Launched; it is not launched`);
        continue;
      }
      taskInfos.push(workerTaskInfo(this.template, next, launch.agentId, placed));
    }
    if (taskInfos.length === 0) return false;
    const taskIds = taskInfos.map((task) => task.task_id.value);
    try {
      await this.client.accept({
        offer_ids: launch.offerIds.map((value) => ({ value })),
        operations: [{ type: mesos.v1.Offer.Operation.Type.LAUNCH, launch: { task_infos: taskInfos } }],
        filters: { refuse_seconds: this.refuseSeconds },
      });
    } catch (error) {
      // The workers are recorded as Launched: reconciliation makes the master say what became of them.
      this.logger.error({ err: error }, `ACCEPT for ${taskIds.join(', ')} failed; reconciling them`);
      await this.client.reconcile({
        tasks: taskIds.map((value) => ({ task_id: { value }, agent_id: { value: launch.agentId } })),
      });
      return true;
    }
    for (const taskId of taskIds) {
      this.logger.info(`Worker '${taskId}' is launched on agent '${launch.agentId}' ('${launch.hostname}')`);
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Status updates

  private async onUpdate(status: TaskStatus): Promise<void> {
    await this.applyStatus(status);
    await this.client.acknowledgeStatus(status);
  }

  /** Persists what a status means for its worker; throws (and so withholds the ACK) when the store fails. */
  private async applyStatus(status: TaskStatus): Promise<void> {
    const taskId = status.task_id.value;
    const state = status.state;
    const gone = GONE_STATES.has(state);
    const worker = this.workers.get(taskId);
    if (!worker || worker.state !== 'Launched') {
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
      this.taskStates.set(taskId, state);
      if (state === TaskState.TASK_RUNNING && previous !== TaskState.TASK_RUNNING) {
        this.failuresInARow = 0;
        this.logger.info(`Task '${taskId}' is RUNNING on agent '${worker.agentId ?? '?'}'`);
      }
      return;
    }
    const next = released(withFailure(worker));
    const version = await this.store.update(next);
    this.workers.set(taskId, { ...next, version });
    this.taskStates.delete(taskId);
    const failed = this.failedTasks();
    const reason = status.reason === null || status.reason === undefined ? '' : ` (${mesos.v1.TaskStatus.Reason[status.reason]})`;
    this.logger.warn(
      `Task '${taskId}' is ${stateName(state)}${reason}; worker released, ${failed} failed task(s) so far`,
    );
    if (!this.active) return;
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
    const delayMs = Math.min(this.backoff.initialMs * 2 ** (this.failuresInARow - 1), this.backoff.maxMs);
    this.logger.info(`Worker '${taskId}' is replaced in ${delayMs} ms`);
    const cancel = this.clock.setTimeout(() => {
      this.enqueue('a replacement', async () => {
        this.replacementTimers.delete(cancel);
        if (!this.active) return;
        await this.topUp();
        await this.updateOfferInterest();
      });
    }, delayMs);
    this.replacementTimers.add(cancel);
  }

  private async fail(error: SchedulerError): Promise<void> {
    this.currentState = { name: 'failed', error };
    for (const cancel of this.replacementTimers) cancel();
    this.replacementTimers.clear();
    this.logger.error(error.message);
    this.onFatalError?.(error);
    await this.updateOfferInterest();
  }
}
