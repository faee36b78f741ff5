import { Counter, Gauge, Registry } from 'prom-client';

/** The stand-in's Prometheus metrics, in a registry of their own (one per cluster). */
export interface LocalMesosMetrics {
  readonly registry: Registry;
  readonly subscriptions: Counter<'kind'>;
  readonly calls: Counter<'type'>;
  readonly offersSent: Counter;
  readonly offersDeclined: Counter;
  readonly offersAccepted: Counter;
  readonly offersRescinded: Counter;
  readonly statusUpdates: Counter<'state' | 'source'>;
  readonly acknowledgements: Counter;
  readonly tasks: Gauge<'state'>;
}

/**
 * Creates the metrics. `tasksByState` is read on each scrape only, so task counts cost nothing on
 * the hot path.
 */
export function createMetrics(tasksByState: () => Map<string, number>): LocalMesosMetrics {
  const registry = new Registry();
  const prefix = 'mesos_local_';
  return {
    registry,
    subscriptions: new Counter({
      name: `${prefix}subscriptions_total`,
      help: 'Accepted SUBSCRIBE calls, by whether the framework was new or re-subscribed',
      labelNames: ['kind'],
      registers: [registry],
    }),
    calls: new Counter({
      name: `${prefix}scheduler_calls_total`,
      help: 'Scheduler calls that passed validation, by type',
      labelNames: ['type'],
      registers: [registry],
    }),
    offersSent: new Counter({ name: `${prefix}offers_sent_total`, help: 'Offers sent to frameworks', registers: [registry] }),
    offersDeclined: new Counter({ name: `${prefix}offers_declined_total`, help: 'Offers declined', registers: [registry] }),
    offersAccepted: new Counter({ name: `${prefix}offers_accepted_total`, help: 'Offers consumed by valid ACCEPT calls', registers: [registry] }),
    offersRescinded: new Counter({ name: `${prefix}offers_rescinded_total`, help: 'Offers rescinded', registers: [registry] }),
    statusUpdates: new Counter({
      name: `${prefix}task_status_updates_total`,
      help: 'Task status updates produced, by state and source',
      labelNames: ['state', 'source'],
      registers: [registry],
    }),
    acknowledgements: new Counter({
      name: `${prefix}acknowledgements_total`,
      help: 'Status update acknowledgements that matched a pending update',
      registers: [registry],
    }),
    tasks: new Gauge({
      name: `${prefix}tasks`,
      help: 'Tasks the master tracks, by latest state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [state, count] of tasksByState()) this.set({ state }, count);
      },
    }),
  };
}
