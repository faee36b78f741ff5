// Keyed time windows (WINDOW_REDUCE, WINDOW_SUM, WINDOW_APPLY, WINDOW_JOIN): Flink's
// WindowOperator with a tumbling or sliding assigner and the default triggers.
//
// Event time: a record goes into every window containing its timestamp whose end has not
// passed the watermark; a record with no such window is late and dropped (counted). A window
// fires when the watermark reaches its last millisecond (end - 1).
// Processing time: the record's time is the clock's when it arrives, and a window fires on a
// clock timer at end - 1. At the end of input every open window fires, in both time kinds: for
// event time the final watermark has already done it; for processing time this is a choice,
// so a bounded job does not lose its last windows (Flink drops pending processing-time timers).
import type { KeyValue, TimeWindow, WindowFunction } from '@mesoflow/dataflow-api';
import { mesoflow } from '@mesoflow/proto';
import { RuntimeError, RuntimeErrorCode } from '../errors';
import { canonicalKey } from '../hash';
import type { StreamRecord } from '../records';
import type { Aggregation } from './aggregation';
import type { ChainOperator, Collector, OperatorContext } from './operator';

const { TimeKind } = mesoflow.dataflow.v1;

/** The windows containing `timestamp`: start = a multiple of `slideMs`, `[start, start + sizeMs)`, earliest first. */
export function assignWindows(timestamp: number, sizeMs: number, slideMs: number): TimeWindow[] {
  const lastStart = timestamp - (((timestamp % slideMs) + slideMs) % slideMs);
  const windows: TimeWindow[] = [];
  for (let start = lastStart; start > timestamp - sizeMs; start -= slideMs) windows.push({ start, end: start + sizeMs });
  return windows.reverse();
}

interface Slot<S> {
  readonly key: KeyValue;
  state: S | undefined;
}

/** Window bookkeeping shared by the window operators; subclasses say what a window holds and emits. */
export abstract class WindowOperatorBase<S> implements ChainOperator {
  private readonly eventTime: boolean;
  private readonly sizeMs: number;
  private readonly slideMs: number;
  /** Open windows by start, then slots by canonical key (insertion order = first arrival). */
  private readonly windows = new Map<number, Map<string, Slot<S>>>();
  private readonly timers = new Map<number, () => void>();
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(
    protected readonly ctx: OperatorContext,
    private readonly out: Collector,
  ) {
    const window = ctx.spec.window;
    this.sizeMs = Number(window?.size_ms ?? 0);
    this.slideMs = Number(window?.slide_ms ?? 0) || this.sizeMs;
    if (!(this.sizeMs > 0)) {
      throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, `Operator '${ctx.name}' (${ctx.id}) has no window size`);
    }
    this.eventTime = window?.time_kind === TimeKind.EVENT_TIME;
  }

  /** Folds a record of input `input` into a window's state (user code may run here). */
  protected abstract add(state: S | undefined, value: unknown, input: number, key: KeyValue): S;

  /** What a firing window emits for one key (user code may run here). */
  protected abstract results(key: KeyValue, window: TimeWindow, state: S): unknown[];

  processRecord(record: StreamRecord, input: number): void {
    const key = this.ctx.keyOf(record);
    const time = this.eventTime ? this.eventTimeOf(record) : this.ctx.services.clock.now();
    const windows = assignWindows(time, this.sizeMs, this.slideMs).filter((w) => !this.eventTime || w.end - 1 > this.watermark);
    if (windows.length === 0) {
      this.ctx.services.lateRecord(this.ctx.id);
      return;
    }
    const id = canonicalKey(key);
    for (const window of windows) {
      let slots = this.windows.get(window.start);
      if (slots === undefined) {
        slots = new Map();
        this.windows.set(window.start, slots);
        if (!this.eventTime) this.scheduleFiring(window);
      }
      const slot = slots.get(id) ?? { key, state: undefined };
      slot.state = this.ctx.invoke(key, () => this.add(slot.state, record.value, input, key));
      slots.set(id, slot);
    }
  }

  processWatermark(timestamp: number): void {
    if (this.eventTime) {
      this.watermark = timestamp;
      this.fireWhere((window) => window.end - 1 <= timestamp);
    }
    this.out.watermark(timestamp);
  }

  endInput(): void {
    this.fireWhere(() => true);
    this.dispose();
    this.out.end();
  }

  dispose(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  private eventTimeOf(record: StreamRecord): number {
    if (record.timestamp === undefined) {
      throw new RuntimeError(
        RuntimeErrorCode.INVALID_JOB,
        `Operator '${this.ctx.name}' (${this.ctx.id}) uses event-time windows but a record has no timestamp; assign timestamps upstream`,
      );
    }
    return record.timestamp;
  }

  private scheduleFiring(window: TimeWindow): void {
    const cancel = this.ctx.services.clock.setTimer(window.end - 1, () => {
      this.timers.delete(window.start);
      // A timer runs outside the subtask's record loop, so a failure is handed to the subtask.
      try {
        this.fireWhere((w) => w.start === window.start);
      } catch (error) {
        this.ctx.services.fail(error);
      }
    });
    this.timers.set(window.start, cancel);
  }

  // Earliest window first, and within a window keys in order of first arrival.
  private fireWhere(due: (window: TimeWindow) => boolean): void {
    const starts = [...this.windows.keys()].sort((a, b) => a - b);
    for (const start of starts) {
      const window = { start, end: start + this.sizeMs };
      if (!due(window)) continue;
      const slots = this.windows.get(start);
      this.windows.delete(start);
      this.timers.get(start)?.();
      this.timers.delete(start);
      for (const slot of slots?.values() ?? []) {
        const state = slot.state as S;
        const values = this.ctx.invoke(slot.key, () => this.results(slot.key, window, state));
        for (const value of values) this.out.collect({ value, timestamp: window.end - 1 });
      }
    }
  }
}

