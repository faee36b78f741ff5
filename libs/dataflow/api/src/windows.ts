import { mesoflow } from '@mesoflow/proto';
import { DataflowError, DataflowErrorCode } from './errors';

const { TimeKind } = mesoflow.dataflow.v1;

/** The window of a window function call: `[start, end)` in ms (event or processing time). */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/**
 * How records are grouped into time windows. Build one with `TumblingProcessingTimeWindows.of`,
 * `TumblingEventTimeWindows.of`, `SlidingProcessingTimeWindows.of` or
 * `SlidingEventTimeWindows.of`; a tumbling window is a sliding one whose slide equals its size.
 */
export interface WindowAssigner {
  readonly timeKind: mesoflow.dataflow.v1.TimeKind.PROCESSING_TIME | mesoflow.dataflow.v1.TimeKind.EVENT_TIME;
  readonly sizeMs: number;
  readonly slideMs: number;
}

function windowMs(what: string, value: number): number {
  // Whole positive milliseconds: the graph carries them as uint64 and windows align to them.
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new DataflowError(
      DataflowErrorCode.INVALID_ARGUMENT,
      `Window ${what} must be a whole number of milliseconds > 0, got ${String(value)}`,
    );
  }
  return value;
}

function assigner(timeKind: WindowAssigner['timeKind'], sizeMs: number, slideMs: number): WindowAssigner {
  return Object.freeze({ timeKind, sizeMs: windowMs('size', sizeMs), slideMs: windowMs('slide', slideMs) });
}

/** Fixed, non-overlapping windows of processing time (the TaskManager's clock). */
export const TumblingProcessingTimeWindows = {
  of: (sizeMs: number): WindowAssigner => assigner(TimeKind.PROCESSING_TIME, sizeMs, sizeMs),
};

/** Fixed, non-overlapping windows of event time; needs `assignTimestampsAndWatermarks` upstream. */
export const TumblingEventTimeWindows = {
  of: (sizeMs: number): WindowAssigner => assigner(TimeKind.EVENT_TIME, sizeMs, sizeMs),
};

/** Windows of `sizeMs` processing time starting every `slideMs`. */
export const SlidingProcessingTimeWindows = {
  of: (sizeMs: number, slideMs: number): WindowAssigner => assigner(TimeKind.PROCESSING_TIME, sizeMs, slideMs),
};

/** Windows of `sizeMs` event time starting every `slideMs`; needs `assignTimestampsAndWatermarks` upstream. */
export const SlidingEventTimeWindows = {
  of: (sizeMs: number, slideMs: number): WindowAssigner => assigner(TimeKind.EVENT_TIME, sizeMs, slideMs),
};
