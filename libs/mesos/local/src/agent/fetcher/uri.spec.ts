import { mesos } from '@mesoflow/proto';
import { AgentTaskErrorCode, isAgentTaskError } from '../agent-task-error';
import { resolveUri, uriBasename, uriSource, validateOutputFile } from './uri';

function errorOf(action: () => unknown): { code: string; message: string } | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (!isAgentTaskError(error)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe('uriBasename', () => {
  it.each([
    ['http://host/a/b/app.tar.gz', 'app.tar.gz'],
    ['https://host/dl/a.tgz?x=1', 'a.tgz?x=1'],
    ['hdfs://namenode/data/part-0', 'part-0'],
    ['/opt/artifacts/app.zip', 'app.zip'],
    ['file:///opt/app.zip', 'app.zip'],
  ])('gives the text after the last slash of %s', (uri, expected) => {
    expect(uriBasename(uri)).toBe(expected);
  });

  it.each([
    ['http://host', 'Malformed URI (missing path): http://host'],
    ['http://host/', 'Malformed URI (missing path): http://host/'],
    ["http://host/it's", 'Illegal characters in URI'],
    ['http://host/a\\b', 'Illegal characters in URI'],
  ])('rejects %s', (uri, message) => {
    expect(errorOf(() => uriBasename(uri))).toEqual({
      code: AgentTaskErrorCode.INVALID_URI,
      message,
    });
  });
});

describe('validateOutputFile', () => {
  it.each([['app.tgz'], ['lib/deps/app.tgz'], ['./x'], ['a..b']])('accepts %s', (file) => {
    expect(() => validateOutputFile(file)).not.toThrow();
  });

  it.each([['/etc/passwd'], ['..'], ['../x'], ['a/../../x']])('rejects %s', (file) => {
    expect(errorOf(() => validateOutputFile(file))?.message).toBe(
      'URI output file must be within the sandbox directory',
    );
  });

  it('rejects an empty name', () => {
    expect(errorOf(() => validateOutputFile(''))?.message).toBe('URI output file path is empty');
  });
});

describe('uriSource', () => {
  it.each([
    ['http://h/a', { kind: 'http', url: 'http://h/a' }],
    ['https://h/a', { kind: 'http', url: 'https://h/a' }],
    ['ftp://h/a', { kind: 'ftp', url: 'ftp://h/a' }],
    ['s3://bucket/a', { kind: 'hadoop', uri: 's3://bucket/a' }],
    ['file:///opt/a', { kind: 'local', path: '/opt/a' }],
    ['file://localhost/opt/a', { kind: 'local', path: '/opt/a' }],
    ['/opt/a', { kind: 'local', path: '/opt/a' }],
  ])('classifies %s', (uri, expected) => {
    expect(uriSource(uri)).toEqual(expected);
  });

  it('resolves relative paths against the frameworks home, and fails without one', () => {
    expect(uriSource('bin/tool', '/opt/frameworks')).toEqual({
      kind: 'local',
      path: '/opt/frameworks/bin/tool',
    });
    expect(errorOf(() => uriSource('bin/tool'))?.code).toBe(AgentTaskErrorCode.DOWNLOAD_FAILED);
    expect(errorOf(() => uriSource('file://relative/x'))?.message).toBe(
      'File URI only supports absolute paths',
    );
  });
});

describe('resolveUri', () => {
  it('fills in Mesos defaults and trims leading whitespace', () => {
    expect(resolveUri({ value: '  http://h/app.tgz' })).toEqual({
      value: '  http://h/app.tgz',
      location: 'http://h/app.tgz',
      outputFile: 'app.tgz',
      basename: 'app.tgz',
      executable: false,
      extract: true,
      cache: false,
    });
  });

  it('keeps output_file and the flags as given', () => {
    const flags = { extract: false, executable: true, cache: true };
    expect(
      resolveUri({ value: 'http://h/dl?id=1', output_file: 'lib/app.tgz', ...flags }),
    ).toMatchObject({ outputFile: 'lib/app.tgz', basename: 'dl?id=1', ...flags });
  });

  it('treats an output_file that was never sent as absent, though a decoded URI reads it as ""', () => {
    const { URI } = mesos.v1.CommandInfo;
    const decoded = URI.decode(URI.encode({ value: 'http://h/dist/app.tgz' }).finish());
    expect(decoded.output_file).toBe('');
    expect(resolveUri(decoded)).toMatchObject({ outputFile: 'app.tgz', extract: true });
  });
});
