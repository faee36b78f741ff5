// Stable operator ids. A TaskManager runs the same program bundle to get the user functions
// back, so every id must come out the same in every process that runs the program, and ideally
// stay the same when unrelated parts of the program change (so state and logs keep following
// an operator across versions of a job).
//
// The rule (Flink's StreamGraphHasher in spirit): an operator with a uid has that uid as its
// id. Any other operator's id is a hash of its kind, its inputs' ids (with join side) and its
// ordinal among the operators declared earlier with the same kind and the same inputs. So an
// id changes only when the operator itself or something upstream of it changes, and a uid
// stops the change from spreading further downstream.
import { createHash } from 'node:crypto';
import { mesoflow } from '@mesoflow/proto';
import { DataflowError, DataflowErrorCode } from './errors';
import { kindName, type StreamNode } from './transformation';

/** Hex digits of the hash kept in an id: 48 bits, collisions are checked anyway. */
const HASH_DIGITS = 12;

function slug(kind: mesoflow.dataflow.v1.OperatorKind): string {
  return kindName(kind).toLowerCase().replace(/_/g, '-');
}

/** Assigns every node its id; nodes must be in declaration order (inputs before consumers). */
export function assignOperatorIds(nodes: readonly StreamNode[]): ReadonlyMap<StreamNode, string> {
  const ids = new Map<StreamNode, string>();
  const ordinals = new Map<string, number>();
  const owners = new Map<string, StreamNode>();
  for (const node of nodes) {
    let id: string;
    if (node.uid !== undefined) {
      id = node.uid;
    } else {
      const inputs = node.inputs.map((input) => {
        const inputId = ids.get(input.node);
        if (inputId === undefined) throw new Error(`Operator ${node.seq} is declared before its input ${input.node.seq}`);
        return `${input.side}:${inputId}`;
      });
      const signature = `${kindName(node.kind)}(${inputs.join(',')})`;
      const ordinal = ordinals.get(signature) ?? 0;
      ordinals.set(signature, ordinal + 1);
      const digest = createHash('sha256').update(`${signature}#${ordinal}`).digest('hex');
      id = `${slug(node.kind)}-${digest.slice(0, HASH_DIGITS)}`;
    }
    const owner = owners.get(id);
    if (owner !== undefined) {
      throw new DataflowError(
        DataflowErrorCode.INVALID_PROGRAM,
        `Operators '${owner.name}' (#${owner.seq + 1}) and '${node.name}' (#${node.seq + 1}) have the same id '${id}'; ` +
          'give each operator a different uid',
      );
    }
    owners.set(id, node);
    ids.set(node, id);
  }
  return ids;
}
