import { parseDuration, type Duration, type DurationUnit } from './duration';
import { MemorySize, parseMemorySize, type MemoryUnit } from './memory-size';
import { parsed, rejected, type ParseResult } from './parse-result';

/** The families of option types; the documentation and the UI group by these. */
export type OptionKind =
  | 'string'
  | 'integer'
  | 'port'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'duration'
  | 'memory'
  | 'list'
  | 'key-value-list'
  | 'volumes';

/**
 * How one option's raw text becomes a typed value and back.
 * `parse` receives the raw text (every source gives text) and `shown`, the way a rejection
 * names the value (`'six'`, or `the value` for sensitive options).
 */
export interface OptionType<T> {
  /** The family, e.g. `duration`. */
  readonly kind: OptionKind;
  /** A short name for the reference table, e.g. `integer (0–65535)`. */
  readonly name: string;
  /** What a valid value looks like, used after "expected" in problems, e.g. `a port number (0–65535)`. */
  readonly expected: string;
  /** How a bare value is read, when the type has a unit, e.g. `a bare number is seconds`. */
  readonly bareUnitNote?: string;
  /** Parses raw text. */
  parse(raw: string, shown: string): ParseResult<T>;
  /** Writes a value back as text that {@link parse} accepts (conf files, the UI). */
  format(value: T): string;
}

/** An extra check on a parsed value: a rejection reason, or `undefined` when the value is fine. */
export type ValueCheck<T> = (value: T, shown: string) => string | undefined;

/** Options of {@link stringType}. */
export interface StringTypeOptions {
  /** What a valid value looks like. @default 'a string' */
  expected?: string;
  /** An extra check on the text. */
  check?: ValueCheck<string>;
}

/** Free text, optionally checked (addresses, URLs, paths). The text is kept as given. */
export function stringType(options: StringTypeOptions = {}): OptionType<string> {
  const { expected = 'a string', check } = options;
  return {
    kind: 'string',
    name: 'string',
    expected,
    parse: (raw, shown) => {
      const reason = check?.(raw, shown);
      return reason === undefined ? parsed(raw) : rejected(reason);
    },
    format: (value) => value,
  };
}

const INTEGER_PATTERN = /^[+-]?\d+$/;
const NUMBER_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Bounds of {@link integerType} and {@link numberType} (inclusive). */
export interface RangeOptions {
  min?: number;
  max?: number;
  /** What a valid value looks like; defaults to a sentence built from the bounds. */
  expected?: string;
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min}–${max}`;
  if (min !== undefined) return `≥ ${min}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}

function checkRange(value: number, shown: string, min?: number, max?: number): string | undefined {
  if (min !== undefined && max !== undefined && (value < min || value > max)) return `${shown} is not between ${min} and ${max}`;
  if (min !== undefined && value < min) return `${shown} is less than ${min}`;
  if (max !== undefined && value > max) return `${shown} is greater than ${max}`;
  return undefined;
}

/** A whole number within optional bounds. */
export function integerType(options: RangeOptions = {}): OptionType<number> {
  const { min, max } = options;
  const range = rangeText(min, max);
  return {
    kind: 'integer',
    name: range === '' ? 'integer' : `integer (${range})`,
    expected: options.expected ?? (range === '' ? 'a whole number' : `a whole number (${range})`),
    parse: (raw, shown) => {
      const text = raw.trim();
      if (!INTEGER_PATTERN.test(text)) return rejected(`${shown} is not a whole number`);
      const value = Number(text);
      if (!Number.isSafeInteger(value)) return rejected(`${shown} is too large`);
      const reason = checkRange(value, shown, min, max);
      return reason === undefined ? parsed(value) : rejected(reason);
    },
    format: (value) => String(value),
  };
}

/** Options of {@link portType}. */
export interface PortTypeOptions {
  /** The lowest port accepted: 1 for ports that must be fixed (no free-port pick). @default 0 */
  min?: 0 | 1;
}

/** A TCP port, 0–65535 (0 lets the operating system pick a free port), or 1–65535 with `min: 1`. */
export function portType(options: PortTypeOptions = {}): OptionType<number> {
  const range = `${options.min ?? 0}–65535`;
  const integer = integerType({ min: options.min ?? 0, max: 65535, expected: `a port number (${range})` });
  return { ...integer, kind: 'port', name: `port (${range})` };
}

