import type { OptionType } from './option-types';

/** The processes that read options; the reference lists them per option. */
export const CONFIG_READERS = [
  'scheduler',
  'taskmanager',
  'artifact-server',
  'config-overlay',
  'dispatcher-gateway',
  'cli',
] as const;

/** A process that reads an option (one of {@link CONFIG_READERS}). */
export type ConfigReader = (typeof CONFIG_READERS)[number];

/** The sections of the option reference, in the order they are printed. */
export const CONFIG_GROUPS = [
  'Mesos',
  'Mesos TaskManager',
  'Artifact server',
  'JobManager',
  'TaskManager',
  'REST',
  'Dispatcher',
  'High availability',
  'Redis',
  'Security',
  'Internal',
] as const;

/** A section of the option reference (one of {@link CONFIG_GROUPS}). */
export type ConfigGroup = (typeof CONFIG_GROUPS)[number];

/** What an option declaration says, as written in the registry. */
export interface OptionSpec<T> {
  /** How the value is parsed and printed. */
  type: OptionType<T>;
  /** The value used when no source sets the option; absent when the option has none. */
  default?: NoInfer<T>;
  /** One or two sentences for the reference and the UI. */
  description: string;
  /** The reference section. */
  group: ConfigGroup;
  /** Processes that read it. */
  readers: readonly ConfigReader[];
  /** Whether the value is secret: masked in every view, never repeated in problems. @default false */
  sensitive?: boolean;
  /** Whether only the application master needs it (TaskManagers do not inherit it). @default false */
  masterOnly?: boolean;
  /** Processes that refuse to start while the option is unset. @default [] */
  requiredBy?: readonly ConfigReader[];
  /** What a valid value looks like, when the type's own wording is too vague, e.g. `a positive number of CPUs, e.g. 1.5`. */
  expected?: string;
}

/**
 * One registry entry, as the rest of the library sees it. `HasDefault` records in the type
 * whether a default exists, so `config.get` returns `T` or `T | undefined` accordingly.
 */
export interface OptionDefinition<T, HasDefault extends boolean = boolean> {
  readonly type: OptionType<T>;
  /** The default value (`undefined` when there is none). */
  readonly default: HasDefault extends true ? T : T | undefined;
  readonly hasDefault: HasDefault;
  readonly description: string;
  readonly group: ConfigGroup;
  readonly readers: readonly ConfigReader[];
  readonly sensitive: boolean;
  readonly masterOnly: boolean;
  readonly requiredBy: readonly ConfigReader[];
  /** What a valid value looks like, used after "expected" in problems. */
  readonly expected: string;
}

/** An option definition of any value type, for code that walks the registry. */
export type AnyOptionDefinition = OptionDefinition<unknown>;

/** Declares an option with a default: `config.get` returns its type without `undefined`. */
export function option<T>(spec: OptionSpec<T> & { default: NoInfer<T> }): OptionDefinition<T, true>;
/** Declares an option without a default: `config.get` may return `undefined`. */
export function option<T>(spec: OptionSpec<T>): OptionDefinition<T, false>;
export function option<T>(spec: OptionSpec<T>): OptionDefinition<T> {
  const hasDefault = spec.default !== undefined;
  return Object.freeze({
    type: spec.type,
    default: spec.default,
    hasDefault,
    description: spec.description,
    group: spec.group,
    readers: Object.freeze([...spec.readers]),
    sensitive: spec.sensitive ?? false,
    masterOnly: spec.masterOnly ?? false,
    requiredBy: Object.freeze([...(spec.requiredBy ?? [])]),
    expected: spec.expected ?? spec.type.expected,
  });
}
