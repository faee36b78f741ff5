// From a JobGraph and the slots granted for one attempt, what each TaskManager is told to run:
// one deployment descriptor per (vertex, subtask), with the slot it runs in and where its inputs
// come from. Pure: no I/O, the same input always gives the same descriptors.
import { incomingEdges, maxParallelismOf, outgoingEdges, parallelismOf } from '@mesoflow/dataflow-runtime';
import { mesoflow } from '@mesoflow/proto';
import type { AllocatedSlot, SlotAllocation } from '@mesoflow/resourcemanager-client';
import type { ExecutionAttemptId, ResultPartitionId } from './attempt-id';
import { JobMasterError, JobMasterErrorCode } from './errors';

type JobGraph = mesoflow.dataflow.v1.JobGraph.$Properties;
type Partitioning = mesoflow.dataflow.v1.Partitioning;
type JoinSide = mesoflow.dataflow.v1.JoinSide;

/** One producer subtask of an input: where to read its result partition. */
export interface ProducerLocation {
  /** The producer's partition for this edge; read subpartition `consumedSubpartition` of it. */
  readonly partitionId: ResultPartitionId;
  /** The producer's TaskManager; equal to the consumer's own means a local channel. */
  readonly taskManagerId: string;
  /** `host:port` of the producer TaskManager's data exchange endpoint. */
  readonly dataAddress: string;
}

/** One incoming edge of the task (Flink's InputGateDeploymentDescriptor). */
export interface InputGateDescriptor {
  /** Index into `incomingEdges(graph, vertexId)`: `InputElement.edge`. */
  readonly edgeIndex: number;
  readonly sourceVertexId: string;
  readonly partitioning: Partitioning;
  /** LEFT or RIGHT on the two inputs of a window join, unspecified otherwise. */
  readonly joinSide: JoinSide;
  /** The subpartition this task reads from every producer: its own subtask index. */
  readonly consumedSubpartition: number;
  /**
   * Every producer subtask, by subtask index (`InputElement.channel`). All of them, for every
   * partitioning, FORWARD included: each producer ends every subpartition, and the watermark
   * valve waits for every channel's end.
   */
  readonly producers: readonly ProducerLocation[];
}

/** One outgoing edge of the task (Flink's ResultPartitionDeploymentDescriptor). */
export interface ResultPartitionDescriptor {
  /** Index into `outgoingEdges(graph, vertexId)`: the subtask's `outputs` order. */
  readonly edgeIndex: number;
  readonly partitionId: ResultPartitionId;
  readonly targetVertexId: string;
  readonly partitioning: Partitioning;
  /** One per consumer subtask: the target vertex's parallelism. */
  readonly numberOfSubpartitions: number;
}

/** Everything a TaskManager needs to run one execution attempt of one subtask (Flink's TaskDeploymentDescriptor). */
export interface TaskDeploymentDescriptor {
  readonly attemptId: ExecutionAttemptId;
  readonly jobName: string;
  /** The graph to run (`SubtaskOptions.graph`); its `bundle` names the program the TaskManager loads. */
  readonly graph: JobGraph;
  readonly vertexName: string;
  readonly parallelism: number;
  /** Number of key groups of the vertex. */
  readonly maxParallelism: number;
  /** The allocation the slot belongs to; a TaskManager refuses a task for a slot it holds for another. */
  readonly allocationId: string;
  readonly slot: AllocatedSlot;
  readonly inputs: readonly InputGateDescriptor[];
  readonly outputs: readonly ResultPartitionDescriptor[];
}

/** What {@link buildDeploymentDescriptors} needs. */
export interface DeploymentInput {
  readonly jobId: string;
  readonly graph: JobGraph;
  readonly allocation: SlotAllocation;
  /** The job's attempt number: every task of one job attempt has it. */
  readonly attempt: number;
}

/**
 * The slots a job needs. Flink's slot sharing: one slot hosts one subtask of EACH vertex (all
 * vertices are in one sharing group), so a job needs as many slots as its widest vertex, not
 * the sum of all parallelisms.
 * @throws JobMasterError `INVALID_JOB` for a graph without vertices.
 */
export function slotsNeeded(graph: JobGraph): number {
  const vertices = graph.vertices ?? [];
  if (vertices.length === 0) throw new JobMasterError(JobMasterErrorCode.INVALID_JOB, `Job '${graph.job_name ?? ''}' has no vertices`);
  return Math.max(...vertices.map((v) => parallelismOf(graph, v.id ?? '')));
}

