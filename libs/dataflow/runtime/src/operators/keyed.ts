// REDUCE and SUM on a keyed stream: rolling aggregates, one output per input (Flink's).
import { canonicalKey } from '../hash';
import type { StreamRecord } from '../records';
import type { Aggregation } from './aggregation';
import { ForwardingOperator, type Collector, type OperatorContext } from './operator';

/** Emits the key's new aggregate for every record. State lives as long as the subtask. */
export class RollingAggregateOperator extends ForwardingOperator {
  private readonly state = new Map<string, unknown>();

  constructor(
    ctx: OperatorContext,
    out: Collector,
    private readonly aggregation: Aggregation,
  ) {
    super(ctx, out);
  }

  processRecord(record: StreamRecord): void {
    const key = this.ctx.keyOf(record);
    const id = canonicalKey(key);
    const next = this.ctx.invoke(key, () => this.aggregation(this.state.get(id), record.value, key));
    this.state.set(id, next);
    this.out.collect(record.timestamp === undefined ? { value: next } : { value: next, timestamp: record.timestamp });
  }
}
