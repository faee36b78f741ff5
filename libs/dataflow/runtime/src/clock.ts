// Processing time comes from a Clock the host gives, so tests can drive it by hand.

/** Processing time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once when `now() >= at`; returns a function that cancels it. */
  setTimer(at: number, callback: () => void): () => void;
}

/** The process's wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (at, callback) => {
    const timer = setTimeout(callback, Math.max(0, at - Date.now()));
    return () => clearTimeout(timer);
  },
};

/** A clock that moves only when told to, for tests of processing-time behaviour. */
export class ManualClock implements Clock {
  private timers: { at: number; seq: number; callback: () => void }[] = [];
  private seq = 0;

  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  setTimer(at: number, callback: () => void): () => void {
    const timer = { at, seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Number of pending timers. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time to `time`, firing due timers in time order (each sees `now()` = its time). */
  advanceTo(time: number): void {
    for (;;) {
      const due = this.timers.filter((t) => t.at <= time).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
    }
    this.time = Math.max(this.time, time);
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.advanceTo(this.time + ms);
  }
}

/** Resolves after `ms` of `clock` time, or at once when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimer(clock.now() + ms, done);
    signal.addEventListener('abort', done, { once: true });
  });
}
