/** A task as `/master/state` lists it (the fields tests and benchmarks read). */
export interface StateTask {
  readonly id: string;
  /** E.g. `TASK_RUNNING`. */
  readonly state: string;
  readonly framework_id: string;
  readonly slave_id: string;
}

/** A framework as `/master/state` lists it. */
export interface StateFramework {
  readonly id: string;
  readonly name: string;
  readonly active: boolean;
  readonly connected: boolean;
  /** Known only from re-registered agents after a master failover, not subscribed yet. */
  readonly recovered: boolean;
  /** Tasks not yet terminal, or terminal with their update unacknowledged. */
  readonly tasks: readonly StateTask[];
  readonly completed_tasks: readonly StateTask[];
}

/**
 * The frameworks of a `/master/state` document (`LocalMesos.state()`, or the JSON of
 * `GET /state`): the registered ones, or with `completed` those the master removed.
 */
export function stateFrameworks(state: Record<string, unknown>, completed = false): StateFramework[] {
  const list = state[completed ? 'completed_frameworks' : 'frameworks'];
  return Array.isArray(list) ? (list as StateFramework[]) : [];
}

/** Every task of the framework `frameworkId` (registered or removed), live ones first. */
export function stateTasks(state: Record<string, unknown>, frameworkId?: string): StateTask[] {
  return [...stateFrameworks(state), ...stateFrameworks(state, true)]
    .filter((framework) => frameworkId === undefined || framework.id === frameworkId)
    .flatMap((framework) => [...framework.tasks, ...framework.completed_tasks]);
}
