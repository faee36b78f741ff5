import { Registry } from 'prom-client';
import { SchedulerActivity } from './scheduler-activity';
import { registerSchedulerMetrics } from './scheduler-metrics';

describe('SchedulerActivity', () => {
  const START = 1_700_000_003_000;
  let now: number;
  let registry: Registry;

  beforeEach(() => {
    now = START;
  });

  function activity(history?: { intervalMs: number; intervals: number }): SchedulerActivity {
    registry = new Registry();
    return new SchedulerActivity(registerSchedulerMetrics(registry, () => undefined), () => now, history);
  }

  it('counts offers, rescinds, reconciliations and resubscriptions, for its status and for /metrics', async () => {
    const recorder = activity();
    recorder.offersReceived(3);
    recorder.offersAccepted(1);
    recorder.offersDeclined(2);
    recorder.offerRescinded();
    recorder.reconciled('explicit');
    recorder.reconciled('implicit');
    recorder.resubscription();

    expect(recorder.counts()).toEqual({
      startedAtMs: START,
      offersReceived: 3,
      offersAccepted: 1,
      offersDeclined: 2,
      offersRescinded: 1,
      offerHistory: [{ startMs: 1_700_000_000_000, received: 3, accepted: 1, declined: 2 }],
      offerHistoryIntervalMs: 10_000,
      reconciliationRounds: 2,
      resubscriptions: 1,
    });
    const text = await registry.metrics();
    expect(text).toMatch(/^mesoflow_scheduler_offers_received_total 3$/m);
    expect(text).toMatch(/^mesoflow_scheduler_offers_accepted_total 1$/m);
    expect(text).toMatch(/^mesoflow_scheduler_offers_declined_total 2$/m);
    expect(text).toMatch(/^mesoflow_scheduler_offers_rescinded_total 1$/m);
    expect(text).toMatch(/^mesoflow_scheduler_reconciliation_rounds_total\{kind="implicit"\} 1$/m);
    expect(text).toMatch(/^mesoflow_scheduler_resubscriptions_total 1$/m);
  });

  it('lists every interval since its start, quiet ones as zeros, up to the last `intervals`', () => {
    const recorder = activity({ intervalMs: 1_000, intervals: 3 });
    recorder.offersReceived(1);
    now += 2_500;
    recorder.offersReceived(2);
    recorder.offersDeclined(2);
    expect(recorder.counts().offerHistory).toEqual([
      { startMs: START, received: 1, accepted: 0, declined: 0 },
      { startMs: START + 1_000, received: 0, accepted: 0, declined: 0 },
      { startMs: START + 2_000, received: 2, accepted: 0, declined: 2 },
    ]);

    now += 1_000;
    expect(recorder.counts().offerHistory.map((interval) => [interval.startMs - START, interval.received])).toEqual([
      [1_000, 0],
      [2_000, 2],
      [3_000, 0],
    ]);
    // The totals keep what the history dropped.
    expect(recorder.counts().offersReceived).toBe(3);
  });

  it('refuses a history it cannot keep', () => {
    expect(() => activity({ intervalMs: 0, intervals: 60 })).toThrow(RangeError);
    expect(() => activity({ intervalMs: 10_000, intervals: 1.5 })).toThrow(RangeError);
  });
});
