import { parsed, rejected, type ParseResult } from './parse-result';

/** A unit a {@link MemorySize} can be written in (binary multiples, as in Flink: `1k` = 1024 bytes). */
export type MemoryUnit = 'b' | 'k' | 'm' | 'g' | 't';

const UNIT_BYTES: Readonly<Record<MemoryUnit, number>> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

const UNIT_ALIASES: Readonly<Record<string, MemoryUnit>> = {
  b: 'b', byte: 'b', bytes: 'b',
  k: 'k', kb: 'k', kibibyte: 'k', kibibytes: 'k',
  m: 'm', mb: 'm', mebibyte: 'm', mebibytes: 'm',
  g: 'g', gb: 'g', gibibyte: 'g', gibibytes: 'g',
  t: 't', tb: 't', tebibyte: 't', tebibytes: 't',
};

const UNITS_DESCENDING: readonly MemoryUnit[] = ['t', 'g', 'm', 'k', 'b'];

/** An amount of memory or disk in bytes (the type of every memory-size option). */
export class MemorySize {
  private constructor(
    /** The size in bytes (a whole number). */
    readonly bytes: number,
  ) {}

  /** A size of `amount` units; must give a whole, non-negative number of bytes. */
  static of(amount: number, unit: MemoryUnit): MemorySize {
    const bytes = amount * UNIT_BYTES[unit];
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`${amount}${unit} is not a whole, non-negative number of bytes`);
    return new MemorySize(bytes);
  }

  /** The size in mebibytes (MB as Mesos counts `mem` and `disk`), rounded down. */
  get mebibytes(): number {
    return Math.floor(this.bytes / UNIT_BYTES.m);
  }

  /** The size in the largest unit that divides it exactly, Flink-style: `1024m` → `1g`, `3500m`, `0`. */
  toString(): string {
    if (this.bytes === 0) return '0';
    const unit = UNITS_DESCENDING.find((u) => this.bytes % UNIT_BYTES[u] === 0) ?? 'b';
    return `${this.bytes / UNIT_BYTES[unit]}${unit}`;
  }

  /** Serialises as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
}

const MEMORY_PATTERN = /^(\d+)\s*([a-z]*)$/i;

/**
 * Parses a memory size the way Flink writes them: a whole number and an optional unit
 * (`1024m`, `4g`, `3500mb`, `1 gb`); a bare number is in `bareUnit`.
 * @param shown how to name the value in a rejection, e.g. `'lots'`.
 */
export function parseMemorySize(text: string, bareUnit: MemoryUnit, shown: string): ParseResult<MemorySize> {
  const match = MEMORY_PATTERN.exec(text.trim());
  if (!match) return rejected(`${shown} is not a memory size`);
  const [, digits = '', spelled = ''] = match;
  const unit = spelled === '' ? bareUnit : UNIT_ALIASES[spelled.toLowerCase()];
  if (unit === undefined) return rejected(`${shown} has an unknown memory unit '${spelled}'`);
  const bytes = Number(digits) * UNIT_BYTES[unit];
  if (!Number.isSafeInteger(bytes)) return rejected(`${shown} is too large`);
  return parsed(MemorySize.of(Number(digits), unit));
}
