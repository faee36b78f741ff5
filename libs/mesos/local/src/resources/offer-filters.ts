import { Resources } from './resources';

/** Mesos caps `Filters.refuse_seconds` at 365 days. */
export const MAX_REFUSE_SECONDS = 365 * 24 * 60 * 60;

/** The proto default of `Filters.refuse_seconds`. */
export const DEFAULT_REFUSE_SECONDS = 5;

/**
 * The effective refusal in milliseconds for a DECLINE/ACCEPT `filters` (absent = 5 s, negative or
 * not finite = 5 s, above a year = a year, 0 = no filter). A filter lasts at least one allocation
 * interval, as in the hierarchical allocator.
 * @param refuseSeconds `filters.refuse_seconds`, `undefined` when `filters` or the field is unset.
 * @param allocationIntervalMs the allocation interval.
 * @returns 0 when no filter is to be installed.
 */
export function refuseMillis(refuseSeconds: number | null | undefined, allocationIntervalMs: number): number {
  let seconds = refuseSeconds ?? DEFAULT_REFUSE_SECONDS;
  if (!Number.isFinite(seconds) || seconds < 0) seconds = DEFAULT_REFUSE_SECONDS;
  if (seconds === 0) return 0;
  seconds = Math.min(seconds, MAX_REFUSE_SECONDS);
  return Math.max(seconds * 1000, allocationIntervalMs);
}

interface Filter {
  resources: Resources;
  expiresAt: number;
}

/**
 * The offer filters of one framework: per role and agent, the resources it refused and until
 * when. A would-be offer is filtered when it is a subset of refused resources (so an agent that
 * gained resources is offered again).
 */
export class OfferFilters {
  private readonly byRole = new Map<string, Map<string, Filter[]>>();

  /** Records that `resources` of `agentId` were refused for `role` until `now + durationMs`. */
  add(role: string, agentId: string, resources: Resources, durationMs: number, now: number): void {
    if (durationMs <= 0 || resources.isEmpty) return;
    let agents = this.byRole.get(role);
    if (!agents) this.byRole.set(role, (agents = new Map<string, Filter[]>()));
    const filters = (agents.get(agentId) ?? []).filter((f) => f.expiresAt > now);
    filters.push({ resources: resources.clone(), expiresAt: now + durationMs });
    agents.set(agentId, filters);
  }

  /** True when offering `resources` of `agentId` to `role` is filtered at `now`. */
  isFiltered(role: string, agentId: string, resources: Resources, now: number): boolean {
    const agents = this.byRole.get(role);
    const filters = agents?.get(agentId);
    if (!agents || !filters) return false;
    const live = filters.filter((f) => f.expiresAt > now);
    if (live.length === 0) {
      agents.delete(agentId);
      return false;
    }
    if (live.length !== filters.length) agents.set(agentId, live);
    return live.some((f) => f.resources.contains(resources));
  }

  /** Drops the filters of the given roles (all roles when empty), as REVIVE does. */
  clear(roles: readonly string[] = []): void {
    if (roles.length === 0) this.byRole.clear();
    for (const role of roles) this.byRole.delete(role);
  }

  /** Drops every filter on one agent (it left or came back with other resources). */
  clearAgent(agentId: string): void {
    for (const agents of this.byRole.values()) agents.delete(agentId);
  }
}
