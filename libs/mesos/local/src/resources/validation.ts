import { mesos } from '@mesoflow/proto';
import { formatRanges, reservationRoleOf } from './resources';

type ResourceProto = mesos.v1.Resource.$Properties;

const VALUE_TYPE = mesos.v1.Value.Type;

/**
 * Mesos' `Resources::validate` for one protobuf resource: the reason it is malformed, or `null`.
 * Messages follow the master's wording.
 */
export function resourceError(resource: ResourceProto): string | null {
  if (!resource.name) return 'Empty resource name';
  const hasScalar = resource.scalar != null;
  const hasRanges = resource.ranges != null;
  const hasSet = resource.set != null;
  switch (resource.type) {
    case VALUE_TYPE.SCALAR: {
      if (!hasScalar || hasRanges || hasSet) return 'Invalid scalar resource';
      const value = resource.scalar?.value ?? 0;
      if (!Number.isFinite(value) || value < 0) return 'Invalid scalar resource: value < 0';
      break;
    }
    case VALUE_TYPE.RANGES: {
      if (hasScalar || !hasRanges || hasSet) return 'Invalid ranges resource';
      const ranges = [...(resource.ranges?.range ?? [])].map((r) => ({ begin: Number(r.begin), end: Number(r.end) }));
      if (ranges.some((r) => r.begin > r.end)) return 'Invalid ranges resource: begin > end';
      ranges.sort((a, b) => a.begin - b.begin);
      for (let i = 1; i < ranges.length; i++) {
        if (ranges[i].begin <= ranges[i - 1].end) return 'Invalid ranges resource: overlapping ranges';
      }
      break;
    }
    case VALUE_TYPE.SET: {
      if (hasScalar || hasRanges || !hasSet) return 'Invalid set resource';
      const items = resource.set?.item ?? [];
      if (new Set(items).size !== items.length) return 'Invalid set resource: duplicated elements';
      break;
    }
    case VALUE_TYPE.TEXT:
    default:
      return 'Unsupported resource type';
  }
  if (resource.disk != null && resource.name !== 'disk') {
    return `DiskInfo should not be set for ${resource.name} resource`;
  }
  if ((resource.reservations?.length ?? 0) > 0 && (Object.prototype.hasOwnProperty.call(resource, 'role') || resource.reservation != null)) {
    return "Resource with refined reservations cannot use 'role' or 'reservation'";
  }
  return null;
}

/**
 * The master's `resource::validate` for a list: `Invalid resources: Resource '<text>' is
 * invalid: <reason>`, a `gpus` check, or `null` when all are well formed.
 */
export function resourcesError(resources: readonly ResourceProto[]): string | null {
  for (const resource of resources) {
    const error = resourceError(resource);
    if (error) return `Invalid resources: Resource '${resourceText(resource)}' is invalid: ${error}`;
  }
  let gpus = 0;
  for (const resource of resources) {
    if (resource.name === 'gpus' && resource.type === VALUE_TYPE.SCALAR) gpus += resource.scalar?.value ?? 0;
  }
  if (Math.round(gpus * 1000) % 1000 !== 0) {
    return "Invalid 'gpus' resource: The 'gpus' resource must be an unsigned integer";
  }
  return null;
}

/** Mesos' check that all resources of a task carry one allocation role, or the reason not. */
export function singleAllocationRoleError(resources: readonly ResourceProto[]): string | null {
  let role: string | undefined;
  for (const resource of resources) {
    const current = resource.allocation_info?.role;
    if (current == null) return 'The resources are not allocated to a role';
    if (role === undefined) role = current;
    else if (current !== role) {
      return `The resources have multiple allocation roles ('${current}' and '${role}') but only one allocation role is allowed`;
    }
  }
  return null;
}

/** One protobuf resource in Mesos' text form, for messages. */
export function resourceText(resource: ResourceProto): string {
  const allocated = resource.allocation_info?.role != null ? `(allocated: ${resource.allocation_info.role})` : '';
  const role = reservationRoleOf(resource);
  const reserved = role === '*' ? '' : `(reservations: [(STATIC,${role})])`;
  let value = '';
  if (resource.type === VALUE_TYPE.SCALAR) value = String(resource.scalar?.value ?? 0);
  else if (resource.type === VALUE_TYPE.RANGES) {
    value = formatRanges((resource.ranges?.range ?? []).map((r) => ({ begin: Number(r.begin), end: Number(r.end) })));
  } else if (resource.type === VALUE_TYPE.SET) value = `{${(resource.set?.item ?? []).join(', ')}}`;
  return `${resource.name}${allocated}${reserved}:${value}`;
}
