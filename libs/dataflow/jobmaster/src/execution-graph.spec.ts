import { mesoflow } from '@mesoflow/proto';
import type { AllocatedSlot, SlotAllocation } from '@mesoflow/resourcemanager-client';
import { isJobMasterError, JobMasterErrorCode } from './errors';
import { buildDeploymentDescriptors, slotOrder, slotsNeeded, type TaskDeploymentDescriptor } from './execution-graph';
import { windowJoinGraph, wordCountGraph } from './testing/graphs';

const { JoinSide, Partitioning } = mesoflow.dataflow.v1;

const slot = (taskManagerId: string, slotIndex: number): AllocatedSlot => ({
  taskManagerId,
  rpcAddress: `${taskManagerId}:6122`,
  dataAddress: `${taskManagerId}:6121`,
  slotIndex,
});

// As a resource manager may hand them out: bunched by TaskManager, not in index order.
const allocation = (slots: AllocatedSlot[]): SlotAllocation => ({ allocationId: 'job-1-attempt-0', jobId: 'job-1', slots, withdrawn: [], allocatedAtMs: 0 });
const THREE_SLOTS = allocation([slot('tm-a', 1), slot('tm-a', 0), slot('tm-b', 0)]);

const byVertexName = (descriptors: TaskDeploymentDescriptor[], name: string): TaskDeploymentDescriptor[] =>
  descriptors.filter((d) => d.vertexName === name).sort((a, b) => a.attemptId.subtaskIndex - b.attemptId.subtaskIndex);

describe('slotsNeeded', () => {
  it('is the widest vertex, since one slot hosts one subtask of each vertex', () => {
    expect(slotsNeeded(wordCountGraph(3))).toBe(3);
    expect(slotsNeeded(windowJoinGraph(4))).toBe(4);
    expect(slotsNeeded(wordCountGraph(1))).toBe(1);
  });

  it('refuses a graph without vertices', () => {
    expect(() => slotsNeeded({ job_name: 'empty', vertices: [] })).toThrow("Job 'empty' has no vertices");
  });
});

describe('slotOrder', () => {
  it('goes round-robin over TaskManagers, each by slot index', () => {
    const order = slotOrder([slot('tm-b', 1), slot('tm-a', 2), slot('tm-a', 0), slot('tm-b', 0), slot('tm-a', 1)]);
    expect(order.map((s) => `${s.taskManagerId}#${s.slotIndex}`)).toEqual(['tm-a#0', 'tm-b#0', 'tm-a#1', 'tm-b#1', 'tm-a#2']);
  });
});

