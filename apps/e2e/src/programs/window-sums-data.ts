// The input of window-sums.ts, shared with the test that checks its output.

export const READINGS = 2_000_000;
export const WINDOW_MS = 100_000;

/** Reading `i`: sensor `i % 10`, value `i % 7`, at time `i` ms. */
export function reading(i: number): [string, number, number] {
  return [`sensor-${i % 10}`, i % 7, i];
}
