import { hasAtMostThreeDecimals, toMilli } from './fixed-point';

/** What one TaskManager worker asks for. Scalars are Mesos units. */
export interface WorkerProfile {
  /** CPU shares, e.g. `0.5`; must be > 0. */
  readonly cpus: number;
  /** Memory in MB; must be > 0. */
  readonly mem: number;
  /** Sandbox disk in MB. @default 0 */
  readonly disk?: number;
  /** Whole GPUs. @default 0 */
  readonly gpus?: number;
  /** Network bandwidth in Mbps, taken from the `networkResourceName` resource. @default 0 */
  readonly networkBandwidth?: number;
  /** How many ports to take from the offered `ports` ranges. @default 0 */
  readonly ports?: number;
}

/** Checks a profile; returns one sentence per problem, empty when the profile is valid. */
export function validateWorkerProfile(profile: WorkerProfile): string[] {
  const problems: string[] = [];
  const scalar = (field: string, value: number | undefined, positive: boolean): void => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`${field} must be a finite number, got ${String(value)}`);
    } else if (positive ? value <= 0 : value < 0) {
      problems.push(`${field} must be ${positive ? '> 0' : '>= 0'}, got ${value}`);
    } else if (!hasAtMostThreeDecimals(value)) {
      problems.push(`${field} must have at most 3 decimal digits (Mesos precision), got ${value}`);
    }
  };
  const whole = (field: string, value: number | undefined): void => {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < 0) problems.push(`${field} must be a whole number >= 0, got ${String(value)}`);
  };
  if (profile.cpus === undefined) problems.push('cpus is required');
  if (profile.mem === undefined) problems.push('mem is required');
  scalar('cpus', profile.cpus, true);
  scalar('mem', profile.mem, true);
  scalar('disk', profile.disk, false);
  scalar('networkBandwidth', profile.networkBandwidth, false);
  whole('gpus', profile.gpus);
  whole('ports', profile.ports);
  return problems;
}

/** Number of scalar dimensions a demand has: cpus, mem, disk, gpus, network. */
export const SCALAR_DIMENSIONS = 5;

/** A validated profile in milli-units, shared by every worker with the same shape. */
export interface Demand {
  /** Equal for equal shapes; workers with the same key fit the same places. */
  readonly key: string;
  /** cpus, mem, disk, gpus, network in milli-units. */
  readonly milli: readonly number[];
  readonly ports: number;
}

/** Converts a profile to a demand, or returns the problems that make it invalid. */
export function toDemand(profile: WorkerProfile): Demand | { readonly problems: string[] } {
  const problems = validateWorkerProfile(profile);
  if (problems.length > 0) return { problems };
  const milli = [
    toMilli(profile.cpus),
    toMilli(profile.mem),
    toMilli(profile.disk ?? 0),
    toMilli(profile.gpus ?? 0),
    toMilli(profile.networkBandwidth ?? 0),
  ];
  const ports = profile.ports ?? 0;
  return { key: `${milli.join(',')},${ports}`, milli, ports };
}
