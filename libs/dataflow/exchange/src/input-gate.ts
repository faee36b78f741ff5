import { ExchangeError, ExchangeErrorCode } from './errors';
import type { ExchangeElement } from './frames';
import type { InputChannel } from './input-channel';

/** A batch of elements and the index of the channel (the producer) it came from. */
export interface GateBatch {
  readonly channel: number;
  readonly elements: ExchangeElement[];
}

/** An element and the index of the channel it came from. */
export interface GateElement {
  readonly channel: number;
  readonly element: ExchangeElement;
}

/**
 * A consuming task's input: its subpartition from every producer (Flink's InputGate). Batches
 * come from whichever channel has one; each channel's order is kept. Each channel has at most
 * one decoded batch waiting here, so the gate adds one batch per channel to their credit.
 * The first channel that fails fails the gate and cancels the others.
 */
export class InputGate {
  private readonly ready: GateBatch[] = [];
  private readonly reading: boolean[];
  private open: number;
  private failure: ExchangeError | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly channels: readonly InputChannel[]) {
    if (channels.length === 0) throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, 'An input gate needs at least one channel');
    this.open = channels.length;
    this.reading = channels.map(() => false);
    channels.forEach((_, index) => this.readNext(index));
  }

  /**
   * The next batch from any channel, or `null` once every channel has ended.
   * @returns rejects with the first channel's failure.
   */
  async readBatch(): Promise<GateBatch | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      const batch = this.ready.shift();
      if (batch) {
        this.readNext(batch.channel);
        return batch;
      }
      if (this.open === 0) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Every element of every channel, tagged with its channel. Leaving early cancels the gate. */
  async *[Symbol.asyncIterator](): AsyncGenerator<GateElement> {
    let done = false;
    try {
      for (;;) {
        const batch = await this.readBatch();
        if (batch === null) {
          done = true;
          return;
        }
        for (const element of batch.elements) yield { channel: batch.channel, element };
      }
    } finally {
      if (!done) this.cancel('the reader stopped before the end of the input');
    }
  }

  /** Cancels every channel. */
  cancel(reason = 'cancelled'): void {
    for (const channel of this.channels) channel.cancel(reason);
  }

  private readNext(index: number): void {
    if (this.reading[index] || this.failure) return;
    this.reading[index] = true;
    this.channels[index].readBatch().then(
      (elements) => {
        this.reading[index] = false;
        if (elements === null) this.open--;
        else this.ready.push({ channel: index, elements });
        this.signal();
      },
      (error: unknown) => {
        this.reading[index] = false;
        if (!this.failure) {
          this.failure = error instanceof ExchangeError ? error : new ExchangeError(ExchangeErrorCode.PRODUCER_FAILED, String(error));
          this.cancel(`another input channel failed: ${this.failure.message}`);
        }
        this.signal();
      },
    );
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
