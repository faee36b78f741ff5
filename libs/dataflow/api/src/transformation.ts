// The program as declared, before compilation: one node per API call that makes an operator,
// in declaration order. Internal to the library; `compile.ts` turns it into a JobGraph.
import { mesoflow } from '@mesoflow/proto';
import type { UserFunction } from './functions';
import type { WindowAssigner } from './windows';
import { DataflowError, DataflowErrorCode } from './errors';

/** The highest max parallelism (Flink's bound: key groups are 15 bits). */
export const MAX_MAX_PARALLELISM = 32_768;

/** How a node reads one input, as the program asked. */
export type InputMode =
  /** FORWARD when the parallelism is equal, REBALANCE otherwise. */
  | 'AUTO'
  | 'HASH'
  | 'REBALANCE'
  | 'BROADCAST';

/** One input of a node. */
export interface NodeInput {
  readonly node: StreamNode;
  readonly mode: InputMode;
  readonly side: mesoflow.dataflow.v1.JoinSide;
}

/** How `generate` is bounded. */
export type GenerateBound =
  /**
   * Exactly `count` records, for sequence numbers 0..count-1; with `ratePerSecond`, at most
   * that many per second over all subtasks.
   */
  | { readonly count: number; readonly ratePerSecond?: number }
  /** Unbounded, about `ratePerSecond` records per second over all subtasks. */
  | { readonly ratePerSecond: number };

/** Parameters carried into the graph, by operator kind. */
export interface NodeParameters {
  readonly window?: WindowAssigner;
  readonly itemsJson?: string;
  readonly path?: string;
  readonly generate?: GenerateBound;
  readonly sum?: { readonly field: string } | { readonly selector: true };
  readonly maxOutOfOrdernessMs?: number;
}

/** One operator as declared. Mutable only through the operator's `name`, `uid` and `setParallelism`. */
export interface StreamNode {
  /** Declaration order within the environment, from 0. */
  readonly seq: number;
  readonly kind: mesoflow.dataflow.v1.OperatorKind;
  readonly inputs: readonly NodeInput[];
  readonly fn: UserFunction | undefined;
  readonly parameters: NodeParameters;
  /** Upper bound of the parallelism (1 for non-parallel sources). */
  readonly maxParallelism: number;
  name: string;
  uid: string | undefined;
  /** Set by `setParallelism`; else resolved at compile time. */
  parallelism: number | undefined;
}

/** The nodes of one environment, in declaration order. */
export class StreamGraphBuilder {
  private readonly declared: StreamNode[] = [];
  /** `collect()` sinks, to hand the records of an attached run to. */
  readonly collectors: { readonly node: StreamNode; deliver(values: readonly unknown[]): void }[] = [];

  get nodes(): readonly StreamNode[] {
    return this.declared;
  }

  add(node: Omit<StreamNode, 'seq' | 'uid' | 'parallelism' | 'maxParallelism'> & { maxParallelism?: number }): StreamNode {
    const created: StreamNode = {
      ...node,
      seq: this.declared.length,
      uid: undefined,
      parallelism: undefined,
      maxParallelism: node.maxParallelism ?? MAX_MAX_PARALLELISM,
    };
    this.declared.push(created);
    return created;
  }
}

/** Checks a parallelism given to the API; `what` names the thing in the message. */
export function checkParallelism(what: string, value: number, max = MAX_MAX_PARALLELISM): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new DataflowError(
      DataflowErrorCode.INVALID_ARGUMENT,
      `${what} must be a whole number from 1 to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** The readable name of an operator kind, e.g. `FLAT_MAP`. */
export function kindName(kind: mesoflow.dataflow.v1.OperatorKind): string {
  return mesoflow.dataflow.v1.OperatorKind[kind] ?? `unknown kind ${kind}`;
}