describe('buildDeploymentDescriptors', () => {
  it('wires WordCount: one descriptor per subtask, spread over TaskManagers, with producers and consumer counts', () => {
    const graph = wordCountGraph(3);
    const descriptors = buildDeploymentDescriptors({ jobId: 'job-1', graph, allocation: THREE_SLOTS, attempt: 0 });
    expect(descriptors).toHaveLength(1 + 3 + 3);
    // Producers first: graph (topological) order, subtasks ascending.
    expect(descriptors.map((d) => `${d.vertexName}/${d.attemptId.subtaskIndex}`)).toEqual([
      'Source: Collection/0',
      'Flat Map -> Key By/0',
      'Flat Map -> Key By/1',
      'Flat Map -> Key By/2',
      'Keyed Sum -> Sink: Collect/0',
      'Keyed Sum -> Sink: Collect/1',
      'Keyed Sum -> Sink: Collect/2',
    ]);

    const [source] = byVertexName(descriptors, 'Source: Collection');
    const flatMaps = byVertexName(descriptors, 'Flat Map -> Key By');
    const sums = byVertexName(descriptors, 'Keyed Sum -> Sink: Collect');
    // Subtask i of every vertex in slot i of the round-robin order: a vertex spans both TaskManagers.
    expect(flatMaps.map((d) => `${d.slot.taskManagerId}#${d.slot.slotIndex}`)).toEqual(['tm-a#0', 'tm-b#0', 'tm-a#1']);
    expect(sums.map((d) => `${d.slot.taskManagerId}#${d.slot.slotIndex}`)).toEqual(['tm-a#0', 'tm-b#0', 'tm-a#1']);
    expect(source.slot).toEqual(slot('tm-a', 0));

    expect(source.inputs).toEqual([]);
    expect(source.outputs).toEqual([
      {
        edgeIndex: 0,
        partitionId: { jobId: 'job-1', vertexId: source.attemptId.vertexId, subtaskIndex: 0, attempt: 0, outputIndex: 0 },
        targetVertexId: flatMaps[0].attemptId.vertexId,
        partitioning: Partitioning.REBALANCE,
        numberOfSubpartitions: 3,
      },
    ]);

    const sum1 = sums[1];
    expect(sum1.attemptId).toEqual({ jobId: 'job-1', vertexId: sums[0].attemptId.vertexId, subtaskIndex: 1, attempt: 0 });
    expect(sum1.outputs).toEqual([]);
    expect(sum1.inputs).toHaveLength(1);
    const [gate] = sum1.inputs;
    expect(gate.partitioning).toBe(Partitioning.HASH);
    expect(gate.consumedSubpartition).toBe(1);
    expect(gate.sourceVertexId).toBe(flatMaps[0].attemptId.vertexId);
    expect(gate.producers).toEqual(
      flatMaps.map((producer) => ({
        partitionId: { ...producer.attemptId, outputIndex: 0 },
        taskManagerId: producer.slot.taskManagerId,
        dataAddress: producer.slot.dataAddress,
      })),
    );
    // What a consumer reads is exactly what the producers write.
    for (const producer of flatMaps) {
      expect(gate.producers[producer.attemptId.subtaskIndex].partitionId).toEqual(producer.outputs[0].partitionId);
      expect(producer.outputs[0].numberOfSubpartitions).toBe(3);
    }
    expect(descriptors.every((d) => d.allocationId === 'job-1-attempt-0' && d.jobName === 'WordCount' && d.graph === graph)).toBe(true);
    expect(flatMaps[0]).toMatchObject({ parallelism: 3, maxParallelism: 128 });
  });

  it('wires WindowJoin: the join reads LEFT and RIGHT from both keyed sides', () => {
    const graph = windowJoinGraph(2);
    const descriptors = buildDeploymentDescriptors({ jobId: 'job-1', graph, allocation: THREE_SLOTS, attempt: 4 });
    expect(descriptors).toHaveLength(1 + 2 + 1 + 2 + 2);
    expect(descriptors.every((d) => d.attemptId.attempt === 4)).toBe(true);
    const joins = byVertexName(descriptors, 'Window Join -> Sink: Collect');
    const sides = byVertexName(descriptors, 'Timestamps/Watermarks -> Key By');
    expect(joins).toHaveLength(2);
    for (const join of joins) {
      expect(join.inputs.map((i) => [i.edgeIndex, i.joinSide, i.partitioning, i.producers.length, i.consumedSubpartition])).toEqual([
        [0, JoinSide.LEFT, Partitioning.HASH, 2, join.attemptId.subtaskIndex],
        [1, JoinSide.RIGHT, Partitioning.HASH, 2, join.attemptId.subtaskIndex],
      ]);
      expect(join.inputs[0].sourceVertexId).not.toBe(join.inputs[1].sourceVertexId);
      for (const input of join.inputs) {
        expect(input.producers.map((p) => p.partitionId)).toEqual(
          sides.filter((s) => s.attemptId.vertexId === input.sourceVertexId).map((s) => s.outputs[0].partitionId),
        );
        expect(input.producers.map((p) => p.taskManagerId)).toEqual(['tm-a', 'tm-b']);
      }
    }
    // Two sources of parallelism 1 share slot 0 with subtask 0 of everything else.
    expect(byVertexName(descriptors, 'Source: Collection').map((d) => d.slot)).toEqual([slot('tm-a', 0), slot('tm-a', 0)]);
  });

  it('numbers the outputs of a vertex that feeds several vertices', () => {
    const graph: mesoflow.dataflow.v1.JobGraph.$Properties = {
      job_name: 'fan-out',
      vertices: [
        { id: 'src', name: 'Source', parallelism: 1, operators: [{ id: 'src' }] },
        { id: 'a', name: 'A', parallelism: 2, operators: [{ id: 'a' }] },
        { id: 'b', name: 'B', parallelism: 1, operators: [{ id: 'b' }] },
      ],
      edges: [
        { source_vertex_id: 'src', target_vertex_id: 'a', partitioning: Partitioning.REBALANCE },
        { source_vertex_id: 'src', target_vertex_id: 'b', partitioning: Partitioning.BROADCAST },
      ],
    };
    const descriptors = buildDeploymentDescriptors({ jobId: 'j', graph, allocation: THREE_SLOTS, attempt: 0 });
    const [src] = byVertexName(descriptors, 'Source');
    expect(src.outputs.map((o) => [o.edgeIndex, o.targetVertexId, o.numberOfSubpartitions, o.partitionId.outputIndex])).toEqual([
      [0, 'a', 2, 0],
      [1, 'b', 1, 1],
    ]);
    expect(byVertexName(descriptors, 'B')[0].inputs[0].producers[0].partitionId.outputIndex).toBe(1);
    expect(byVertexName(descriptors, 'A')[1].inputs[0].producers[0].partitionId.outputIndex).toBe(0);
  });

  it('refuses an allocation with fewer slots than the widest vertex', () => {
    let error: unknown;
    try {
      buildDeploymentDescriptors({ jobId: 'job-1', graph: wordCountGraph(4), allocation: THREE_SLOTS, attempt: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(isJobMasterError(error, JobMasterErrorCode.NOT_ENOUGH_SLOTS)).toBe(true);
    expect((error as Error).message).toBe(
      "Job 'job-1' needs 4 slot(s) (its widest vertex's parallelism) but allocation 'job-1-attempt-0' has 3",
    );
  });
});
