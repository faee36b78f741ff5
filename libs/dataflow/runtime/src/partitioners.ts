// Which consumer subtask(s) a record goes to over one edge.
import { mesoflow } from '@mesoflow/proto';
import { RuntimeError, RuntimeErrorCode } from './errors';
import { subtaskForKey } from './hash';
import type { StreamRecord } from './records';

const { Partitioning } = mesoflow.dataflow.v1;

/** The targets of one record among `consumers` subtasks (an empty list drops nothing: every partitioner returns at least one). */
export type Partitioner = (record: StreamRecord) => readonly number[];

/** What a partitioner needs to know about the edge's two ends. */
export interface PartitionerOptions {
  readonly partitioning: mesoflow.dataflow.v1.Partitioning;
  /** This (producer) subtask. */
  readonly subtaskIndex: number;
  /** The consumer vertex's parallelism. */
  readonly consumers: number;
  /** The consumer vertex's max parallelism: the number of key groups. */
  readonly maxParallelism: number;
}

/** A partitioner for FORWARD, HASH, REBALANCE or BROADCAST. */
export function partitioner({ partitioning, subtaskIndex, consumers, maxParallelism }: PartitionerOptions): Partitioner {
  switch (partitioning) {
    case Partitioning.FORWARD: {
      const same = [subtaskIndex];
      return () => same;
    }
    case Partitioning.HASH:
      return (record) => {
        if (record.key === undefined) {
          throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, 'A record reached a HASH edge without a key; the edge must leave a KEY_BY');
        }
        return [subtaskForKey(record.key, maxParallelism, consumers)];
      };
    case Partitioning.REBALANCE: {
      // Producers start at different consumers so that a few records spread too.
      let next = subtaskIndex % consumers;
      return () => {
        const target = next;
        next = (next + 1) % consumers;
        return [target];
      };
    }
    case Partitioning.BROADCAST: {
      const all = Array.from({ length: consumers }, (_, i) => i);
      return () => all;
    }
    case Partitioning.PARTITIONING_UNSPECIFIED:
      throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, 'An edge has no partitioning');
  }
}
