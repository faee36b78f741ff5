import { gzipSync } from 'node:zlib';

/** One file of an archive: where it goes, its bytes and whether it is executable. */
export interface TarFile {
  /** Relative path with `/` separators, e.g. `mesoflow/bin/mesos-taskmanager.sh`. */
  readonly path: string;
  readonly content: Buffer;
  readonly executable: boolean;
}

const BLOCK = 512;
// Every entry gets the same owner and time, so equal inputs give equal bytes on any machine.
const FIXED_MTIME = 0;
const OWNER = 'root';

/**
 * A reproducible `.tar.gz` (POSIX ustar) of `files`: entries sorted by path with their parent
 * folders, owner root (0:0), mtime 0, modes 0755 (folders, executables) or 0644, and gzip with
 * no name and no time in its header. The same files always give the same bytes, so the archive
 * can be named by its checksum and cached by Mesos' fetcher.
 *
 * @throws Error when a path is absolute, has `.`/`..` segments, repeats, or is too long for ustar.
 */
export function deterministicTarGz(files: readonly TarFile[]): Buffer {
  const entries = new Map<string, TarFile | 'dir'>();
  for (const file of files) {
    checkPath(file.path);
    if (entries.has(file.path)) throw new Error(`The archive would hold '${file.path}' twice`);
    entries.set(file.path, file);
    const segments = file.path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      const existing = entries.get(dir);
      if (existing !== undefined && existing !== 'dir') throw new Error(`'${dir}' is both a file and a folder in the archive`);
      entries.set(dir, 'dir');
    }
  }
  const blocks: Buffer[] = [];
  for (const path of [...entries.keys()].sort()) {
    const entry = entries.get(path);
    if (entry === 'dir' || entry === undefined) {
      blocks.push(header(`${path}/`, 0, 0o755, '5'));
      continue;
    }
    blocks.push(header(path, entry.content.length, entry.executable ? 0o755 : 0o644, '0'), entry.content, padding(entry.content.length));
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

function checkPath(path: string): void {
  if (path === '' || path.startsWith('/') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`'${path}' is not a relative path without '.' or '..' segments`);
  }
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

function header(path: string, size: number, mode: number, type: '0' | '5'): Buffer {
  const block = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(path);
  block.write(name, 0, 100, 'utf8');
  octal(block, 100, 8, mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, FIXED_MTIME);
  block.fill(' ', 148, 156);
  block.write(type, 156, 1, 'ascii');
  block.write('ustar\u000000', 257, 8, 'ascii');
  block.write(OWNER, 265, 32, 'ascii');
  block.write(OWNER, 297, 32, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return block;
}

/** ustar keeps names up to 100 bytes, or a prefix of up to 155 bytes split off at a `/`. */
function splitName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return [prefix, name];
  }
  throw new Error(`'${path}' is too long for a ustar archive`);
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}
