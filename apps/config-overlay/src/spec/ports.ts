import { taskManagerPortKeys, type ConfigValues, type MesoflowConfig } from '@mesoflow/config';
import type { PortAssignmentMessage } from '../grpc/messages';
import { OverlayError, OverlayErrorCode } from '../overlays/overlay-error';

/** Checked assignments: the overrides for the TaskManager's configuration and the ports used. */
export interface AssignedPorts {
  readonly overrides: ConfigValues;
  readonly ports: readonly number[];
}

/**
 * Checks the scheduler's port assignments: exactly one port in 1..65535 for each port option,
 * no port twice, no other keys. A task may use only the ports of its resources, so a missing
 * assignment is an error rather than a silent fallback to the configured port.
 */
export function assignPorts(config: MesoflowConfig, assignments: readonly PortAssignmentMessage[]): AssignedPorts {
  const keys = taskManagerPortKeys(config);
  const problems: string[] = [];
  const overrides: Record<string, number> = {};
  const owners = new Map<number, string>();
  for (const assignment of assignments) {
    const key = assignment.key ?? '';
    const port = assignment.port ?? 0;
    if (!keys.includes(key)) problems.push(`'${key}' is not a port option of TaskManagers (expected one of ${keys.join(', ')})`);
    else if (key in overrides) problems.push(`'${key}' is assigned twice`);
    else if (!Number.isInteger(port) || port < 1 || port > 65_535) problems.push(`'${key}' is assigned ${port}; expected a port in 1..65535`);
    else if (owners.has(port)) problems.push(`port ${port} is assigned to both '${owners.get(port)}' and '${key}'`);
    else {
      overrides[key] = port;
      owners.set(port, key);
    }
  }
  for (const key of keys) if (!(key in overrides) && !problems.some((p) => p.startsWith(`'${key}'`))) problems.push(`'${key}' has no port`);
  if (problems.length > 0) throw new OverlayError(OverlayErrorCode.INVALID_REQUEST, `Bad port assignments: ${problems.join('; ')}`);
  return { overrides: overrides, ports: [...owners.keys()] };
}