/** A decimal number within optional bounds (no `NaN`, `Infinity` or hexadecimal). */
export function numberType(options: RangeOptions = {}): OptionType<number> {
  const { min, max } = options;
  const range = rangeText(min, max);
  return {
    kind: 'number',
    name: range === '' ? 'number' : `number (${range})`,
    expected: options.expected ?? (range === '' ? 'a number' : `a number (${range})`),
    parse: (raw, shown) => {
      const text = raw.trim();
      if (!NUMBER_PATTERN.test(text)) return rejected(`${shown} is not a number`);
      const value = Number(text);
      if (!Number.isFinite(value)) return rejected(`${shown} is too large`);
      const reason = checkRange(value, shown, min, max);
      return reason === undefined ? parsed(value) : rejected(reason);
    },
    format: (value) => String(value),
  };
}

/** `true` or `false`, in any letter case (like Flink; `yes`, `1` and `on` are rejected). */
export function booleanType(): OptionType<boolean> {
  return {
    kind: 'boolean',
    name: 'boolean',
    expected: 'true or false',
    parse: (raw, shown) => {
      const text = raw.trim().toLowerCase();
      if (text === 'true') return parsed(true);
      if (text === 'false') return parsed(false);
      return rejected(`${shown} is not a boolean`);
    },
    format: (value) => String(value),
  };
}

/** One of fixed values, matched in any letter case and returned as written here. */
export function enumType<const V extends readonly [string, ...string[]]>(values: V): OptionType<V[number]> {
  const list = values.join(', ');
  return {
    kind: 'enum',
    name: `enum (${values.join(' | ')})`,
    expected: `one of ${list}`,
    parse: (raw, shown) => {
      const text = raw.trim().toLowerCase();
      const value = values.find((v) => v.toLowerCase() === text);
      return value === undefined ? rejected(`${shown} is not one of ${list}`) : parsed(value);
    },
    format: (value) => value,
  };
}

const DURATION_UNIT_WORDS: Readonly<Record<DurationUnit, string>> = {
  ms: 'milliseconds', s: 'seconds', min: 'minutes', h: 'hours', d: 'days',
};

/** Options of {@link durationType}. */
export interface DurationTypeOptions {
  /** The shortest duration accepted. @default none (0 is accepted) */
  min?: Duration;
}

/** A length of time (`10 s`, `5000 ms`, `2 min`, `1h`); a bare number is in `bareUnit`. */
export function durationType(bareUnit: DurationUnit, options: DurationTypeOptions = {}): OptionType<Duration> {
  const { min } = options;
  const bareUnitNote = `a bare number is ${DURATION_UNIT_WORDS[bareUnit]}`;
  const atLeast = min === undefined ? '' : `, at least ${min.toString()}`;
  return {
    kind: 'duration',
    name: 'duration',
    expected: `a duration such as 10 s, 5000 ms, 2 min or 1 h${atLeast}; ${bareUnitNote}`,
    bareUnitNote,
    parse: (raw, shown) => {
      const result = parseDuration(raw, bareUnit, shown);
      if (result.ok && min !== undefined && result.value.milliseconds < min.milliseconds) return rejected(`${shown} is shorter than ${min.toString()}`);
      return result;
    },
    format: (value) => value.toString(),
  };
}

const MEMORY_UNIT_WORDS: Readonly<Record<MemoryUnit, string>> = {
  b: 'bytes', k: 'kilobytes', m: 'megabytes', g: 'gigabytes', t: 'terabytes',
};

/** Options of {@link memoryType}. */
export interface MemoryTypeOptions {
  /** The unit of a bare number (`1024`). */
  bareUnit: MemoryUnit;
  /** The smallest accepted size in bytes. @default 0 */
  minBytes?: number;
}

/** An amount of memory or disk (`1024m`, `4g`, `3500mb`, `1 gb`); a bare number is in `bareUnit`. */
export function memoryType(options: MemoryTypeOptions): OptionType<MemorySize> {
  const { bareUnit, minBytes = 0 } = options;
  const bareUnitNote = `a bare number is ${MEMORY_UNIT_WORDS[bareUnit]}`;
  return {
    kind: 'memory',
    name: 'memory size',
    expected: `a memory size such as 1024m, 4g or 1 gb; ${bareUnitNote}`,
    bareUnitNote,
    parse: (raw, shown) => {
      const result = parseMemorySize(raw, bareUnit, shown);
      if (result.ok && result.value.bytes < minBytes) return rejected(`${shown} is less than the minimum of ${MemorySize.of(minBytes, 'b').toString()}`);
      return result;
    },
    format: (value) => value.toString(),
  };
}

