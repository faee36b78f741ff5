import { parsed, rejected, type ParseResult } from './parse-result';

/** A unit a {@link Duration} can be written in. */
export type DurationUnit = 'ms' | 's' | 'min' | 'h' | 'd';

const UNIT_MS: Readonly<Record<DurationUnit, number>> = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** Spellings accepted after the number, as in Flink (`10 s`, `5000 ms`, `2 min`, `1h`, `3 days`). */
const UNIT_ALIASES: Readonly<Record<string, DurationUnit>> = {
  ms: 'ms', milli: 'ms', millis: 'ms', millisecond: 'ms', milliseconds: 'ms',
  s: 's', sec: 's', secs: 's', second: 's', seconds: 's',
  m: 'min', min: 'min', mins: 'min', minute: 'min', minutes: 'min',
  h: 'h', hour: 'h', hours: 'h',
  d: 'd', day: 'd', days: 'd',
};

/** Largest unit first, for printing a duration in the largest unit that divides it exactly. */
const UNITS_DESCENDING: readonly DurationUnit[] = ['d', 'h', 'min', 's', 'ms'];

/** A non-negative length of time with millisecond precision (the type of every duration option). */
export class Duration {
  private constructor(
    /** The length in milliseconds (a whole number). */
    readonly milliseconds: number,
  ) {}

  /** A duration of `amount` units; `amount` must give a whole, non-negative number of milliseconds. */
  static of(amount: number, unit: DurationUnit): Duration {
    const ms = amount * UNIT_MS[unit];
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`${amount} ${unit} is not a whole, non-negative number of milliseconds`);
    return new Duration(ms);
  }

  /** The length in seconds (may be fractional). */
  get seconds(): number {
    return this.milliseconds / 1_000;
  }

  /** The length in `unit`s (may be fractional). */
  to(unit: DurationUnit): number {
    return this.milliseconds / UNIT_MS[unit];
  }

  /** The duration in the largest unit that divides it exactly, e.g. `5 s`, `2 min`, `7 d`, `0`. */
  toString(): string {
    if (this.milliseconds === 0) return '0';
    const unit = UNITS_DESCENDING.find((u) => this.milliseconds % UNIT_MS[u] === 0) ?? 'ms';
    return `${this.milliseconds / UNIT_MS[unit]} ${unit}`;
  }

  /** Serialises as {@link toString}, so JSON views show `5 s` rather than an object. */
  toJSON(): string {
    return this.toString();
  }
}

const DURATION_PATTERN = /^(\d+)\s*([a-z]*)$/i;

/**
 * Parses a duration the way Flink writes them: a whole number followed by an optional unit
 * (`10 s`, `5000 ms`, `2 min`, `1h`, `3 days`); a bare number is in `bareUnit`.
 * @param shown how to name the value in a rejection, e.g. `'10 parsecs'`.
 */
export function parseDuration(text: string, bareUnit: DurationUnit, shown: string): ParseResult<Duration> {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return rejected(`${shown} is not a duration`);
  const [, digits = '', spelled = ''] = match;
  const unit = spelled === '' ? bareUnit : UNIT_ALIASES[spelled.toLowerCase()];
  if (unit === undefined) return rejected(`${shown} has an unknown time unit '${spelled}'`);
  const amount = Number(digits);
  const ms = amount * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms)) return rejected(`${shown} is too long`);
  return parsed(Duration.of(amount, unit));
}
