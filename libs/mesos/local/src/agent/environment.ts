import { mesos } from '@mesoflow/proto';
import { AgentTaskError, AgentTaskErrorCode } from './agent-task-error';

/** Mesos' `os::host_default_path()`, used when nothing provides `PATH`. */
export const HOST_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What the agent knows when it builds a command task's environment. */
export interface CommandTaskEnvironmentInput {
  frameworkId: string;
  executorId: string;
  agentId: string;
  /** Absolute host path of the sandbox. */
  sandboxDir: string;
  /** The agent's libprocess address, for `MESOS_SLAVE_PID` and `MESOS_AGENT_ENDPOINT`. */
  agentIp: string;
  agentPort: number;
  /** `FrameworkInfo.checkpoint`. @default false */
  checkpoint?: boolean;
  /** The role the task's resources are allocated to, for `MESOS_ALLOCATION_ROLE`. */
  allocationRole?: string;
  /** `HOME` when `CommandInfo.environment` does not set it. */
  home?: string;
  environment?: mesos.v1.Environment.$Properties | null;
}

/**
 * The complete environment of a command task, as Mesos builds it: the agent's variables
 * (`executorEnvironment` in `src/slave/slave.cpp`), the containerizer's `MESOS_SANDBOX`, the
 * command executor's `MESOS_ALLOCATION_ROLE`, then `CommandInfo.environment` on top. The
 * agent's own environment is not inherited.
 *
 * There is deliberately no `MESOS_TASK_ID`: Mesos never sets one. A command task reads its id
 * from `MESOS_EXECUTOR_ID`, which equals the task id.
 *
 * @throws AgentTaskError `INVALID_ENVIRONMENT` for a secret the agent cannot resolve (a
 *   `REFERENCE` secret: only a secret resolver module could, and the stand-in has none).
 */
export function commandTaskEnvironment(input: CommandTaskEnvironmentInput): Record<string, string> {
  const endpoint = `${input.agentIp}:${input.agentPort}`;
  const env: Record<string, string> = {
    PATH: HOST_DEFAULT_PATH,
    LIBPROCESS_PORT: '0',
    MESOS_FRAMEWORK_ID: input.frameworkId,
    MESOS_EXECUTOR_ID: input.executorId,
    MESOS_DIRECTORY: input.sandboxDir,
    MESOS_SANDBOX: input.sandboxDir,
    MESOS_SLAVE_ID: input.agentId,
    MESOS_SLAVE_PID: `slave(1)@${endpoint}`,
    MESOS_AGENT_ENDPOINT: endpoint,
    MESOS_CHECKPOINT: input.checkpoint ? '1' : '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
  };
  if (input.checkpoint) {
    // The agent's --recovery_timeout default and EXECUTOR_REREGISTER_TIMEOUT, in Mesos' notation.
    env['MESOS_RECOVERY_TIMEOUT'] = '15mins';
    env['MESOS_SUBSCRIPTION_BACKOFF_MAX'] = '2secs';
  }
  if (input.allocationRole) env['MESOS_ALLOCATION_ROLE'] = input.allocationRole;
  if (input.home) env['HOME'] = input.home;
  for (const variable of input.environment?.variables ?? []) {
    env[variable.name] = variableValue(variable);
  }
  return env;
}

const VARIABLE_TYPE = mesos.v1.Environment.Variable.Type;
const SECRET_TYPE = mesos.v1.Secret.Type;

function variableValue(variable: mesos.v1.Environment.Variable.$Properties): string {
  if (!enumIs(variable.type, VARIABLE_TYPE.SECRET, 'SECRET')) return variable.value ?? '';
  const secret = variable.secret;
  if (secret && enumIs(secret.type, SECRET_TYPE.VALUE, 'VALUE') && secret.value) {
    return decodeSecret(secret.value.data);
  }
  throw new AgentTaskError(
    AgentTaskErrorCode.INVALID_ENVIRONMENT,
    `Failed to resolve secret of environment variable '${variable.name}': ` +
      'default secret resolver cannot resolve references',
  );
}

/**
 * Secret bytes arrive as a `Uint8Array` from a protobuf body and as base64 text from a JSON
 * body (the JSON mapping of `bytes`); either way the variable gets the UTF-8 text.
 */
function decodeSecret(data: Uint8Array | string | null | undefined): string {
  if (data === null || data === undefined) return '';
  if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/**
 * Enum fields hold the number after protobuf decoding but may hold the name when the message
 * came from JSON without conversion; accept both.
 */
export function enumIs(value: unknown, number: number, name: string): boolean {
  return value === number || value === name;
}
