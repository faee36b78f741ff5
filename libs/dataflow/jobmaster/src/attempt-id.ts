// Execution attempt ids. The shape is the exchange's `TaskAttemptId` (and the wire's
// `mesoflow.dataflow.v1.ResultPartitionId` / `ConsumerId`), so a descriptor's ids go to the
// exchange unchanged.

/** One execution attempt of one subtask of a job vertex (Flink's ExecutionAttemptID, made readable). */
export interface ExecutionAttemptId {
  readonly jobId: string;
  readonly vertexId: string;
  /** 0-based index of the parallel subtask. */
  readonly subtaskIndex: number;
  /** 0 for the first execution, one more per restart of the job. */
  readonly attempt: number;
}

/**
 * The result partition one producer attempt writes for one of its outgoing edges: one
 * subpartition per consumer subtask. `outputIndex` indexes `outgoingEdges(graph, vertexId)`;
 * a vertex with one outgoing edge (the common case) has only output 0.
 */
export interface ResultPartitionId extends ExecutionAttemptId {
  readonly outputIndex: number;
}

/** A unique string key of an attempt, for maps. */
export function attemptKey(id: ExecutionAttemptId): string {
  return JSON.stringify([id.jobId, id.vertexId, id.subtaskIndex, id.attempt]);
}

/** `vertex 'map' subtask 2 attempt 0 of job 'j1'`, for messages. */
export function describeAttempt(id: ExecutionAttemptId): string {
  return `vertex '${id.vertexId}' subtask ${id.subtaskIndex} attempt ${id.attempt} of job '${id.jobId}'`;
}
