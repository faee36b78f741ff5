import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfText, readConfFile } from './conf-file';
import { ConfigError, ConfigErrorCode } from './config-error';

function malformed(text: string): ConfigError {
  try {
    parseConfText(text, '/conf/mesoflow-conf.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseConfText', () => {
  it('reads flat key: value lines as text, with their lines', () => {
    const text = ['# comment', 'mesos.master: 127.0.0.1:5050', '', 'rest.port: 8081', "mesos.resourcemanager.framework.role: '*'", 'flag: true'].join('\n');
    expect(parseConfText(text, '/c.yaml')).toEqual([
      { key: 'mesos.master', text: '127.0.0.1:5050', source: { kind: 'file', path: '/c.yaml', line: 2 } },
      { key: 'rest.port', text: '8081', source: { kind: 'file', path: '/c.yaml', line: 4 } },
      { key: 'mesos.resourcemanager.framework.role', text: '*', source: { kind: 'file', path: '/c.yaml', line: 5 } },
      { key: 'flag', text: 'true', source: { kind: 'file', path: '/c.yaml', line: 6 } },
    ]);
  });

  it('reads nested maps as dotted keys, sequences as lists and empty values as blank', () => {
    const text = ['mesos:', '  master: m:5050', 'mesos.resourcemanager.tasks.uris:', '  - http://a', '  - http://b', 'redis.password:'].join('\n');
    expect(parseConfText(text, '/c.yaml').map(({ key, text: t, source }) => [key, t, source.kind === 'file' ? source.line : 0])).toEqual([
      ['mesos.master', 'm:5050', 2],
      ['mesos.resourcemanager.tasks.uris', 'http://a,http://b', 3],
      ['redis.password', '', 6],
    ]);
  });

  it('accepts an empty file or one with comments only', () => {
    expect(parseConfText('', '/c.yaml')).toEqual([]);
    expect(parseConfText('# nothing here\n', '/c.yaml')).toEqual([]);
  });

  it('names the line of a YAML syntax error', () => {
    const error = malformed('rest.port: 8081\nmesos.master: [127.0.0.1\nparallelism.default: 2\n');
    expect(error.code).toBe(ConfigErrorCode.MALFORMED_FILE);
    expect(error.problems[0]?.message).toMatch(/^\/conf\/mesoflow-conf\.yaml:\d+: /);
    expect(error.message).toContain('Malformed configuration file');
  });

  it('names the line of a duplicate key, in YAML or through nesting', () => {
    expect(malformed('rest.port: 1\nrest.port: 2\n').problems.map((p) => p.message)).toEqual([
      "/conf/mesoflow-conf.yaml:2: 'rest.port' is set twice (first on line 1)",
    ]);
    expect(malformed('mesos.master: a:1\nmesos:\n  master: b:2\n').problems.map((p) => p.message)).toEqual([
      "/conf/mesoflow-conf.yaml:3: 'mesos.master' is set twice (first on line 1)",
    ]);
  });

  it('rejects a file that is not a map, and values that are not scalars', () => {
    expect(malformed('- a\n- b\n').problems.map((p) => p.message)).toEqual(['/conf/mesoflow-conf.yaml:1: expected key: value lines']);
    expect(malformed('rest.port: 1\nx:\n  - [a, b]\n').problems.map((p) => p.message)).toEqual([
      "/conf/mesoflow-conf.yaml:2: 'x' must be a value or a list of values",
    ]);
  });
});

describe('readConfFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mesoflow-conf-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('treats a missing file as no settings', () => {
    expect(readConfFile(dir)).toEqual({ path: path.join(dir, 'mesoflow-conf.yaml'), found: false, settings: [] });
  });

  it('reads mesoflow-conf.yaml from the folder', () => {
    writeFileSync(path.join(dir, 'mesoflow-conf.yaml'), 'rest.port: 9000\n');
    const file = readConfFile(dir);
    expect(file.found).toBe(true);
    expect(file.settings).toEqual([{ key: 'rest.port', text: '9000', source: { kind: 'file', path: file.path, line: 1 } }]);
  });

  it('reports a file that cannot be read', () => {
    mkdirSync(path.join(dir, 'mesoflow-conf.yaml'));
    let error: unknown;
    try {
      readConfFile(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe(ConfigErrorCode.UNREADABLE_FILE);
    expect((error as ConfigError).problems[0]?.message).toMatch(/mesoflow-conf\.yaml: cannot be read: /);
  });
});

describe('syntax error lines', () => {
  it.each([
    ['an unclosed quote', 'rest.port: 8081\nmesos.master: "127.0.0.1:5050\nparallelism.default: 2\n', 2, 'Missing closing "quote'],
    ['an unclosed flow sequence', 'rest.port: 8081\nmesos.master: [127.0.0.1\nparallelism.default: 2\n', 2, 'Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a reserved character', 'rest.port: 1\nmesos.master: @x\n', 2, 'Plain value cannot start with reserved character @'],
    ['a tab indent', 'rest.port: 1\n\tparallelism.default: 2\n', 2, 'Tabs are not allowed as indentation'],
  ])('names the line of %s', (_what, text, line, reason) => {
    expect(malformed(text).problems[0]?.message).toBe(`/conf/mesoflow-conf.yaml:${line}: ${reason}`);
  });
});
