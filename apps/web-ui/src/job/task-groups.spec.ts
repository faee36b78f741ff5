import type { TaskView } from '@mesoflow/web-api';
import { groupTasksByTaskManager, vertexTaskStates } from './task-groups';

function task(vertexId: string, subtask: number, state: string, taskManagerId?: string, rates?: [number, number]): TaskView {
  return {
    vertexId,
    vertexName: vertexId.toUpperCase(),
    subtask,
    parallelism: 2,
    attempt: 0,
    state,
    ...(taskManagerId === undefined ? {} : { taskManagerId }),
    ...(rates === undefined ? {} : { recordsIn: 10, recordsOut: 10, recordsInPerSecond: rates[0], recordsOutPerSecond: rates[1] }),
  };
}

describe('tasks per TaskManager', () => {
  it('groups by TaskManager, unplaced tasks last, vertices in order and subtasks counting up', () => {
    const groups = groupTasksByTaskManager([
      task('source', 1, 'RUNNING', 'taskmanager-00002', [5, 5]),
      task('sink', 0, 'RUNNING', 'taskmanager-00001'),
      task('source', 0, 'RUNNING', 'taskmanager-00001', [1, 2]),
      task('sink', 1, 'SCHEDULED'),
    ]);
    expect(groups.map((group) => [group.taskManagerId, group.tasks.map((entry) => `${entry.vertexId}#${entry.subtask}`)])).toEqual([
      ['taskmanager-00001', ['source#0', 'sink#0']],
      ['taskmanager-00002', ['source#1']],
      [undefined, ['sink#1']],
    ]);
  });

  it('sums the rates of the tasks that reported', () => {
    const [group, unplaced] = groupTasksByTaskManager([
      task('source', 0, 'RUNNING', 'taskmanager-00001', [1.5, 2]),
      task('map', 0, 'RUNNING', 'taskmanager-00001', [3, 4]),
      task('sink', 0, 'DEPLOYING', 'taskmanager-00001'),
      task('sink', 1, 'SCHEDULED'),
    ]);
    expect(group).toMatchObject({ recordsInPerSecond: 4.5, recordsOutPerSecond: 6 });
    expect(unplaced).not.toHaveProperty('recordsInPerSecond');
  });

  it("counts a vertex's tasks by state", () => {
    const tasks = [task('map', 0, 'RUNNING'), task('map', 1, 'DEPLOYING'), task('map', 2, 'RUNNING'), task('sink', 0, 'FAILED')];
    expect(vertexTaskStates(tasks, 'map')).toBe('2 RUNNING · 1 DEPLOYING');
    expect(vertexTaskStates(tasks, 'source')).toBe('');
  });
});
