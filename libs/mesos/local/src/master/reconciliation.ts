import { mesos } from '@mesoflow/proto';
import type { AgentRecord, TaskRecord } from './model';
import { masterStatus, type TaskStatus } from './task-states';

const S = mesos.v1.TaskState;
const RECONCILIATION = mesos.v1.TaskStatus.Reason.REASON_RECONCILIATION;

/**
 * The reconciliation answer for a task the master knows: its latest forwarded state (else its
 * state), with `healthy`, `check_status` and `container_status` but no data, message or uuid.
 */
export function knownTaskAnswer(task: TaskRecord): TaskStatus {
  const status = masterStatus({
    taskId: task.info.task_id.value,
    agentId: task.agentId,
    state: task.forwardedState ?? task.state,
    reason: RECONCILIATION,
    message: 'Reconciliation: Latest task state',
  });
  const last = task.forwardedStatus;
  if (last?.healthy != null) status.healthy = last.healthy;
  if (last?.check_status) status.check_status = last.check_status;
  if (last?.container_status) status.container_status = last.container_status;
  if (task.unreachableTime != null) {
    status.unreachable_time = { nanoseconds: Math.round(task.unreachableTime * 1e6) };
  }
  return status;
}

/** What explicit reconciliation knows about the agent a scheduler named (or did not). */
export type AgentKnowledge =
  | { kind: 'registered' }
  | { kind: 'unreachable'; since: number }
  | { kind: 'gone' }
  | { kind: 'unknown' };

/**
 * The explicit reconciliation answer for a task the master does not know (table of section 4.6):
 * non-partition-aware frameworks always get TASK_LOST.
 */
export function unknownTaskAnswer(
  taskId: string,
  agentId: string | null,
  agent: AgentKnowledge,
  partitionAware: boolean,
): TaskStatus {
  const answer = (state: mesos.v1.TaskState, message: string, unreachableTime?: number): TaskStatus =>
    masterStatus({
      taskId,
      agentId,
      state: partitionAware ? state : S.TASK_LOST,
      reason: RECONCILIATION,
      message,
      unreachableTime: partitionAware ? unreachableTime : undefined,
    });
  switch (agent.kind) {
    case 'registered':
      return answer(S.TASK_GONE, 'Reconciliation: Task is unknown to the agent');
    case 'unreachable':
      return answer(S.TASK_UNREACHABLE, 'Reconciliation: Task is unreachable', agent.since);
    case 'gone':
      return answer(S.TASK_GONE_BY_OPERATOR, 'Reconciliation: Task is gone');
    case 'unknown':
      return answer(S.TASK_UNKNOWN, 'Reconciliation: Task is unknown');
  }
}

/** How the master sees the agent an explicit reconciliation names. */
export function agentKnowledge(agent: AgentRecord | undefined): AgentKnowledge {
  if (!agent) return { kind: 'unknown' };
  switch (agent.status) {
    case 'active':
      return { kind: 'registered' };
    case 'unreachable':
      return { kind: 'unreachable', since: agent.unreachableTime ?? Date.now() };
    case 'removed':
      return { kind: 'unknown' };
    case 'recovering':
      return { kind: 'unknown' };
  }
}
