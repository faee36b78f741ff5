import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { RawSetting } from './config-source';
import { ConfigError, ConfigErrorCode, type ConfigProblem } from './config-error';

/** The configuration file's name inside the configuration folder. */
export const CONF_FILE_NAME = 'mesoflow-conf.yaml';

/** What {@link readConfFile} found. */
export interface ConfFile {
  /** The absolute path looked at. */
  readonly path: string;
  /** Whether the file exists (a missing file is not an error). */
  readonly found: boolean;
  /** The settings in file order, each with its line. */
  readonly settings: readonly RawSetting[];
}

/**
 * Reads `mesoflow-conf.yaml` from `confDir`. A missing file gives no settings; a file that
 * cannot be read or parsed throws a {@link ConfigError} naming the path and line.
 */
export function readConfFile(confDir: string): ConfFile {
  const filePath = path.resolve(confDir, CONF_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path: filePath, found: false, settings: [] };
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      ConfigErrorCode.UNREADABLE_FILE,
      [{ kind: 'syntax', key: filePath, message: `${filePath}: cannot be read: ${reason}` }],
      { cause: error },
    );
  }
  return { path: filePath, found: true, settings: parseConfText(text, filePath) };
}

/** Drops the ` at line L, column C:` excerpt the yaml library appends; we print the line ourselves. */
function shortReason(message: string): string {
  const at = message.search(/ at line \d+, column \d+/);
  return (at < 0 ? message : message.slice(0, at)).split('\n')[0] ?? message;
}

/**
 * Parses the text of a configuration file: flat `key: value` lines like Flink's
 * `flink-conf.yaml`. Nested maps are read as dotted keys (`mesos: {master: x}` is
 * `mesos.master`) and a sequence of scalars as a comma-separated list. All values are text;
 * the registry parses them.
 * @param filePath named in sources and problems.
 */
export function parseConfText(text: string, filePath: string): RawSetting[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: false, prettyErrors: false });
  const problems: ConfigProblem[] = [];
  const syntax = (line: number, reason: string): void => {
    problems.push({ kind: 'syntax', key: filePath, message: `${filePath}:${line}: ${reason}` });
  };
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;

  // The parser notices some errors only where they end (an unclosed quote at the end of the
  // file); name the line of the setting the error lies in, if any, as the user would look there.
  const topPairs = isMap(doc.contents) ? (doc.contents.items as Pair[]) : [];
  const errorLine = (offset: number): number => {
    const pair = topPairs.find((p) => {
      const start = (p.key as Node | null)?.range?.[0];
      const end = (p.value as Node | null)?.range?.[1];
      return start !== undefined && end !== undefined && start <= offset && offset <= end;
    });
    return pair === undefined ? lineCounter.linePos(offset).line : lineOf(pair.key as Node);
  };
  for (const error of doc.errors) syntax(errorLine(error.pos[0]), shortReason(error.message));
  if (problems.length > 0) throw new ConfigError(ConfigErrorCode.MALFORMED_FILE, problems);

  const settings: RawSetting[] = [];
  const firstLine = new Map<string, number>();
  const add = (key: string, textValue: string, line: number): void => {
    const earlier = firstLine.get(key);
    if (earlier !== undefined) syntax(line, `'${key}' is set twice (first on line ${earlier})`);
    else {
      firstLine.set(key, line);
      settings.push({ key, text: textValue, source: { kind: 'file', path: filePath, line } });
    }
  };
  const visit = (pairs: readonly Pair[], prefix: string): void => {
    for (const pair of pairs) {
      const keyNode = pair.key as Node | null;
      const line = lineOf(keyNode);
      if (!isScalar(keyNode) || String(keyNode.value).trim() === '') {
        syntax(line, 'expected a key: value line');
        continue;
      }
      const key = prefix + String(keyNode.value).trim();
      const value = pair.value as Node | null;
      if (value === null || value === undefined) add(key, '', line);
      else if (isScalar(value)) add(key, String(value.value), line);
      else if (isMap(value)) visit(value.items, `${key}.`);
      else if (isSeq(value)) {
        const items = value.items as (Node | null)[];
        if (items.every((item) => isScalar(item))) add(key, items.map((item) => String(item.value)).join(','), line);
        else syntax(line, `'${key}' must be a value or a list of values`);
      } else syntax(line, `'${key}' must be a value or a list of values`);
    }
  };

  const contents = doc.contents as Node | null;
  if (contents === null || (isScalar(contents) && String(contents.value).trim() === '')) return settings;
  if (!isMap(contents)) syntax(lineOf(contents), 'expected key: value lines');
  else visit(contents.items, '');
  if (problems.length > 0) throw new ConfigError(ConfigErrorCode.MALFORMED_FILE, problems);
  return settings;
}
