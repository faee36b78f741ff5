import { mesos } from '@mesoflow/proto';
import { fromMilli, toMilli } from './fixed-point';
import { formatRanges, normalizeRanges, rangesOf, rangesSize, type Range } from './ranges';

type Resource = mesos.v1.Resource.$Properties;

/**
 * Whether a resource is reserved, in either Mesos format: pre-refinement (`role` other than
 * `"*"`, optionally with `reservation`) or post-refinement (a non-empty `reservations` stack).
 */
export function isReserved(resource: Resource): boolean {
  if (resource.reservations != null && resource.reservations.length > 0) return true;
  if (resource.reservation != null) return true;
  return resource.role != null && resource.role !== '' && resource.role !== '*';
}

/** The role a reserved resource is reserved for (the top of the stack), or undefined if unreserved. */
export function reservationRole(resource: Resource): string | undefined {
  const stack = resource.reservations;
  if (stack != null && stack.length > 0) return stack[stack.length - 1].role ?? undefined;
  return isReserved(resource) ? (resource.role ?? undefined) : undefined;
}

/**
 * Whether a task may take a slice of this resource as-is: plain scalars and ranges only.
 * Revocable and shared resources, and disks carrying `DiskInfo` (persistent volumes, MOUNT
 * disks, which cannot be split), are left alone.
 */
export function isPlainConsumable(resource: Resource): boolean {
  if (resource.revocable != null || resource.shared != null) return false;
  return !(resource.name === 'disk' && resource.disk != null);
}

/** The agent's TEXT attributes by name (the only kind Flink's host attribute constraints read). */
export function textAttributes(offer: mesos.v1.Offer.$Properties): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const attribute of offer.attributes ?? []) {
    if (attribute.type === mesos.v1.Value.Type.TEXT && attribute.text != null) {
      attributes[attribute.name] = attribute.text.value;
    }
  }
  return attributes;
}

/** What an offer holds, for log lines. Scalars are summed exactly (milli-units). */
export interface OfferResourcesSummary {
  readonly cpus: number;
  readonly mem: number;
  readonly disk: number;
  readonly gpus: number;
  /** Number of ports offered. */
  readonly ports: number;
  /** The offered port ranges, e.g. `[31000-32000]`. */
  readonly portRanges: string;
}

/** Sums an offer's cpus, mem, disk, gpus and ports (all roles and reservations together). */
export function offerResourcesSummary(offer: mesos.v1.Offer.$Properties): OfferResourcesSummary {
  const milli: Record<'cpus' | 'mem' | 'disk' | 'gpus', number> = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  const ports: Range[] = [];
  for (const resource of offer.resources ?? []) {
    switch (resource.name) {
      case 'cpus':
      case 'mem':
      case 'disk':
      case 'gpus':
        if (resource.type === mesos.v1.Value.Type.SCALAR) milli[resource.name] += toMilli(resource.scalar?.value ?? 0);
        break;
      case 'ports':
        if (resource.type === mesos.v1.Value.Type.RANGES) ports.push(...rangesOf(resource.ranges));
        break;
      default:
        break;
    }
  }
  const merged = normalizeRanges(ports);
  return {
    cpus: fromMilli(milli.cpus),
    mem: fromMilli(milli.mem),
    disk: fromMilli(milli.disk),
    gpus: fromMilli(milli.gpus),
    ports: rangesSize(merged),
    portRanges: formatRanges(merged),
  };
}
