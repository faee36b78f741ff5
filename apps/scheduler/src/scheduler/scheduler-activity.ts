import type { OfferInterval } from '@mesoflow/resourcemanager-client';
import type { SchedulerMetrics } from './scheduler-metrics';

/** What {@link SchedulerActivity} counted since it was created. */
export interface ActivityCounts {
  readonly startedAtMs: number;
  readonly offersReceived: number;
  readonly offersAccepted: number;
  readonly offersDeclined: number;
  readonly offersRescinded: number;
  /** The last `intervals` intervals (none before `startedAtMs`), oldest first, quiet ones as zeros. */
  readonly offerHistory: readonly OfferInterval[];
  readonly offerHistoryIntervalMs: number;
  readonly reconciliationRounds: number;
  readonly resubscriptions: number;
}

/** How much offer history {@link SchedulerActivity} keeps. */
export interface OfferHistoryOptions {
  /** @default 10000 */
  intervalMs: number;
  /** @default 60 (10 minutes at the default interval) */
  intervals: number;
}

type Counts = { received: number; accepted: number; declined: number };

/**
 * The scheduler's counts of what it did with Mesos, in one place for both readers: it increments
 * the Prometheus counters of `/metrics` and keeps the totals and a per-interval offer history for
 * GetSchedulerStatus (prom-client values can only be read asynchronously, and hold no history).
 * In memory: a restarted scheduler counts from zero.
 */
export class SchedulerActivity {
  readonly startedAtMs: number;
  private readonly intervalMs: number;
  private readonly intervals: number;
  private received = 0;
  private accepted = 0;
  private declined = 0;
  private rescinded = 0;
  private reconciliations = 0;
  private resubscribed = 0;
  /** Intervals with offers, by start; those older than the history are dropped as new ones begin. */
  private readonly history = new Map<number, Counts>();

  constructor(
    private readonly metrics: SchedulerMetrics,
    private readonly now: () => number,
    history: OfferHistoryOptions = { intervalMs: 10_000, intervals: 60 },
  ) {
    if (!Number.isSafeInteger(history.intervalMs) || history.intervalMs < 1 || !Number.isSafeInteger(history.intervals) || history.intervals < 1) {
      throw new RangeError(`The offer history needs whole numbers >= 1, got ${history.intervals} intervals of ${history.intervalMs} ms`);
    }
    this.intervalMs = history.intervalMs;
    this.intervals = history.intervals;
    this.startedAtMs = now();
  }

  offersReceived(count: number): void {
    this.received += count;
    this.interval().received += count;
    this.metrics.offersReceived.inc(count);
  }

  /** Offers used by an ACCEPT that the master took. */
  offersAccepted(count: number): void {
    this.accepted += count;
    this.interval().accepted += count;
    this.metrics.offersAccepted.inc(count);
  }

  offersDeclined(count: number): void {
    this.declined += count;
    this.interval().declined += count;
    this.metrics.offersDeclined.inc(count);
  }

  offerRescinded(): void {
    this.rescinded++;
    this.metrics.offersRescinded.inc();
  }

  /** A RECONCILE call the master took. */
  reconciled(kind: 'explicit' | 'implicit'): void {
    this.reconciliations++;
    this.metrics.reconciliationRounds.inc({ kind });
  }

  /** A subscription after the first. */
  resubscription(): void {
    this.resubscribed++;
    this.metrics.resubscriptions.inc();
  }

  counts(): ActivityCounts {
    const current = this.startOf(this.now());
    const first = Math.max(this.startOf(this.startedAtMs), current - (this.intervals - 1) * this.intervalMs);
    const offerHistory: OfferInterval[] = [];
    for (let startMs = first; startMs <= current; startMs += this.intervalMs) {
      const counts = this.history.get(startMs);
      offerHistory.push({ startMs, received: counts?.received ?? 0, accepted: counts?.accepted ?? 0, declined: counts?.declined ?? 0 });
    }
    return {
      startedAtMs: this.startedAtMs,
      offersReceived: this.received,
      offersAccepted: this.accepted,
      offersDeclined: this.declined,
      offersRescinded: this.rescinded,
      offerHistory,
      offerHistoryIntervalMs: this.intervalMs,
      reconciliationRounds: this.reconciliations,
      resubscriptions: this.resubscribed,
    };
  }

  /** The counts of the interval now, begun (and the oldest dropped) if it is new. */
  private interval(): Counts {
    const startMs = this.startOf(this.now());
    let counts = this.history.get(startMs);
    if (counts === undefined) {
      counts = { received: 0, accepted: 0, declined: 0 };
      this.history.set(startMs, counts);
      const oldest = startMs - (this.intervals - 1) * this.intervalMs;
      for (const key of this.history.keys()) if (key < oldest) this.history.delete(key);
    }
    return counts;
  }

  private startOf(ms: number): number {
    return ms - (ms % this.intervalMs);
  }
}