/**
 * The slots in the order subtasks take them: round-robin over TaskManagers (by id), each
 * TaskManager's slots by index: A0, B0, C0, A1, B1, ... Subtask i of every vertex runs in slot i
 * of this order, so a vertex's subtasks spread over TaskManagers and subtask i of a FORWARD
 * chain of vertices stays in one slot.
 */
export function slotOrder(slots: readonly AllocatedSlot[]): AllocatedSlot[] {
  const byTaskManager = new Map<string, AllocatedSlot[]>();
  for (const slot of slots) byTaskManager.set(slot.taskManagerId, [...(byTaskManager.get(slot.taskManagerId) ?? []), slot]);
  const columns = [...byTaskManager.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, own]) => [...own].sort((a, b) => a.slotIndex - b.slotIndex));
  const ordered: AllocatedSlot[] = [];
  for (let row = 0; ordered.length < slots.length; row++) {
    for (const column of columns) if (row < column.length) ordered.push(column[row]);
  }
  return ordered;
}

/**
 * One descriptor per (vertex, subtask) of the job's attempt, vertices in graph (topological)
 * order and subtasks ascending, so producers come before their consumers.
 * @throws JobMasterError `NOT_ENOUGH_SLOTS` when the allocation has fewer than `slotsNeeded`
 *   slots; `INVALID_JOB` for a graph without vertices.
 */
export function buildDeploymentDescriptors(input: DeploymentInput): TaskDeploymentDescriptor[] {
  const { jobId, graph, allocation, attempt } = input;
  const needed = slotsNeeded(graph);
  if (allocation.slots.length < needed) {
    throw new JobMasterError(
      JobMasterErrorCode.NOT_ENOUGH_SLOTS,
      `Job '${jobId}' needs ${needed} slot(s) (its widest vertex's parallelism) but allocation '${allocation.allocationId}' has ${allocation.slots.length}`,
    );
  }
  const slots = slotOrder(allocation.slots);
  const partitionOf = (vertexId: string, subtaskIndex: number, outputIndex: number): ResultPartitionId => ({
    jobId,
    vertexId,
    subtaskIndex,
    attempt,
    outputIndex,
  });
  const descriptors: TaskDeploymentDescriptor[] = [];
  for (const vertex of graph.vertices ?? []) {
    const vertexId = vertex.id ?? '';
    const parallelism = parallelismOf(graph, vertexId);
    const inputEdges = incomingEdges(graph, vertexId);
    const outputEdges = outgoingEdges(graph, vertexId);
    for (let subtaskIndex = 0; subtaskIndex < parallelism; subtaskIndex++) {
      const inputs = inputEdges.map((edge, edgeIndex): InputGateDescriptor => {
        const sourceVertexId = edge.source_vertex_id ?? '';
        // The producer's output index of this edge: its position among the source's outgoing edges.
        const outputIndex = outgoingEdges(graph, sourceVertexId).indexOf(edge);
        const producers = Array.from({ length: parallelismOf(graph, sourceVertexId) }, (_, producer): ProducerLocation => ({
          partitionId: partitionOf(sourceVertexId, producer, outputIndex),
          taskManagerId: slots[producer].taskManagerId,
          dataAddress: slots[producer].dataAddress,
        }));
        return {
          edgeIndex,
          sourceVertexId,
          partitioning: edge.partitioning ?? mesoflow.dataflow.v1.Partitioning.PARTITIONING_UNSPECIFIED,
          joinSide: edge.join_side ?? mesoflow.dataflow.v1.JoinSide.JOIN_SIDE_UNSPECIFIED,
          consumedSubpartition: subtaskIndex,
          producers,
        };
      });
      const outputs = outputEdges.map(
        (edge, edgeIndex): ResultPartitionDescriptor => ({
          edgeIndex,
          partitionId: partitionOf(vertexId, subtaskIndex, edgeIndex),
          targetVertexId: edge.target_vertex_id ?? '',
          partitioning: edge.partitioning ?? mesoflow.dataflow.v1.Partitioning.PARTITIONING_UNSPECIFIED,
          numberOfSubpartitions: parallelismOf(graph, edge.target_vertex_id ?? ''),
        }),
      );
      descriptors.push({
        attemptId: { jobId, vertexId, subtaskIndex, attempt },
        jobName: graph.job_name ?? '',
        graph,
        vertexName: vertex.name ?? '',
        parallelism,
        maxParallelism: maxParallelismOf(graph, vertexId),
        allocationId: allocation.allocationId,
        slot: slots[subtaskIndex],
        inputs,
        outputs,
      });
    }
  }
  return descriptors;
}