/** Splits a comma-separated list, trimming entries and dropping empty ones. */
export function splitList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Options of {@link listType}. */
export interface ListTypeOptions {
  /** What a valid value looks like. @default 'a comma-separated list' */
  expected?: string;
  /** A check on each entry; the reason names the entry. */
  checkEntry?: (entry: string) => string | undefined;
}

/** A comma-separated list of text entries (`a,b,c`); an empty value is an empty list. */
export function listType(options: ListTypeOptions = {}): OptionType<readonly string[]> {
  const { expected = 'a comma-separated list', checkEntry } = options;
  return {
    kind: 'list',
    name: 'list',
    expected,
    parse: (raw, shown) => {
      const entries = splitList(raw);
      const reasons = entries.flatMap((entry) => checkEntry?.(entry) ?? []);
      if (reasons.length > 0) return rejected(`${shown}: ${reasons.join('; ')}`);
      return parsed(Object.freeze(entries));
    },
    format: (value) => value.join(','),
  };
}

/** One entry of a key/value list option. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/** A comma-separated list of `key<separator>value` pairs; the value may contain the separator. */
export function keyValueListType(separator: ':' | '='): OptionType<readonly KeyValue[]> {
  const example = `k1${separator}v1,k2${separator}v2`;
  return {
    kind: 'key-value-list',
    name: `key${separator}value list`,
    expected: `a comma-separated list of key${separator}value pairs, e.g. ${example}`,
    parse: (raw, shown) => {
      const pairs: KeyValue[] = [];
      const bad: string[] = [];
      for (const entry of splitList(raw)) {
        const at = entry.indexOf(separator);
        const key = at < 0 ? '' : entry.slice(0, at).trim();
        if (key === '') bad.push(entry);
        else pairs.push(Object.freeze({ key, value: entry.slice(at + 1).trim() }));
      }
      if (bad.length > 0) {
        const entries = bad.map((b) => `'${b}'`).join(', ');
        return rejected(`${shown} has ${bad.length === 1 ? 'an entry' : 'entries'} that ${bad.length === 1 ? 'is' : 'are'} not key${separator}value: ${entries}`);
      }
      return parsed(Object.freeze(pairs));
    },
    format: (value) => value.map(({ key, value: v }) => `${key}${separator}${v}`).join(','),
  };
}

/** Access mode of a {@link VolumeSpec}. */
export type VolumeMode = 'RO' | 'RW';

/** One volume of `mesos.resourcemanager.tasks.container.volumes`: `[host_path:]container_path[:RO|RW]`. */
export interface VolumeSpec {
  /** The path on the agent; absent when the volume is only a container path. */
  readonly hostPath?: string;
  readonly containerPath: string;
  /** @default 'RW' */
  readonly mode: VolumeMode;
}

function parseVolume(entry: string): VolumeSpec | undefined {
  const parts = entry.split(':').map((p) => p.trim());
  const last = parts[parts.length - 1]?.toUpperCase();
  const mode: VolumeMode | undefined = last === 'RO' || last === 'RW' ? last : undefined;
  const paths = mode === undefined ? parts : parts.slice(0, -1);
  if (paths.length === 0 || paths.length > 2 || paths.some((p) => p === '')) return undefined;
  const [first = '', second] = paths;
  const spec = second === undefined ? { containerPath: first, mode: mode ?? 'RW' } : { hostPath: first, containerPath: second, mode: mode ?? 'RW' };
  return Object.freeze(spec);
}

/** A comma-separated list of volumes, `[host_path:]container_path[:RO|RW]` each. */
export function volumesType(): OptionType<readonly VolumeSpec[]> {
  return {
    kind: 'volumes',
    name: 'volume list',
    expected: 'a comma-separated list of [host_path:]container_path[:RO|RW], e.g. /data:/data:RO',
    parse: (raw, shown) => {
      const volumes: VolumeSpec[] = [];
      const bad: string[] = [];
      for (const entry of splitList(raw)) {
        const volume = parseVolume(entry);
        if (volume === undefined) bad.push(entry);
        else volumes.push(volume);
      }
      if (bad.length > 0) return rejected(`${shown} has volumes that cannot be read: ${bad.map((b) => `'${b}'`).join(', ')}`);
      return parsed(Object.freeze(volumes));
    },
    format: (value) =>
      value.map((v) => [v.hostPath, v.containerPath, v.mode].filter((p) => p !== undefined).join(':')).join(','),
  };
}
