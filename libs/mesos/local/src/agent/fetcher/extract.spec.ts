import { archiveKind } from './extract';

describe('archiveKind', () => {
  it.each([
    ['app.tar', 'tar'],
    ['app.tgz', 'tar'],
    ['app.tar.gz', 'tar'],
    ['app.tbz2', 'tar'],
    ['app.tar.bz2', 'tar'],
    ['app.txz', 'tar'],
    ['app.tar.xz', 'tar'],
    ['app.zip', 'zip'],
    ['words.txt.gz', 'gzip'],
    ['app.jar', undefined],
    ['app.tgz?v=1', undefined],
  ])('%s is %s', (name, kind) => {
    expect(archiveKind(name)).toBe(kind);
  });
});
