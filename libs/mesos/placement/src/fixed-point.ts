/**
 * Scalar resource arithmetic in milli-units. Mesos keeps three decimal digits of precision for
 * scalars (fixed-point internally), so we do the same: `0.1` cpus is 100 milli-cpus and forty of
 * them add up to exactly 4000, where floating point would not.
 */

/** Converts a Mesos scalar to integer milli-units (rounded to three decimals, as Mesos does). */
export function toMilli(value: number): number {
  return Math.round(value * 1000);
}

/** Converts integer milli-units back to a Mesos scalar. */
export function fromMilli(milli: number): number {
  return milli / 1000;
}

/** Whether `value` is exactly representable with three decimal digits. */
export function hasAtMostThreeDecimals(value: number): boolean {
  return Math.abs(value * 1000 - Math.round(value * 1000)) < 1e-6;
}
