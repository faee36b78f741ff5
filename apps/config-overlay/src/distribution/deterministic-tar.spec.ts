import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicTarGz, type TarFile } from './deterministic-tar';

const files: TarFile[] = [
  { path: 'mesoflow/bin/run.sh', content: Buffer.from('#!/bin/sh\necho hi\n'), executable: true },
  { path: 'mesoflow/libexec/check.js', content: Buffer.alloc(1500, 'x'), executable: false },
  { path: `mesoflow/${'deep/'.repeat(25)}file.txt`, content: Buffer.from('deep'), executable: false },
];

describe('deterministicTarGz', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tar-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same bytes for the same files in any order', () => {
    expect(deterministicTarGz(files).equals(deterministicTarGz([...files].reverse()))).toBe(true);
  });

  it('changes when a byte of content changes', () => {
    const changed = files.map((f, i) => (i === 0 ? { ...f, content: Buffer.from('#!/bin/sh\necho ho\n') } : f));
    expect(deterministicTarGz(changed).equals(deterministicTarGz(files))).toBe(false);
  });

  it('is read by the system tar: sorted entries with folders, fixed owner and time, modes kept', () => {
    const archive = join(dir, 'a.tar.gz');
    writeFileSync(archive, deterministicTarGz(files));
    const listing = execFileSync('tar', ['-tzvf', archive, '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n');
    expect(listing[0]).toMatch(/^drwxr-xr-x 0\/0 +0 1970-01-01 00:00 mesoflow\/$/);
    expect(listing).toContainEqual(expect.stringMatching(/^-rwxr-xr-x 0\/0 +18 1970-01-01 00:00 mesoflow\/bin\/run\.sh$/));
    expect(listing).toContainEqual(expect.stringMatching(/^-rw-r--r-- 0\/0 +1500 .* mesoflow\/libexec\/check\.js$/));

    execFileSync('tar', ['-xzf', archive, '-C', dir]);
    expect(readFileSync(join(dir, 'mesoflow/bin/run.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(join(dir, 'mesoflow/bin/run.sh')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, files[2].path), 'utf8')).toBe('deep');
  });

  it('rejects paths that would escape the archive root, and duplicates', () => {
    const file = files[0];
    expect(() => deterministicTarGz([{ ...file, path: '../x' }])).toThrow(/not a relative path/);
    expect(() => deterministicTarGz([{ ...file, path: '/etc/x' }])).toThrow(/not a relative path/);
    expect(() => deterministicTarGz([file, file])).toThrow(/twice/);
  });
});
