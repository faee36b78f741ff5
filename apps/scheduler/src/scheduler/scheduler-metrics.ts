import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WorkerState } from '@mesoflow/zk-store';

/** What the scheduler counts, on the service's `/metrics`. */
export interface SchedulerMetrics {
  readonly offersReceived: Counter;
  readonly offersAccepted: Counter;
  readonly offersDeclined: Counter;
  readonly offersRescinded: Counter;
  /** Seconds placement took to decide a batch of offers (before persisting and ACCEPT). */
  readonly decisionSeconds: Histogram;
  /** Seconds from a worker's LAUNCH to its first TASK_RUNNING. */
  readonly launchSeconds: Histogram;
  readonly resubscriptions: Counter;
  readonly reconciliationRounds: Counter<'kind'>;
}

/** What the gauges read when Prometheus scrapes. */
export interface SchedulerGaugeSource {
  workerCounts(): Readonly<Record<WorkerState, number>>;
  failedTasks(): number;
  heldOffers(): number;
  offersSuppressed(): boolean;
}

/** Registers the scheduler's metrics (names `mesoflow_scheduler_*`) in `registry`. */
export function registerSchedulerMetrics(registry: Registry, source: () => SchedulerGaugeSource | undefined): SchedulerMetrics {
  const registers = [registry];
  new Gauge({
    name: 'mesoflow_scheduler_workers',
    help: 'Workers in the store by state (New waits for an offer, Launched has a Mesos task, Released is done)',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = source()?.workerCounts();
      if (!counts) return;
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'mesoflow_scheduler_failed_tasks',
    help: 'TaskManager tasks that failed so far (compare with mesos.maximum-failed-tasks)',
    registers,
    collect() {
      const gauges = source();
      if (gauges) this.set(gauges.failedTasks());
    },
  });
  new Gauge({
    name: 'mesoflow_scheduler_held_offers',
    help: 'Unused offers held for workers requested soon',
    registers,
    collect() {
      const gauges = source();
      if (gauges) this.set(gauges.heldOffers());
    },
  });
  new Gauge({
    name: 'mesoflow_scheduler_offers_suppressed',
    help: '1 while offers are suppressed (no worker pending), else 0',
    registers,
    collect() {
      const gauges = source();
      if (gauges) this.set(gauges.offersSuppressed() ? 1 : 0);
    },
  });
  return {
    offersReceived: new Counter({ name: 'mesoflow_scheduler_offers_received_total', help: 'Offers received', registers }),
    offersAccepted: new Counter({
      name: 'mesoflow_scheduler_offers_accepted_total',
      help: 'Offers used to launch workers',
      registers,
    }),
    offersDeclined: new Counter({ name: 'mesoflow_scheduler_offers_declined_total', help: 'Offers declined', registers }),
    offersRescinded: new Counter({ name: 'mesoflow_scheduler_offers_rescinded_total', help: 'Offers the master took back (RESCIND)', registers }),
    decisionSeconds: new Histogram({
      name: 'mesoflow_scheduler_offer_decision_seconds',
      help: 'Time placement took to decide a batch of offers (before the workers are persisted and ACCEPT goes out)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1],
      registers,
    }),
    launchSeconds: new Histogram({
      name: 'mesoflow_scheduler_launch_seconds',
      help: 'Time from a worker\'s LAUNCH to its first TASK_RUNNING',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    resubscriptions: new Counter({
      name: 'mesoflow_scheduler_resubscriptions_total',
      help: 'Subscriptions after the first: reconnects, failovers and master leader changes',
      registers,
    }),
    reconciliationRounds: new Counter({
      name: 'mesoflow_scheduler_reconciliation_rounds_total',
      help: 'RECONCILE calls sent, explicit (named tasks) or implicit (all tasks)',
      labelNames: ['kind'],
      registers,
    }),
  };
}
