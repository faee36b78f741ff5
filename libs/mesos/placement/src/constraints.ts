/**
 * Flink's `mesos.constraints.hard.hostattribute`: a comma-separated list of `attribute:value`.
 * Flink turns each entry into a Fenzo `HostAttrValueConstraint`, which accepts an agent when its
 * TEXT attribute of that name equals the value exactly (no patterns; the value is compared as a
 * plain string), and rejects agents that lack the attribute. Fenzo reads the agent's hostname for
 * the attribute name `HOSTNAME`; we accept `hostname` too, as Marathon does.
 *
 * Flink silently skips malformed entries; we report them instead.
 */

/** One hard constraint: the agent's `attribute` must equal `value`. */
export interface HostAttributeConstraint {
  readonly attribute: string;
  readonly value: string;
}

/** Parsed constraints plus one message per malformed entry. */
export interface ParsedConstraints {
  readonly constraints: HostAttributeConstraint[];
  readonly errors: string[];
}

/** Parses `az:eu-west-1a,series:t2`. Empty entries are ignored, as in Flink. */
export function parseHostAttributeConstraints(spec: string | undefined): ParsedConstraints {
  const constraints: HostAttributeConstraint[] = [];
  const errors: string[] = [];
  for (const raw of (spec ?? '').split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const parts = entry.split(':');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      errors.push(`Constraint '${entry}' is not of the form attribute:value`);
      continue;
    }
    constraints.push({ attribute: parts[0], value: parts[1] });
  }
  return { constraints, errors };
}

/** Whether an attribute name means the agent's hostname. */
export function isHostnameAttribute(name: string): boolean {
  return name === 'hostname' || name === 'HOSTNAME';
}

/** An agent's value for an attribute name: its hostname for `hostname`, else its TEXT attribute. */
export function hostAttributeValue(
  hostname: string,
  attributes: Readonly<Record<string, string>>,
  name: string,
): string | undefined {
  if (isHostnameAttribute(name)) return hostname;
  const value = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
  return value === undefined || value === '' ? undefined : value;
}

/** Whether an agent satisfies every constraint (all must hold). */
export function satisfiesConstraints(
  hostname: string,
  attributes: Readonly<Record<string, string>>,
  constraints: readonly HostAttributeConstraint[],
): boolean {
  for (const constraint of constraints) {
    if (hostAttributeValue(hostname, attributes, constraint.attribute) !== constraint.value) return false;
  }
  return true;
}
