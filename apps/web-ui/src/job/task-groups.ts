// The job page's tasks: grouped per TaskManager (where they run), and counted per vertex (what
// the graph's boxes say).
import type { TaskView } from '@mesoflow/web-api';

export interface TaskGroup {
  /** Undefined for the tasks that have no slot yet. */
  readonly taskManagerId?: string;
  readonly tasks: readonly TaskView[];
  /** Sums over the group's tasks; undefined until one of them reported. */
  readonly recordsInPerSecond?: number;
  readonly recordsOutPerSecond?: number;
}

function sumOf(values: readonly (number | undefined)[]): number | undefined {
  const reported = values.filter((value): value is number => value !== undefined);
  return reported.length === 0 ? undefined : reported.reduce((sum, value) => sum + value, 0);
}

/**
 * The tasks per TaskManager, TaskManagers by id and the unplaced tasks last; within a group the
 * vertices keep the job master's order and subtasks count up.
 */
export function groupTasksByTaskManager(tasks: readonly TaskView[]): TaskGroup[] {
  const vertexOrder = new Map<string, number>();
  for (const task of tasks) if (!vertexOrder.has(task.vertexId)) vertexOrder.set(task.vertexId, vertexOrder.size);
  const byTaskManager = new Map<string | undefined, TaskView[]>();
  for (const task of tasks) {
    const group = byTaskManager.get(task.taskManagerId) ?? [];
    group.push(task);
    byTaskManager.set(task.taskManagerId, group);
  }
  return [...byTaskManager.entries()]
    .sort(([a], [b]) => (a === undefined ? 1 : b === undefined ? -1 : a.localeCompare(b)))
    .map(([taskManagerId, members]): TaskGroup => {
      const ordered = [...members].sort((a, b) => (vertexOrder.get(a.vertexId) ?? 0) - (vertexOrder.get(b.vertexId) ?? 0) || a.subtask - b.subtask);
      const recordsInPerSecond = sumOf(ordered.map((task) => task.recordsInPerSecond));
      const recordsOutPerSecond = sumOf(ordered.map((task) => task.recordsOutPerSecond));
      return {
        ...(taskManagerId === undefined ? {} : { taskManagerId }),
        tasks: ordered,
        ...(recordsInPerSecond === undefined ? {} : { recordsInPerSecond }),
        ...(recordsOutPerSecond === undefined ? {} : { recordsOutPerSecond }),
      };
    });
}

/** A vertex's tasks by state, most first: `2 RUNNING · 1 DEPLOYING`; empty when it has none. */
export function vertexTaskStates(tasks: readonly TaskView[], vertexId: string): string {
  const counts = new Map<string, number>();
  for (const task of tasks) if (task.vertexId === vertexId) counts.set(task.state, (counts.get(task.state) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([stateA, a], [stateB, b]) => b - a || stateA.localeCompare(stateB))
    .map(([state, count]) => `${count} ${state}`)
    .join(' · ');
}
