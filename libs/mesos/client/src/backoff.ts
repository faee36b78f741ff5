/**
 * How a reconnect delay is randomised.
 * - `full`: uniform in `[0, min(max, initial × multiplier^attempt)]` (AWS "full jitter").
 * - `decorrelated`: uniform in `[initial, min(max, previous × multiplier)]` (AWS "decorrelated
 *   jitter"), which spreads clients apart while still growing.
 */
export type JitterMode = 'full' | 'decorrelated';

/** Settings of a {@link Backoff}, already validated. */
export interface BackoffSettings {
  /** First (and smallest) ceiling of the delay, in ms. */
  initialMs: number;
  /** Cap of every delay, in ms. */
  maxMs: number;
  /** Growth factor per attempt; at least 1. */
  multiplier: number;
  jitter: JitterMode;
}

/**
 * Capped exponential backoff with jitter, for reconnecting to the master. {@link next} returns the
 * delay before the next attempt and counts it; {@link reset} starts over after a success.
 */
export class Backoff {
  private attempts = 0;
  private previousMs: number;

  /**
   * @param settings delays and jitter.
   * @param random a source of uniform numbers in `[0, 1)`; injectable for tests.
   */
  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.previousMs = settings.initialMs;
  }

  /** How many delays were handed out since the last {@link reset}. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt, in whole ms, within `[0, maxMs]`. */
  next(): number {
    const { initialMs, maxMs, multiplier, jitter } = this.settings;
    let delay: number;
    if (jitter === 'full') {
      const ceiling = Math.min(maxMs, initialMs * Math.pow(multiplier, this.attempts));
      delay = this.random() * ceiling;
    } else {
      const upper = Math.min(maxMs, Math.max(initialMs, this.previousMs * multiplier));
      const lower = Math.min(initialMs, upper);
      delay = lower + this.random() * (upper - lower);
      this.previousMs = delay;
    }
    this.attempts++;
    return Math.min(maxMs, Math.max(0, Math.round(delay)));
  }

  /** Starts over, e.g. once a subscription succeeded. */
  reset(): void {
    this.attempts = 0;
    this.previousMs = this.settings.initialMs;
  }
}
