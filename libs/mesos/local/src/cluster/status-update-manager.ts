import { mesos } from '@mesoflow/proto';
import { updateEvent, type EventRecord } from '../master/events';

type TaskStatus = mesos.v1.TaskStatus.$Properties;

/** One status update waiting for its acknowledgement. */
export interface PendingUpdate {
  readonly frameworkId: string;
  readonly taskId: string;
  readonly status: TaskStatus;
  /** The uuid as hex, for matching acknowledgements. */
  readonly uuid: string;
  /** The UPDATE event, encoded once and resent byte for byte. */
  readonly record: EventRecord;
}

/** Retry timing of {@link StatusUpdateManager}. */
export interface StatusUpdateRetry {
  /** First retry after this long. Mesos: 10 s. */
  initialMs: number;
  /** Retries double up to this interval. Mesos: 10 min. */
  maxMs: number;
}

/**
 * Sends an update to the master; `latestState` is the newest state the agent knows for the task
 * (possibly newer than the update), as in `StatusUpdateMessage.latest_state`.
 */
export type ForwardUpdate = (update: PendingUpdate, latestState: mesos.v1.TaskState) => void;

interface TaskStream {
  readonly frameworkId: string;
  readonly taskId: string;
  readonly pending: PendingUpdate[];
  retryMs: number;
  timer: NodeJS.Timeout | null;
}

/**
 * The agent's task status update manager: one ordered stream per task, forwarding only the
 * oldest unacknowledged update, retrying it with exponential backoff until the scheduler
 * acknowledges its uuid, then moving on to the next.
 */
export class StatusUpdateManager {
  private readonly streams = new Map<string, TaskStream>();
  private paused = false;

  /**
   * @param retry retry timing.
   * @param forward delivery to the master (it may drop the update; the retry covers that).
   */
  constructor(
    private readonly retry: StatusUpdateRetry,
    private readonly forward: ForwardUpdate,
  ) {}

  /** Number of updates not yet acknowledged, over all tasks. */
  get pendingCount(): number {
    let count = 0;
    for (const stream of this.streams.values()) count += stream.pending.length;
    return count;
  }

  /** Queues a status (which must carry a uuid) and forwards it if it is the task's oldest. */
  update(frameworkId: string, status: TaskStatus): void {
    const taskId = status.task_id.value;
    const key = streamKey(frameworkId, taskId);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { frameworkId, taskId, pending: [], retryMs: this.retry.initialMs, timer: null };
      this.streams.set(key, stream);
    }
    const uuid = Buffer.from(status.uuid ?? []).toString('hex');
    stream.pending.push({ frameworkId, taskId, status, uuid, record: updateEvent(status) });
    if (stream.pending.length === 1) this.send(stream);
  }

  /**
   * Handles an acknowledgement; returns the acknowledged update, or `null` when the uuid is not
   * the one pending for the task (a harmless duplicate, ignored as the agent does).
   */
  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): PendingUpdate | null {
    const stream = this.streams.get(streamKey(frameworkId, taskId));
    const head = stream?.pending[0];
    if (!stream || !head || head.uuid !== Buffer.from(uuid).toString('hex')) return null;
    stream.pending.shift();
    this.clearTimer(stream);
    stream.retryMs = this.retry.initialMs;
    if (stream.pending.length > 0) this.send(stream);
    else this.streams.delete(streamKey(frameworkId, taskId));
    return head;
  }

  /** The updates still pending for a task, oldest first. */
  pendingFor(frameworkId: string, taskId: string): readonly PendingUpdate[] {
    return this.streams.get(streamKey(frameworkId, taskId))?.pending ?? [];
  }

  /**
   * Resends the oldest pending update of every stream (of one framework, or all) right away, as
   * the agent does when a framework re-subscribes or the agent re-registers.
   */
  resend(frameworkId?: string): void {
    for (const stream of this.streams.values()) {
      if (frameworkId !== undefined && stream.frameworkId !== frameworkId) continue;
      this.clearTimer(stream);
      stream.retryMs = this.retry.initialMs;
      this.send(stream);
    }
  }

  /** Stops forwarding (and retrying) until {@link resume}; updates keep queueing. */
  pause(): void {
    this.paused = true;
    for (const stream of this.streams.values()) this.clearTimer(stream);
  }

  /** Forwards again, resending every stream's oldest update immediately. */
  resume(): void {
    this.paused = false;
    this.resend();
  }

  /** Forgets the streams of a removed framework. */
  dropFramework(frameworkId: string): void {
    for (const [key, stream] of this.streams) {
      if (stream.frameworkId !== frameworkId) continue;
      this.clearTimer(stream);
      this.streams.delete(key);
    }
  }

  /** Cancels every retry timer. */
  stop(): void {
    this.paused = true;
    for (const stream of this.streams.values()) this.clearTimer(stream);
  }

  private send(stream: TaskStream): void {
    const head = stream.pending[0];
    if (!head || this.paused) return;
    const latest = stream.pending[stream.pending.length - 1].status.state;
    this.forward(head, latest);
    this.clearTimer(stream);
    stream.timer = setTimeout(() => {
      stream.timer = null;
      stream.retryMs = Math.min(stream.retryMs * 2, this.retry.maxMs);
      this.send(stream);
    }, stream.retryMs);
    stream.timer.unref();
  }

  private clearTimer(stream: TaskStream): void {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = null;
  }
}

function streamKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}
