import type { TimeWindow } from './windows';

/**
 * A key as returned by a key selector. Kept to values whose hash is the same in every process
 * (TaskManagers hash keys to route records), so no objects.
 */
export type KeyValue = string | number | boolean | readonly (string | number | boolean)[];

/**
 * A user function as a TaskManager sees it: registered under its operator id, with its types
 * erased (the graph carries no types; the runtime hands each function what the upstream
 * operator produced). `kind` is the `OperatorKind` name of the operator it belongs to.
 */
export type UserFunction =
  | { readonly kind: 'SOURCE_GENERATE'; readonly fn: (index: number) => unknown }
  | { readonly kind: 'MAP'; readonly fn: (value: unknown) => unknown }
  | { readonly kind: 'FLAT_MAP'; readonly fn: (value: unknown) => Iterable<unknown> }
  | { readonly kind: 'FILTER'; readonly fn: (value: unknown) => boolean }
  | { readonly kind: 'KEY_BY'; readonly fn: (value: unknown) => KeyValue }
  | { readonly kind: 'REDUCE' | 'WINDOW_REDUCE'; readonly fn: (accumulator: unknown, value: unknown) => unknown }
  /** Only when the sum has a selector (`SumSpec.selector`); a field sum needs no function. */
  | { readonly kind: 'SUM' | 'WINDOW_SUM'; readonly fn: (value: unknown) => number }
  | {
      readonly kind: 'WINDOW_APPLY';
      readonly fn: (key: KeyValue, window: TimeWindow, values: readonly unknown[]) => Iterable<unknown>;
    }
  | { readonly kind: 'WINDOW_JOIN'; readonly fn: (left: unknown, right: unknown) => unknown }
  | { readonly kind: 'TIMESTAMPS_WATERMARKS'; readonly fn: (value: unknown) => number };

/** Operator id → user function, for every operator that has one. */
export type FunctionRegistry = ReadonlyMap<string, UserFunction>;
