import { ConfigError, ConfigErrorCode, type ConfigProblem } from './config-error';

/** One `-Dkey=value` argument. */
export interface DynamicProperty {
  readonly key: string;
  readonly value: string;
}

/** What {@link parseDynamicProperties} returns. */
export interface ParsedArguments {
  /** The `-D` properties, in argument order (a later one for the same key wins). */
  readonly properties: readonly DynamicProperty[];
  /** Every other argument, in order. */
  readonly args: readonly string[];
}

/**
 * Takes the `-Dkey=value` and `-D key=value` arguments out of `argv` (Flink's dynamic
 * properties). Everything from a `--` argument on is left alone, so a program's own arguments
 * can follow it. Every malformed `-D` is reported at once in a {@link ConfigError}
 * (`INVALID_DYNAMIC_PROPERTY`); values are not shown, since they may be secrets.
 */
export function parseDynamicProperties(argv: readonly string[]): ParsedArguments {
  const properties: DynamicProperty[] = [];
  const args: string[] = [];
  const problems: ConfigProblem[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('-D')) {
      args.push(arg);
      continue;
    }
    let assignment = arg.slice(2);
    if (assignment === '') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) {
        problems.push({ kind: 'syntax', key: '-D', message: `argument ${i + 1}: -D must be followed by key=value` });
        continue;
      }
      assignment = next;
      i++;
    }
    const eq = assignment.indexOf('=');
    const key = eq < 0 ? assignment.trim() : assignment.slice(0, eq).trim();
    if (eq < 0 || key === '') {
      const shownKey = key === '' ? '' : ` ('${key}')`;
      problems.push({ kind: 'syntax', key: key || '-D', message: `argument ${i + 1}: -D${shownKey} is not key=value` });
      continue;
    }
    properties.push({ key, value: assignment.slice(eq + 1) });
  }
  if (problems.length > 0) throw new ConfigError(ConfigErrorCode.INVALID_DYNAMIC_PROPERTY, problems);
  return { properties, args };
}