/** WINDOW_REDUCE and WINDOW_SUM: one aggregate per key and window. */
export class AggregatingWindowOperator extends WindowOperatorBase<{ value: unknown }> {
  constructor(ctx: OperatorContext, out: Collector, private readonly aggregation: Aggregation) {
    super(ctx, out);
  }

  protected add(state: { value: unknown } | undefined, value: unknown, _input: number, key: KeyValue): { value: unknown } {
    return { value: this.aggregation(state?.value, value, key) };
  }

  protected results(_key: KeyValue, _window: TimeWindow, state: { value: unknown }): unknown[] {
    return [state.value];
  }
}

/** WINDOW_APPLY: the user window function over all of a key's records in the window, in arrival order. */
export class ApplyWindowOperator extends WindowOperatorBase<unknown[]> {
  private readonly fn: WindowFunction<unknown, KeyValue, unknown> = this.ctx.userFunction('WINDOW_APPLY');

  protected add(state: unknown[] | undefined, value: unknown): unknown[] {
    const values = state ?? [];
    values.push(value);
    return values;
  }

  protected results(key: KeyValue, window: TimeWindow, state: unknown[]): unknown[] {
    return Array.from(this.fn(key, window, state));
  }
}

interface JoinState {
  readonly left: unknown[];
  readonly right: unknown[];
}

/** WINDOW_JOIN: every (left, right) pair of a key in a window, left-major in arrival order (Flink's order). */
export class JoinWindowOperator extends WindowOperatorBase<JoinState> {
  private readonly fn = this.ctx.userFunction('WINDOW_JOIN');

  protected add(state: JoinState | undefined, value: unknown, input: number): JoinState {
    const sides = state ?? { left: [], right: [] };
    (input === 0 ? sides.left : sides.right).push(value);
    return sides;
  }

  protected results(_key: KeyValue, _window: TimeWindow, state: JoinState): unknown[] {
    return state.left.flatMap((left) => state.right.map((right) => this.fn(left, right)));
  }
}
