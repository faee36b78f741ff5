import { mesos } from '@mesoflow/proto';
import { Resources } from '../resources/resources';
import { has } from '../proto-fields';
import { resourcesError, singleAllocationRoleError } from '../resources/validation';

type TaskInfo = mesos.v1.TaskInfo.$Properties;

/** Linux NAME_MAX, the longest ID the master accepts. */
const NAME_MAX = 255;

/**
 * Mesos' common ID rules (task, executor and framework IDs): the reason `id` is invalid, or
 * `null`.
 */
export function idError(id: string | null | undefined): string | null {
  const value = id ?? '';
  if (value === '') return 'ID must not be empty';
  if (value.length > NAME_MAX) return `ID must not be greater than ${NAME_MAX} characters`;
  if (value === '.' || value === '..') return `'${value}' is disallowed`;
  // Control characters and path separators would escape the sandbox path.
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || value[i] === '/' || value[i] === '\\') {
      return `'${value}' contains invalid characters`;
    }
  }
  return null;
}

/** What task validation needs to know about the framework and the agent. */
export interface TaskValidationContext {
  /** IDs of the framework's live (non-terminal or unacknowledged) tasks. */
  hasTask(taskId: string): boolean;
  /** IDs of the framework's unreachable tasks. */
  hasUnreachableTask(taskId: string): boolean;
  /** The agent the offers came from. */
  agentId: string;
  /** The offer's allocation role (injected into the task's resources before this runs). */
  allocationRole: string;
  /** What is left of the pooled offers. */
  available: Resources;
}

/**
 * The master's validation of one LAUNCH task, in the master's order (`task::validate`), with its
 * messages. Returns the reason for `TASK_ERROR` / `REASON_TASK_INVALID`, or `null`.
 */
export function taskError(task: TaskInfo, context: TaskValidationContext): string | null {
  const taskId = task.task_id?.value ?? '';
  return (
    idError(taskId) ??
    uniqueIdError(taskId, context) ??
    agentIdError(task, context.agentId) ??
    killPolicyError(task) ??
    healthCheckError(task) ??
    taskResourcesError(task) ??
    commandInfoError(task.command) ??
    executorError(task, context)
  );
}

function uniqueIdError(taskId: string, context: TaskValidationContext): string | null {
  if (context.hasTask(taskId)) return `Task has duplicate ID: ${taskId}`;
  if (context.hasUnreachableTask(taskId)) return `Task reuses the ID of an unreachable task: ${taskId}`;
  return null;
}

function agentIdError(task: TaskInfo, agentId: string): string | null {
  const given = task.agent_id?.value ?? '';
  return given === agentId ? null : `Task uses invalid agent ${given} while agent ${agentId} is expected`;
}

function killPolicyError(task: TaskInfo): string | null {
  const grace = task.kill_policy?.grace_period?.nanoseconds;
  if (grace != null && Number(grace) < 0) return "Task's 'kill_policy.grace_period' must be non-negative";
  const maxCompletion = task.max_completion_time?.nanoseconds;
  if (maxCompletion != null && Number(maxCompletion) < 0) return "Task's 'max_completion_time' must be non-negative";
  return null;
}

function healthCheckError(task: TaskInfo): string | null {
  const check = task.health_check;
  if (!check) return null;
  const type = mesos.v1.HealthCheck.Type;
  // Legacy health checks set only `command` or `http`; the master infers the type for them.
  const inferred = has(check, 'type') ? check.type : check.command ? type.COMMAND : check.http ? type.HTTP : type.UNKNOWN;
  const prefix = 'Task uses invalid health check: ';
  if (inferred === type.COMMAND) {
    if (!check.command?.value && !check.command?.arguments?.length) {
      return `${prefix}Command health check must contain 'shell command' or 'executable'`;
    }
  } else if (inferred === type.HTTP) {
    if (!check.http) return `${prefix}Expecting 'http' to be set for HTTP health check`;
    if (has(check.http, 'path') && !String(check.http.path).startsWith('/')) {
      return `${prefix}The path '${check.http.path}' of HTTP health check must start with '/'`;
    }
  } else if (inferred === type.TCP) {
    if (!check.tcp) return `${prefix}Expecting 'tcp' to be set for TCP health check`;
  } else {
    return `${prefix}HealthCheck must specify 'type'`;
  }
  for (const [name, value] of [
    ['delay_seconds', check.delay_seconds],
    ['interval_seconds', check.interval_seconds],
    ['timeout_seconds', check.timeout_seconds],
    ['grace_period_seconds', check.grace_period_seconds],
  ] as const) {
    if (value != null && value < 0) return `${prefix}Expecting '${name}' to be non-negative`;
  }
  return null;
}

function taskResourcesError(task: TaskInfo): string | null {
  const resources = task.resources ?? [];
  if (resources.length === 0) return 'Task uses no resources';
  const invalid = resourcesError(resources);
  if (invalid) return `Task uses invalid resources: ${invalid}`;
  const roles = singleAllocationRoleError(resources);
  if (roles) return `Invalid task resources: ${roles}`;
  return null;
}

/** `common::validation::validateCommandInfo`: environment variables must be well formed. */
function commandInfoError(command: mesos.v1.CommandInfo.$Properties | null | undefined): string | null {
  if (!command) return null;
  const VariableType = mesos.v1.Environment.Variable.Type;
  for (const variable of command.environment?.variables ?? []) {
    const type = has(variable, 'type') ? variable.type : VariableType.VALUE;
    let problem: string | null = null;
    if (type === VariableType.VALUE) {
      if (!has(variable, 'value')) problem = `Environment variable '${variable.name}' of type 'VALUE' must have a value set`;
      else if (variable.secret != null) problem = `Environment variable '${variable.name}' of type 'VALUE' must not have a secret set`;
    } else if (type === VariableType.SECRET) {
      if (variable.secret == null) problem = `Environment variable '${variable.name}' of type 'SECRET' must have a secret set`;
      else if (has(variable, 'value')) problem = `Environment variable '${variable.name}' of type 'SECRET' must not have a value set`;
    } else {
      problem = `Environment variable of type 'UNKNOWN' is not allowed`;
    }
    if (problem) return `Task's \`CommandInfo\` is invalid: ${problem}`;
  }
  return null;
}

function executorError(task: TaskInfo, context: TaskValidationContext): string | null {
  if ((task.executor != null) === (task.command != null)) {
    return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
  }
  const total = Resources.fromProto(task.resources);
  if (task.executor) {
    const executor = task.executor;
    const executorIdError = idError(executor.executor_id?.value);
    if (executorIdError) return executorIdError;
    const type = mesos.v1.ExecutorInfo.Type;
    if (has(executor, 'type') && executor.type !== type.CUSTOM && executor.type !== type.UNKNOWN) {
      return "'ExecutorInfo.type' must be 'CUSTOM'";
    }
    if (!executor.command) return "'ExecutorInfo.command' must be set";
    total.add(Resources.fromProto(executor.resources));
  }
  if (!context.available.contains(total)) {
    const required = Resources.fromProto(task.resources).plus(Resources.fromProto(task.executor?.resources));
    return (
      `Total resources ${required.toString(context.allocationRole)} required by task and its executor is ` +
      `more than available ${context.available.toString(context.allocationRole)}`
    );
  }
  return null;
}
