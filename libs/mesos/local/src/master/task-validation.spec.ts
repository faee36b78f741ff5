import { mesos } from '@mesoflow/proto';
import { parseResourceText } from '../resources/resource-text';
import { idError, taskError, type TaskValidationContext } from './task-validation';

const cpus = (value: number) => ({ name: 'cpus', type: mesos.v1.Value.Type.SCALAR, scalar: { value }, allocation_info: { role: '*' } });

function task(extra: Partial<mesos.v1.TaskInfo.$Properties> = {}): mesos.v1.TaskInfo.$Properties {
  return mesos.v1.TaskInfo.fromObject({
    name: 't',
    task_id: { value: 't1' },
    agent_id: { value: 'S0' },
    resources: [cpus(1)],
    command: { value: 'true' },
    ...extra,
  });
}

const context = (overrides: Partial<TaskValidationContext> = {}): TaskValidationContext => ({
  hasTask: () => false,
  hasUnreachableTask: () => false,
  agentId: 'S0',
  allocationRole: '*',
  available: parseResourceText('cpus:2;mem:128'),
  ...overrides,
});

describe('idError', () => {
  it.each([
    ['', 'ID must not be empty'],
    ['x'.repeat(256), 'ID must not be greater than 255 characters'],
    ['..', "'..' is disallowed"],
    ['a\\b', "'a\\b' contains invalid characters"],
    ['a\nb', "'a\nb' contains invalid characters"],
  ])('refuses %p', (id, message) => expect(idError(id)).toBe(message));

  it('accepts ordinary IDs', () => expect(idError('taskmanager-00001.a_b')).toBeNull());
});

describe('taskError', () => {
  it('accepts a valid command task', () => expect(taskError(task(), context())).toBeNull());

  it('checks in the master order', () => {
    expect(taskError(task({ task_id: { value: 'a/b' }, resources: [] }), context())).toBe("'a/b' contains invalid characters");
    expect(taskError(task(), context({ hasTask: () => true }))).toBe('Task has duplicate ID: t1');
    expect(taskError(task(), context({ hasUnreachableTask: () => true }))).toBe('Task reuses the ID of an unreachable task: t1');
    expect(taskError(task(), context({ agentId: 'S9' }))).toBe('Task uses invalid agent S0 while agent S9 is expected');
    expect(taskError(task({ kill_policy: { grace_period: { nanoseconds: -1 } } }), context())).toBe(
      "Task's 'kill_policy.grace_period' must be non-negative",
    );
    expect(taskError(task({ resources: [] }), context())).toBe('Task uses no resources');
    expect(taskError(task({ command: null }), context())).toBe('Task should have at least one (but not both) of CommandInfo or ExecutorInfo present');
  });

  it('refuses invalid resources and mixed allocation roles', () => {
    expect(taskError(task({ resources: [{ name: 'cpus', type: mesos.v1.Value.Type.SCALAR, scalar: { value: -1 }, allocation_info: { role: '*' } }] }), context())).toBe(
      "Task uses invalid resources: Invalid resources: Resource 'cpus(allocated: *):-1' is invalid: Invalid scalar resource: value < 0",
    );
    expect(taskError(task({ resources: [cpus(1), { ...cpus(1), name: 'mem', allocation_info: { role: 'b' } }] }), context())).toMatch(
      /^Invalid task resources: The resources have multiple allocation roles/,
    );
  });

  it('refuses more than the pooled offers hold', () => {
    expect(taskError(task({ resources: [cpus(3)] }), context())).toBe(
      'Total resources cpus(allocated: *):3 required by task and its executor is more than available cpus(allocated: *):2; mem(allocated: *):128',
    );
  });

  it('refuses environment variables without a value', () => {
    const bad = task({ command: { value: 'true', environment: { variables: [{ name: 'X' }] } } });
    expect(taskError(bad, context())).toBe("Task's `CommandInfo` is invalid: Environment variable 'X' of type 'VALUE' must have a value set");
  });
});
