// TIMESTAMPS_WATERMARKS: Flink's bounded out-of-orderness strategy.
import { MAX_WATERMARK, type StreamRecord } from '../records';
import { ForwardingOperator, type Collector, type OperatorContext } from './operator';

/**
 * Sets each record's timestamp with the user extractor and emits watermark = highest timestamp
 * seen - max out-of-orderness - 1, whenever it advances (and at most once per
 * `watermarkIntervalMs` of processing time when that is set). Upstream watermarks are dropped,
 * except the final one; at the end of input it emits the final watermark so event-time windows
 * downstream flush, as Flink does for bounded sources.
 */
export class TimestampsAndWatermarksOperator extends ForwardingOperator {
  private readonly fn = this.ctx.userFunction('TIMESTAMPS_WATERMARKS');
  private readonly outOfOrdernessMs: number;
  private maxTimestamp = Number.NEGATIVE_INFINITY;
  private emitted = Number.NEGATIVE_INFINITY;
  private lastEmitAt = Number.NEGATIVE_INFINITY;

  constructor(ctx: OperatorContext, out: Collector) {
    super(ctx, out);
    this.outOfOrdernessMs = Number(ctx.spec.watermarks?.max_out_of_orderness_ms ?? 0);
  }

  processRecord(record: StreamRecord): void {
    const timestamp = this.ctx.invoke(record.key, () => {
      const t = this.fn(record.value);
      if (typeof t !== 'number' || !Number.isFinite(t)) throw new TypeError(`The timestamp extractor returned ${String(t)}, not a finite number`);
      return t;
    });
    this.out.collect({ ...record, timestamp });
    this.maxTimestamp = Math.max(this.maxTimestamp, timestamp);
    const watermark = this.maxTimestamp - this.outOfOrdernessMs - 1;
    const { clock, watermarkIntervalMs } = this.ctx.services;
    if (watermark > this.emitted && clock.now() - this.lastEmitAt >= watermarkIntervalMs) {
      this.lastEmitAt = clock.now();
      this.emit(watermark);
    }
  }

  override processWatermark(timestamp: number): void {
    if (timestamp >= MAX_WATERMARK) this.emit(MAX_WATERMARK);
  }

  override endInput(): void {
    this.emit(MAX_WATERMARK);
    this.out.end();
  }

  private emit(watermark: number): void {
    if (watermark <= this.emitted) return;
    this.emitted = watermark;
    this.out.watermark(watermark);
  }
}
