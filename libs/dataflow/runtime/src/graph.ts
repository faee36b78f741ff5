// Lookups on a JobGraph that a subtask and the TaskManager agree on (edge order is graph order).
import { mesoflow } from '@mesoflow/proto';
import { RuntimeError, RuntimeErrorCode } from './errors';

type JobGraph = mesoflow.dataflow.v1.JobGraph.$Properties;
type JobVertex = mesoflow.dataflow.v1.JobVertex.$Properties;
type JobEdge = mesoflow.dataflow.v1.JobEdge.$Properties;

/** Flink's default when neither the vertex nor the job sets one. */
const DEFAULT_MAX_PARALLELISM = 128;

/** The vertex with `vertexId`; throws `INVALID_JOB` when there is none. */
export function vertexOf(graph: JobGraph, vertexId: string): JobVertex {
  const vertex = (graph.vertices ?? []).find((v) => v.id === vertexId);
  if (vertex === undefined) throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, `Job '${graph.job_name ?? ''}' has no vertex '${vertexId}'`);
  return vertex;
}

/** The edges into `vertexId`, in graph order: `InputElement.edge` indexes this list. */
export function incomingEdges(graph: JobGraph, vertexId: string): JobEdge[] {
  return (graph.edges ?? []).filter((e) => e.target_vertex_id === vertexId);
}

/** The edges out of `vertexId`, in graph order: a subtask's `outputs` follow this list. */
export function outgoingEdges(graph: JobGraph, vertexId: string): JobEdge[] {
  return (graph.edges ?? []).filter((e) => e.source_vertex_id === vertexId);
}

/** A vertex's parallelism (at least 1). */
export function parallelismOf(graph: JobGraph, vertexId: string): number {
  return Math.max(1, vertexOf(graph, vertexId).parallelism ?? 1);
}

/** The number of key groups of a vertex: its max parallelism, else the job's, else 128. */
export function maxParallelismOf(graph: JobGraph, vertexId: string): number {
  return vertexOf(graph, vertexId).max_parallelism || graph.config?.max_parallelism || DEFAULT_MAX_PARALLELISM;
}
