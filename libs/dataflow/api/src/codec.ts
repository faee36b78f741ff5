import { mesoflow } from '@mesoflow/proto';
import { DataflowError, DataflowErrorCode } from './errors';

/** The protobuf bytes of a job graph, as `bin/mesoflow jobgraph -o job.graph` writes them. */
export function encodeJobGraph(graph: mesoflow.dataflow.v1.JobGraph.$Properties): Uint8Array {
  return mesoflow.dataflow.v1.JobGraph.encode(graph).finish();
}

/** A job graph from its protobuf bytes; throws `DECODE_FAILED` for bytes that are not one. Does not validate. */
export function decodeJobGraph(bytes: Uint8Array): mesoflow.dataflow.v1.JobGraph {
  try {
    return mesoflow.dataflow.v1.JobGraph.decode(bytes);
  } catch (cause) {
    throw new DataflowError(
      DataflowErrorCode.DECODE_FAILED,
      `${bytes.length} bytes are not a mesoflow.dataflow.v1.JobGraph: ${cause instanceof Error ? cause.message : String(cause)}`,
      [],
      { cause },
    );
  }
}
