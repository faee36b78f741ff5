import { randomUUID } from 'node:crypto';
import { mesos } from '@mesoflow/proto';

const S = mesos.v1.TaskState;

/** A protobuf `TaskStatus` as the master builds and forwards it. */
export type TaskStatus = mesos.v1.TaskStatus.$Properties;

const TERMINAL = new Set<number>([
  S.TASK_FINISHED,
  S.TASK_FAILED,
  S.TASK_KILLED,
  S.TASK_LOST,
  S.TASK_ERROR,
  S.TASK_DROPPED,
  S.TASK_GONE,
  S.TASK_GONE_BY_OPERATOR,
]);

/** Mesos' `protobuf::isTerminalState`: the states after which a task never runs again. */
export function isTerminalState(state: mesos.v1.TaskState): boolean {
  return TERMINAL.has(state);
}

/** The enum name of a task state, e.g. `TASK_RUNNING`. */
export function taskStateName(state: mesos.v1.TaskState): string {
  return S[state] ?? String(state);
}

/** A fresh 16-byte status update UUID. */
export function newStatusUuid(): Buffer {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
}

/** Options of {@link masterStatus}. */
export interface MasterStatusFields {
  frameworkId?: string;
  taskId: string;
  agentId?: string | null;
  state: mesos.v1.TaskState;
  reason: mesos.v1.TaskStatus.Reason;
  message: string;
  unreachableTime?: number | null;
}

/**
 * A master-generated status (`SOURCE_MASTER`), which never carries a uuid so schedulers must not
 * acknowledge it.
 */
export function masterStatus(fields: MasterStatusFields): TaskStatus {
  const status: TaskStatus = {
    task_id: { value: fields.taskId },
    state: fields.state,
    message: fields.message,
    source: mesos.v1.TaskStatus.Source.SOURCE_MASTER,
    reason: fields.reason,
    timestamp: Date.now() / 1000,
  };
  if (fields.agentId) status.agent_id = { value: fields.agentId };
  if (fields.unreachableTime != null) {
    status.unreachable_time = { nanoseconds: Math.round(fields.unreachableTime * 1e6) };
  }
  return status;
}
