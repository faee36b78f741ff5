import { mesos } from '@mesoflow/proto';
import { AgentTaskErrorCode, isAgentTaskError } from './agent-task-error';
import {
  commandTaskEnvironment,
  HOST_DEFAULT_PATH,
  type CommandTaskEnvironmentInput,
} from './environment';

const SECRET = mesos.v1.Environment.Variable.Type.SECRET;

const base: CommandTaskEnvironmentInput = {
  frameworkId: 'M-0001',
  executorId: 'worker-1',
  agentId: 'M-S3',
  sandboxDir: '/var/lib/mesos/slaves/M-S3/frameworks/M-0001/executors/worker-1/runs/c1',
  agentIp: '10.0.0.5',
  agentPort: 5051,
};

describe('commandTaskEnvironment', () => {
  it('sets exactly the agent and containerizer variables of a command task', () => {
    expect(commandTaskEnvironment(base)).toEqual({
      PATH: HOST_DEFAULT_PATH,
      LIBPROCESS_PORT: '0',
      MESOS_FRAMEWORK_ID: 'M-0001',
      MESOS_EXECUTOR_ID: 'worker-1',
      MESOS_DIRECTORY: base.sandboxDir,
      MESOS_SANDBOX: base.sandboxDir,
      MESOS_SLAVE_ID: 'M-S3',
      MESOS_SLAVE_PID: 'slave(1)@10.0.0.5:5051',
      MESOS_AGENT_ENDPOINT: '10.0.0.5:5051',
      MESOS_CHECKPOINT: '0',
      MESOS_HTTP_COMMAND_EXECUTOR: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
    });
  });

  it('adds the recovery variables for checkpointing frameworks, the role and HOME', () => {
    const input = { ...base, checkpoint: true, allocationRole: 'analytics', home: '/home/me' };
    expect(commandTaskEnvironment(input)).toMatchObject({
      MESOS_CHECKPOINT: '1',
      MESOS_RECOVERY_TIMEOUT: '15mins',
      MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
      MESOS_ALLOCATION_ROLE: 'analytics',
      HOME: '/home/me',
    });
  });

  it('lets CommandInfo.environment override everything, PATH included', () => {
    const env = commandTaskEnvironment({
      ...base,
      environment: {
        variables: [
          { name: 'PATH', value: '/opt/bin' },
          { name: 'MESOS_DIRECTORY', value: '/x' },
          { name: 'EMPTY' },
        ],
      },
    });

    expect(env).toMatchObject({ PATH: '/opt/bin', MESOS_DIRECTORY: '/x', EMPTY: '' });
  });

  it('decodes VALUE secrets given as bytes or as base64 text (enum names or numbers)', () => {
    const env = commandTaskEnvironment({
      ...base,
      environment: {
        variables: [
          {
            name: 'A',
            type: SECRET,
            secret: { type: mesos.v1.Secret.Type.VALUE, value: { data: Buffer.from('bytes') } },
          },
          {
            name: 'B',
            type: 'SECRET' as unknown as mesos.v1.Environment.Variable.Type,
            secret: {
              type: 'VALUE' as unknown as mesos.v1.Secret.Type,
              value: { data: 'dGV4dA==' as unknown as Uint8Array },
            },
          },
        ],
      },
    });

    expect(env).toMatchObject({ A: 'bytes', B: 'text' });
  });

  it('never sets MESOS_TASK_ID', () => {
    expect(commandTaskEnvironment(base)).not.toHaveProperty('MESOS_TASK_ID');
  });

  it('refuses REFERENCE secrets', () => {
    let caught: unknown;
    try {
      commandTaskEnvironment({
        ...base,
        environment: {
          variables: [
            {
              name: 'S',
              type: SECRET,
              secret: { type: mesos.v1.Secret.Type.REFERENCE, reference: { name: 'x' } },
            },
          ],
        },
      });
    } catch (error) {
      caught = error;
    }
    expect(isAgentTaskError(caught, AgentTaskErrorCode.INVALID_ENVIRONMENT)).toBe(true);
  });
});
