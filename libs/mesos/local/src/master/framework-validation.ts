import { mesos } from '@mesoflow/proto';
import { has } from '../proto-fields';
import { hasCapability } from './model';
import { idError } from './task-validation';

type FrameworkInfo = mesos.v1.FrameworkInfo.$Properties;

/** Mesos' role name rules (`roles::validate`): the reason `role` is invalid, or `null`. */
export function roleError(role: string): string | null {
  if (role === '*') return null;
  if (role === '') return 'Empty role name is invalid';
  if (role.startsWith('/')) return `Role '${role}' cannot start with a slash`;
  if (role.endsWith('/')) return `Role '${role}' cannot end with a slash`;
  if (role.includes('//')) return `Role '${role}' cannot contain two adjacent slashes`;
  for (const component of role.split('/')) {
    if (component === '.' || component === '..' || component === '*') {
      return `Role '${role}' cannot have '${component}' as a path component`;
    }
    if (component.startsWith('-')) return `Role '${role}' cannot have a path component starting with '-'`;
  }
  if (/[\t\n\v\f\r \x7f\b]/.test(role)) return `Role '${role}' cannot include whitespace or backspace characters`;
  return null;
}

/**
 * The semantic checks of a SUBSCRIBE / UPDATE_FRAMEWORK FrameworkInfo that a stand-in can make
 * (roles, ID, failover timeout, suppressed roles), in the master's order. Returns the ERROR
 * message, or `null`.
 */
export function frameworkInfoError(info: FrameworkInfo, suppressedRoles: readonly string[]): string | null {
  const multiRole = hasCapability(info, mesos.v1.FrameworkInfo.Capability.Type.MULTI_ROLE);
  let roles: string[];
  if (multiRole) {
    if (has(info, 'role')) return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
    roles = info.roles ?? [];
    if (new Set(roles).size !== roles.length) return "'FrameworkInfo.roles' contains duplicate items";
  } else {
    if ((info.roles ?? []).length > 0) {
      return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
    }
    roles = [has(info, 'role') ? (info.role as string) : '*'];
  }
  for (const role of roles) {
    const error = roleError(role);
    if (error) return error;
  }
  if (has(info, 'id')) {
    const error = idError(info.id?.value);
    if (error) return `'FrameworkInfo.id' is invalid: ${error}`;
  }
  const failover = info.failover_timeout ?? 0;
  if (!Number.isFinite(failover) || failover < 0 || failover * 1e9 > Number.MAX_SAFE_INTEGER * 1000) {
    return `Invalid 'FrameworkInfo.failover_timeout': ${failover} is not a valid duration`;
  }
  for (const role of suppressedRoles) {
    if (!roles.includes(role)) return `Suppressed role '${role}' is not contained in the list of roles`;
  }
  return null;
}
