import { Backoff } from './backoff';

/** A deterministic source that cycles through the given values. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

describe('Backoff', () => {
  it('full jitter stays under a ceiling that doubles up to the cap', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, multiplier: 2, jitter: 'full' }, () => 0.999999);
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect(backoff.attempt).toBe(7);
  });

  it('full jitter can be as small as zero', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, multiplier: 2, jitter: 'full' }, () => 0);
    expect(Array.from({ length: 5 }, () => backoff.next())).toEqual([0, 0, 0, 0, 0]);
  });

  it('full jitter delays are always within [0, min(max, initial × multiplier^n)]', () => {
    const backoff = new Backoff({ initialMs: 50, maxMs: 5_000, multiplier: 3, jitter: 'full' });
    for (let n = 0; n < 200; n++) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(5_000, 50 * 3 ** n));
    }
  });

  it('decorrelated jitter grows from the previous delay and respects initial and cap', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, multiplier: 3, jitter: 'decorrelated' }, () => 0.999999);
    // upper bound: min(max, previous × 3), previous starting at initial
    expect(Array.from({ length: 4 }, () => backoff.next())).toEqual([300, 900, 1_000, 1_000]);
    const low = new Backoff({ initialMs: 100, maxMs: 1_000, multiplier: 3, jitter: 'decorrelated' }, () => 0);
    expect(Array.from({ length: 3 }, () => low.next())).toEqual([100, 100, 100]);
  });

  it('decorrelated delays are always within [initial, max]', () => {
    const backoff = new Backoff({ initialMs: 20, maxMs: 700, multiplier: 2.5, jitter: 'decorrelated' });
    for (let n = 0; n < 500; n++) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(20);
      expect(delay).toBeLessThanOrEqual(700);
    }
  });

  it('reset starts the sequence over', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 10_000, multiplier: 2, jitter: 'full' }, sequence(0.5));
    backoff.next();
    backoff.next();
    backoff.next();
    expect(backoff.next()).toBe(400);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(50);
  });
});
