// The two sides a TaskManager plugs the network into: one Output per outgoing edge, and one
// stream of input elements tagged with the incoming edge and upstream subtask.
import type { StreamElement, StreamRecord } from './records';

/**
 * Where a subtask's records go over one outgoing edge (in `outgoingEdges(graph, vertexId)`
 * order). The runtime picks the target subtask (partitioning is its job); the implementation
 * only moves the element, e.g. `encodeRecord(record)` into the exchange's subpartition `target`.
 * Sending never blocks; the subtask asks `writable()` between input elements instead.
 */
export interface Output {
  /** One record to consumer subtask `target` (0-based). */
  sendRecord(record: StreamRecord, target: number): void;
  /** A watermark to every consumer subtask. */
  sendWatermark(timestamp: number): void;
  /** End of input to every consumer subtask; nothing is sent after it. */
  sendEnd(): void;
  /**
   * Undefined while there is room; else a promise that resolves when there is. The subtask
   * takes no more input (and sources make no more records) until it resolves, which is how a
   * slow consumer slows its producers down.
   */
  writable(): Promise<void> | undefined;
}

/** One element from one upstream channel. */
export interface InputElement {
  /** Index into `incomingEdges(graph, vertexId)`. */
  readonly edge: number;
  /** The upstream (producer) subtask index on that edge. */
  readonly channel: number;
  readonly element: StreamElement;
}

/**
 * Watermark alignment over all input channels (Flink's StatusWatermarkValve): the operator's
 * watermark is the minimum over channels that have not ended, and it only moves forward.
 */
export class WatermarkValve {
  private readonly watermarks: number[][];
  private readonly ended: boolean[][];
  private open: number;
  private current = Number.NEGATIVE_INFINITY;

  /** @param channels the number of channels of each incoming edge. */
  constructor(channels: readonly number[]) {
    this.watermarks = channels.map((n) => new Array<number>(n).fill(Number.NEGATIVE_INFINITY));
    this.ended = channels.map((n) => new Array<boolean>(n).fill(false));
    this.open = channels.reduce((sum, n) => sum + n, 0);
  }

  /** True once every channel has ended. */
  get allEnded(): boolean {
    return this.open === 0;
  }

  /** Whether `channel` of `edge` has ended. */
  hasEnded(edge: number, channel: number): boolean {
    return this.ended[edge]?.[channel] ?? true;
  }

  /** A channel's watermark; returns the new aligned watermark when it advanced. */
  watermark(edge: number, channel: number, timestamp: number): number | undefined {
    if (this.hasEnded(edge, channel)) return undefined;
    const row = this.watermarks[edge];
    if (timestamp <= row[channel]) return undefined;
    row[channel] = timestamp;
    return this.advance();
  }

  /** A channel's end; returns the new aligned watermark when the ended channel held it back. */
  end(edge: number, channel: number): number | undefined {
    if (this.hasEnded(edge, channel)) return undefined;
    this.ended[edge][channel] = true;
    this.open -= 1;
    return this.advance();
  }

  private advance(): number | undefined {
    if (this.open === 0) return undefined;
    let min = Number.POSITIVE_INFINITY;
    this.watermarks.forEach((row, edge) =>
      row.forEach((value, channel) => {
        if (!this.ended[edge][channel]) min = Math.min(min, value);
      }),
    );
    if (min <= this.current) return undefined;
    this.current = min;
    return min;
  }
}
