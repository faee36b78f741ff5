import { resolve } from 'node:path';
import { ConfigError, ConfigErrorCode, type ConfigProblem } from './config-error';

const HOST_PORT = /^[^\s:[\]]+:\d{1,5}$|^\[[^\]]+\]:\d{1,5}$/;

/**
 * A process's own flags (`--flag value` or `--flag=value`), the arguments left after the `-D`
 * properties: how a service runs (its ports, folders, peers), as opposed to the Mesoflow options
 * it reads from the registry. Read each flag once with its typed reader, then call
 * {@link ProcessFlags.done}, which throws one {@link ConfigError} naming every problem: the flag,
 * the value and what was expected.
 */
export class ProcessFlags {
  private readonly given = new Map<string, string[]>();
  private readonly problems: ConfigProblem[] = [];

  /** @param known every flag the process takes, e.g. `['--grpc-port', '--lib-dir']` */
  constructor(args: readonly string[], known: readonly string[]) {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] ?? '';
      const [name = '', inline] = arg.split(/=(.*)/s, 2);
      if (!known.includes(name)) {
        this.problems.push({ kind: 'syntax', key: arg, message: `${arg}: unknown argument (expected -Dkey=value or one of ${known.join(', ')})` });
        continue;
      }
      const value = inline ?? args[++i];
      if (value === undefined) this.problems.push({ kind: 'missing', key: name, message: `${name}: has no value` });
      else this.given.set(name, [...(this.given.get(name) ?? []), value]);
    }
  }

  /** The last value given for `flag`; reports it missing (and returns '') when `required`. */
  text(flag: string, options: { required: true; expected: string }): string;
  text(flag: string, options?: { required?: false }): string | undefined;
  text(flag: string, options: { required?: boolean; expected?: string } = {}): string | undefined {
    return this.read(flag, options.required ? (options.expected ?? 'a value') : undefined) ?? (options.required ? '' : undefined);
  }

  /** The last value of `flag`; when absent and `requiredExpecting` is given, reports it missing. */
  private read(flag: string, requiredExpecting?: string): string | undefined {
    const value = this.given.get(flag)?.at(-1);
    if (value === undefined && requiredExpecting !== undefined) {
      this.problems.push({ kind: 'missing', key: flag, expected: requiredExpecting, message: `${flag}: is required (expected ${requiredExpecting})` });
    }
    return value;
  }

  /** Every value given for a repeatable flag, in order. */
  all(flag: string): string[] {
    return this.given.get(flag) ?? [];
  }

  /** A port in 1..65535, or 0..65535 when a `fallback` is given (0 picks a free port). */
  port(flag: string, fallback?: number): number {
    const text = this.read(flag, fallback === undefined ? 'a port number' : undefined);
    if (text === undefined) return fallback ?? 0;
    const value = Number(text);
    const lowest = fallback === undefined ? 1 : 0;
    if (!/^\d+$/.test(text) || value < lowest || value > 65_535) this.invalid(flag, text, `a port in ${lowest}..65535`);
    return value;
  }

  /** A whole number >= 0. */
  count(flag: string, fallback: number): number {
    const text = this.read(flag);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) this.invalid(flag, text, 'a whole number >= 0');
    return Number(text);
  }

  /** `host:port` (IPv6 hosts in brackets) of a peer; `expected` says which peer. */
  hostPort(flag: string, options: { required: true; expected: string }): string;
  hostPort(flag: string, options: { required?: false; expected: string }): string | undefined;
  hostPort(flag: string, options: { required?: boolean; expected: string }): string | undefined {
    const text = this.read(flag, options.required ? options.expected : undefined);
    if (text !== undefined && !HOST_PORT.test(text)) this.invalid(flag, text, options.expected);
    return text ?? (options.required ? '' : undefined);
  }

  /** A folder or file path, made absolute against the working directory. */
  path(flag: string, options: { required: true; expected: string }): string;
  path(flag: string, options?: { required?: false }): string | undefined;
  path(flag: string, options: { required?: boolean; expected?: string } = {}): string | undefined {
    const text = this.read(flag, options.required ? (options.expected ?? 'a path') : undefined);
    return text === undefined ? (options.required ? '' : undefined) : resolve(text);
  }

  /** Reports `value` of `flag` as not what was `expected`. */
  invalid(flag: string, value: string, expected: string): void {
    this.problems.push({ kind: 'invalid-value', key: flag, value, expected, message: `${flag}: '${value}' is not valid (expected ${expected})` });
  }

  /** @throws ConfigError `INVALID_CONFIGURATION` listing every problem found while reading. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(ConfigErrorCode.INVALID_CONFIGURATION, this.problems);
  }
}
