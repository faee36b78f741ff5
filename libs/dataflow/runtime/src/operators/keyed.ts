// REDUCE and SUM on a keyed stream: rolling aggregates in STREAMING mode (one output per input,
// Flink's), each key's final aggregate in BATCH mode.
import type { KeyValue } from '@mesoflow/dataflow-api';
import { KeyedMap } from '../keyed-map';
import { MAX_WATERMARK, type StreamRecord } from '../records';
import type { Aggregation } from './aggregation';
import { ForwardingOperator, type Collector, type OperatorContext } from './operator';

/** Emits the key's new aggregate for every record. State lives as long as the subtask. */
export class RollingAggregateOperator extends ForwardingOperator {
  private readonly state = new KeyedMap<unknown>();

  constructor(
    ctx: OperatorContext,
    out: Collector,
    private readonly aggregation: Aggregation,
  ) {
    super(ctx, out);
  }

  processRecord(record: StreamRecord): void {
    const key = this.ctx.keyOf(record);
    const next = this.ctx.aggregate(key, this.aggregation, this.state.get(key), record.value);
    this.state.set(key, next);
    this.out.collect(record.timestamp === undefined ? { value: next } : { value: next, timestamp: record.timestamp });
  }
}

/** Aggregates per key, holding each key's value until `flush`. */
export class KeyedFolder {
  private readonly state = new KeyedMap<unknown>();

  constructor(
    private readonly ctx: OperatorContext,
    private readonly aggregation: Aggregation,
  ) {}

  get size(): number {
    return this.state.size;
  }

  /** Folds `value` into its key's aggregate; true when the key is new. */
  fold(key: KeyValue, value: unknown): boolean {
    const state = this.state.get(key);
    const next = this.ctx.aggregate(key, this.aggregation, state, value);
    // An aggregate updated in place (a tuple's field sum) is already there.
    if (next !== state || state === undefined) this.state.set(key, next);
    return state === undefined;
  }

  /** Hands over every key's aggregate and forgets them. */
  flush(emit: (key: KeyValue, value: unknown) => void): void {
    const entries = [...this.state.entries()];
    this.state.clear();
    for (const [key, value] of entries) emit(key, value);
  }
}

/**
 * BATCH mode's REDUCE and SUM: one output per key, its final aggregate, once the input ends
 * (Flink's batch execution). The final watermark waits behind those outputs, so an event-time
 * operator downstream does not drop them as late.
 */
export class FinalAggregateOperator extends ForwardingOperator {
  private readonly folder: KeyedFolder;

  constructor(ctx: OperatorContext, out: Collector, aggregation: Aggregation) {
    super(ctx, out);
    this.folder = new KeyedFolder(ctx, aggregation);
  }

  processRecord(record: StreamRecord): void {
    this.folder.fold(this.ctx.keyOf(record), record.value);
  }

  override processWatermark(timestamp: number): void {
    if (timestamp >= MAX_WATERMARK) this.emitAll();
    this.out.watermark(timestamp);
  }

  override endInput(): void {
    this.emitAll();
    this.out.end();
  }

  private emitAll(): void {
    this.folder.flush((_key, value) => this.out.collect({ value }));
  }
}
