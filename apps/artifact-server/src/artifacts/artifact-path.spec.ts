import { artifactPathFromUrl, isArtifactPath } from './artifact-path';

describe('isArtifactPath', () => {
  it.each(['a', 'lib/udfs.jar', 'flink-dist_2.11-1.11.2.jar', 'conf/log4j.properties', 'a/b/c/d.tar.gz', '.hidden', 'a..b', 'v=1,x@y+z~'])(
    'accepts %s',
    (path) => expect(isArtifactPath(path)).toBe(true),
  );

  it.each(['', '/a', 'a/', 'a//b', '.', '..', './a', 'a/./b', 'a/..', '../a', 'a\\b', 'a b', 'a%2eb', 'a\0b', 'é.jar', '．．', 'a?b', 'a#b', 'x'.repeat(256), `${'a/'.repeat(600)}b`])(
    'refuses %j',
    (path) => expect(isArtifactPath(path)).toBe(false),
  );
});

describe('artifactPathFromUrl', () => {
  it('decodes percent-escapes of allowed characters', () => {
    expect(artifactPathFromUrl('lib/udfs%2Ejar')).toBe('lib/udfs.jar');
  });

  it.each(['%2e%2e/x', '..%2fx', '%252e', '%c0%ae', '%00', '%EF%BC%8E', '%', '%zz', 'a%2f%2fb'])('refuses %s', (encoded) => {
    expect(artifactPathFromUrl(encoded)).toBeUndefined();
  });
});
