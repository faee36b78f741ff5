// In-memory channels for the local executor: one bounded queue per (edge, producer subtask,
// consumer subtask), and a gate per consumer subtask that merges its queues.
import type { InputElement, Output } from '../io';
import { decodeRecord, encodeRecord, type StreamElement, type StreamRecord } from '../records';

/**
 * A FIFO queue from one producer subtask to one consumer subtask. Pushing never blocks (an
 * operator emits synchronously); the producer waits on `whenWritable()` before its next input,
 * so a queue holds at most its capacity plus what one input element produced.
 */
export class LocalChannel {
  // A read index instead of Array.shift, which moves every element: a combiner's flush can
  // queue tens of thousands of records at once.
  private queue: StreamElement[] = [];
  private head = 0;
  private writableWaiters: (() => void)[] = [];
  /** The longest the queue has been, for tests and diagnostics. */
  maxLength = 0;

  constructor(
    readonly capacity: number,
    private readonly notify: () => void,
  ) {}

  get length(): number {
    return this.queue.length - this.head;
  }

  push(element: StreamElement): void {
    this.queue.push(element);
    this.maxLength = Math.max(this.maxLength, this.length);
    this.notify();
  }

  shift(): StreamElement | undefined {
    if (this.head === this.queue.length) return undefined;
    const element = this.queue[this.head++];
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.length < this.capacity && this.writableWaiters.length > 0) {
      const waiters = this.writableWaiters;
      this.writableWaiters = [];
      waiters.forEach((resolve) => resolve());
    }
    return element;
  }

  /** Undefined while below capacity; else resolves once it is. */
  whenWritable(): Promise<void> | undefined {
    if (this.length < this.capacity) return undefined;
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }
}

/** A consumer subtask's input: its channels, read round robin so no producer starves. */
export class LocalGate implements AsyncIterable<InputElement> {
  private readonly channels: { readonly edge: number; readonly channel: number; readonly queue: LocalChannel }[] = [];
  private next = 0;
  private waiter: (() => void) | undefined;

  constructor(private readonly capacity: number) {}

  /** Adds the channel from producer `channel` of incoming edge `edge`. */
  channel(edge: number, channel: number): LocalChannel {
    const queue = new LocalChannel(this.capacity, () => this.wake());
    this.channels.push({ edge, channel, queue });
    return queue;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<InputElement> {
    for (;;) {
      const element = this.poll();
      if (element !== undefined) yield element;
      else await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private poll(): InputElement | undefined {
    for (let i = 0; i < this.channels.length; i++) {
      const candidate = this.channels[(this.next + i) % this.channels.length];
      const element = candidate.queue.shift();
      if (element !== undefined) {
        this.next = (this.next + i + 1) % this.channels.length;
        return { edge: candidate.edge, channel: candidate.channel, element };
      }
    }
    return undefined;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/**
 * An Output over local channels, one per consumer subtask. With `serialize`, records go through
 * `encodeRecord`/`decodeRecord` as they would between processes, so a local run fails the same
 * way on values that do not survive the trip.
 */
export class LocalOutput implements Output {
  constructor(
    private readonly targets: readonly LocalChannel[],
    private readonly serialize: boolean,
  ) {}

  sendRecord(record: StreamRecord, target: number): void {
    this.targets[target].push({ kind: 'record', record: this.serialize ? decodeRecord(encodeRecord(record)) : record });
  }

  sendWatermark(timestamp: number): void {
    for (const target of this.targets) target.push({ kind: 'watermark', timestamp });
  }

  sendEnd(): void {
    for (const target of this.targets) target.push({ kind: 'end' });
  }

  writable(): Promise<void> | undefined {
    const full = this.targets.map((target) => target.whenWritable()).filter((wait) => wait !== undefined);
    return full.length === 0 ? undefined : Promise.all(full).then(() => undefined);
  }
}
