import { inspect } from 'node:util';
import type { ConfigProblem } from './config-error';
import { describeSource, type ConfigSource } from './config-source';
import type { ConfigGroup, ConfigReader } from './option';
import type { OptionKind } from './option-types';
import { CONFIG_KEYS, optionDefinition, type ConfigKey, type ConfigValue } from './registry';

/** What masked views show instead of a sensitive value. */
export const MASK = '******';

/** An effective value and where it came from. */
export interface ResolvedValue {
  readonly value: unknown;
  readonly source: ConfigSource;
}

/** One row of {@link MesoflowConfig.toDisplay}: everything the web UI's configuration page shows, secrets masked. */
export interface ConfigDisplayEntry {
  readonly key: ConfigKey;
  /** The value as text ({@link MASK} for a set sensitive option); `undefined` when unset. */
  readonly value: string | undefined;
  /** Where the value came from; `undefined` when unset. */
  readonly source: ConfigSource | undefined;
  /** {@link describeSource} of `source`, or `unset`. */
  readonly sourceText: string;
  readonly group: ConfigGroup;
  readonly kind: OptionKind;
  readonly description: string;
  readonly sensitive: boolean;
  readonly masterOnly: boolean;
  readonly readers: readonly ConfigReader[];
}

/**
 * The effective, validated configuration: typed values with their sources. Sensitive values
 * are returned by {@link get} but never appear in {@link masked}, {@link toDisplay},
 * `toString`, `JSON.stringify` or `util.inspect`.
 *
 * Made by `loadConfig` or `createConfig`; immutable.
 */
export class MesoflowConfig {
  readonly #values: ReadonlyMap<ConfigKey, ResolvedValue>;
  /** Problems that did not stop loading, such as unknown keys (with a suggestion). */
  readonly warnings: readonly ConfigProblem[];
  /** The configuration file that was read, if one was found. */
  readonly confFile: string | undefined;

  /** @internal Use `loadConfig` or `createConfig`; `values` must be validated already. */
  constructor(values: ReadonlyMap<ConfigKey, ResolvedValue>, warnings: readonly ConfigProblem[], confFile: string | undefined) {
    this.#values = new Map(values);
    this.warnings = Object.freeze([...warnings]);
    this.confFile = confFile;
    Object.freeze(this);
  }

  /** The typed value of `key`: its type follows from the key; `undefined` only for unset options without a default. */
  get<K extends ConfigKey>(key: K): ConfigValue<K> {
    return this.#values.get(key)?.value as ConfigValue<K>;
  }

  /** Where the value of `key` came from; `undefined` when the option is unset. */
  source(key: ConfigKey): ConfigSource | undefined {
    return this.#values.get(key)?.source;
  }

  /** Whether `key` has a value (set by a source or by default). */
  has(key: ConfigKey): boolean {
    return this.#values.has(key);
  }

  /** The options that have a value, in registry order, with their sources (sensitive values included: do not log). */
  entries(): Array<{ readonly key: ConfigKey } & ResolvedValue> {
    return CONFIG_KEYS.flatMap((key) => {
      const resolved = this.#values.get(key);
      return resolved === undefined ? [] : [{ key, ...resolved }];
    });
  }

  /** The value of `key` as conf-file text, masked when sensitive; `undefined` when unset. */
  display(key: ConfigKey): string | undefined {
    const resolved = this.#values.get(key);
    if (resolved === undefined) return undefined;
    const definition = optionDefinition(key);
    return definition.sensitive ? MASK : definition.type.format(resolved.value);
  }

  /** Every set option as text, sensitive ones as {@link MASK}; what logs and `JSON.stringify` show. */
  masked(): Record<string, string> {
    const view: Record<string, string> = {};
    for (const key of CONFIG_KEYS) {
      const text = this.display(key);
      if (text !== undefined) view[key] = text;
    }
    return view;
  }

  /** Every option of the registry, set or not, with source and documentation; secrets masked. */
  toDisplay(): ConfigDisplayEntry[] {
    return CONFIG_KEYS.map((key) => {
      const definition = optionDefinition(key);
      const source = this.source(key);
      return {
        key,
        value: this.display(key),
        source,
        sourceText: source === undefined ? 'unset' : describeSource(source),
        group: definition.group,
        kind: definition.type.kind,
        description: definition.description,
        sensitive: definition.sensitive,
        masterOnly: definition.masterOnly,
        readers: definition.readers,
      };
    });
  }

  /** The masked view. */
  toJSON(): Record<string, string> {
    return this.masked();
  }

  /** `MesoflowConfig { key: value, … }`, masked. */
  toString(): string {
    const body = Object.entries(this.masked()).map(([key, value]) => `${key}: ${value}`).join(', ');
    return `MesoflowConfig { ${body} }`;
  }

  /** What `util.inspect` and `console.log` show: the masked view. */
  [inspect.custom](depth: number, options: Parameters<typeof inspect>[1]): string {
    return `MesoflowConfig ${inspect(this.masked(), { ...options, depth })}`;
  }
}
