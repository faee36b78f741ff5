import { ResourceManagerClientError, ResourceManagerClientErrorCode } from './errors';

/** How long to wait between attempts while the scheduler is unreachable. */
export interface BackoffOptions {
  /** Ceiling of the first delay. @default 100 */
  initialMs?: number;
  /** Cap of every delay. @default 5000 */
  maxMs?: number;
  /** Growth of the ceiling per attempt; at least 1. @default 2 */
  multiplier?: number;
}

/** {@link BackoffOptions} with every default applied, validated. */
export type BackoffSettings = Readonly<Required<BackoffOptions>>;

/** Defaults of {@link BackoffOptions}. */
export const BACKOFF_DEFAULTS: BackoffSettings = { initialMs: 100, maxMs: 5_000, multiplier: 2 };

/** Applies the defaults and checks the values. @throws ResourceManagerClientError `INVALID_OPTION` */
export function backoffSettings(options: BackoffOptions = {}): BackoffSettings {
  const settings = { ...BACKOFF_DEFAULTS, ...options };
  const positive = (name: string, value: number, min: number): void => {
    if (!Number.isFinite(value) || value < min) {
      throw new ResourceManagerClientError(ResourceManagerClientErrorCode.INVALID_OPTION, `backoff.${name} must be a number >= ${min}, got ${value}`);
    }
  };
  positive('initialMs', settings.initialMs, 1);
  positive('maxMs', settings.maxMs, settings.initialMs);
  positive('multiplier', settings.multiplier, 1);
  return settings;
}

/**
 * Capped exponential backoff with full jitter: the n-th delay is uniform in
 * `[0, min(maxMs, initialMs × multiplier^n)]`, so clients that lost the scheduler together do not
 * come back together.
 */
export class Backoff {
  private attempts = 0;

  /** @param random uniform numbers in `[0, 1)`; injectable for tests. */
  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delays handed out since the last {@link reset}. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt, in whole ms. */
  next(): number {
    const { initialMs, maxMs, multiplier } = this.settings;
    const ceiling = Math.min(maxMs, initialMs * Math.pow(multiplier, this.attempts));
    this.attempts++;
    return Math.round(this.random() * ceiling);
  }

  /** Starts over after a success. */
  reset(): void {
    this.attempts = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
