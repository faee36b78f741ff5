import { isTaskManagerError, TaskManagerErrorCode } from './errors';
import { parseSettings } from './settings';

describe('parseSettings', () => {
  it('takes the task id from MESOFLOW_TASK_ID, else MESOS_EXECUTOR_ID, and the host from MESOFLOW_HOSTNAME', () => {
    expect(parseSettings([], { MESOFLOW_TASK_ID: 'taskmanager-00001', MESOS_EXECUTOR_ID: 'other', MESOFLOW_HOSTNAME: 'agent-1', MESOS_SANDBOX: '/sandbox' })).toEqual({
      taskId: 'taskmanager-00001',
      advertisedHost: 'agent-1',
      bindHost: '0.0.0.0',
      httpPort: 0,
      workDir: '/sandbox',
    });
    expect(parseSettings(['--http-port', '8081', '--bind-host=127.0.0.1'], { MESOS_EXECUTOR_ID: 'taskmanager-00002' })).toMatchObject({
      taskId: 'taskmanager-00002',
      bindHost: '127.0.0.1',
      httpPort: 8081,
    });
  });

  it("advertises the agent's address when no hostname is configured", () => {
    expect(parseSettings([], { MESOS_EXECUTOR_ID: 't', MESOS_AGENT_ENDPOINT: '10.0.0.7:5051' }).advertisedHost).toBe('10.0.0.7');
    expect(parseSettings([], { MESOS_EXECUTOR_ID: 't', MESOS_AGENT_ENDPOINT: '[fd00::7]:5051' }).advertisedHost).toBe('fd00::7');
    expect(parseSettings([], { MESOS_EXECUTOR_ID: 't', MESOS_AGENT_ENDPOINT: '10.0.0.7:5051', MESOFLOW_HOSTNAME: 'tm.example' }).advertisedHost).toBe('tm.example');
  });

  it('names what is missing when there is no task id', () => {
    let caught: unknown;
    try {
      parseSettings([], {});
    } catch (error) {
      caught = error;
    }
    expect(isTaskManagerError(caught, TaskManagerErrorCode.INVALID_CONFIGURATION)).toBe(true);
    expect((caught as Error).message).toMatch(/MESOFLOW_TASK_ID.*MESOS_EXECUTOR_ID.*--task-id/);
  });
});
