// The input of window-sums.ts, shared with the test that checks its output.

export const READINGS = 200_000;
export const WINDOW_MS = 10_000;
/** Paced so that a run lasts 5 s however fast the machine is: the test's kill lands mid-job. */
export const READINGS_PER_SECOND = 40_000;

/** Reading `i`: sensor `i % 10`, value `i % 7`, at time `i` ms. */
export function reading(i: number): [string, number, number] {
  return [`sensor-${i % 10}`, i % 7, i];
}
