import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Logger } from 'pino';
import { contentTypeOf } from '../http/content-type';
import { ArtifactError, ArtifactErrorCode } from './artifact-error';
import { explainInvalidPath, isArtifactPath } from './artifact-path';

/** A published artifact, as the HTTP side serves it. */
export interface PublishedArtifact {
  readonly path: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the content. */
  readonly sha256: string;
  readonly secret: boolean;
  readonly publishedAtMs: number;
  /** The object file holding the content (under the real artifact root). */
  readonly file: string;
  /** Device and inode of the object file when it was published; a request checks them. */
  readonly dev: number;
  readonly ino: number;
  readonly etag: string;
  /** HTTP date of `publishedAtMs`. */
  readonly lastModified: string;
  /** `publishedAtMs` truncated to whole seconds, as HTTP dates are. */
  readonly lastModifiedSeconds: number;
  readonly contentType: string;
  /**
   * The content itself, for small artifacts: the bytes hashed when they were published (or
   * checked against the digest at start), served without touching the disk.
   */
  readonly content: Buffer | undefined;
}

/** What an upload declares before its content. */
export interface UploadDeclaration {
  path: string;
  size: number;
  sha256: string;
  secret: boolean;
}

/** A file on the server's machine to publish. */
export interface LocalFileDeclaration {
  path: string;
  localPath: string;
  /** When given, the content must have this digest. */
  sha256?: string;
  secret: boolean;
}

/** Options for {@link ArtifactStore.open}. */
export interface ArtifactStoreOptions {
  /** The artifact root folder; created if missing. */
  root: string;
  /** Largest artifact accepted, in bytes. */
  maxArtifactSize: number;
  /** Folders whose files may be published with {@link ArtifactStore.publishLocalFile}. */
  localRoots: string[];
  logger: Logger;
}

interface ManifestEntry {
  path: string;
  object: string;
  size: number;
  sha256: string;
  secret: boolean;
  publishedAtMs: number;
}

const MANIFEST_VERSION = 1;
/** Artifacts up to this size are kept in memory as well as on disk. */
export const CACHED_ARTIFACT_BYTES = 64 * 1024;
/** At most this much content is kept in memory in total. */
const CACHE_BUDGET_BYTES = 64 * 1024 * 1024;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
const OBJECT_NAME = /^[0-9a-f]{32}$/;

/**
 * The published artifacts. Content lives in `<root>/objects/<random id>`, never under a name
 * derived from a request; `<root>/manifest.json` maps artifact paths to objects and is
 * replaced atomically after every change. A request URL therefore only ever selects an entry
 * of the in-memory catalog and cannot name a file on disk.
 *
 * Publishing writes to `<root>/staging/`, checks size and SHA-256, renames into `objects/`
 * and then switches the catalog: a fetch sees the old content or the new, never a mix, and
 * a fetch in progress keeps reading the old object (its file stays open after the unlink).
 */
export class ArtifactStore {
  private readonly catalog = new Map<string, PublishedArtifact>();
  private commits: Promise<unknown> = Promise.resolve();
  private cachedBytes = 0;
  private readonly logger: Logger;

  private constructor(
    private readonly root: string,
    private readonly options: ArtifactStoreOptions,
    private readonly localRoots: string[],
  ) {
    this.logger = options.logger.child({ component: 'ArtifactStore' });
  }

  /** Opens (or creates) the store at `options.root` and loads its manifest. */
  static async open(options: ArtifactStoreOptions): Promise<ArtifactStore> {
    await mkdir(options.root, { recursive: true });
    const root = await realpath(options.root);
    await rm(join(root, 'staging'), { recursive: true, force: true });
    await mkdir(join(root, 'staging'), { recursive: true, mode: 0o700 });
    await mkdir(join(root, 'objects'), { recursive: true, mode: 0o755 });
    const localRoots: string[] = [];
    for (const folder of options.localRoots) {
      try {
        localRoots.push(await realpath(folder));
      } catch {
        options.logger.warn(`Local root '${folder}' does not exist; PublishFile will refuse files under it`);
      }
    }
    const store = new ArtifactStore(root, options, localRoots);
    await store.load();
    return store;
  }

  /** The artifact published under `path`, if any. */
  get(path: string): PublishedArtifact | undefined {
    return this.catalog.get(path);
  }

  /** The artifacts whose path starts with `prefix`, sorted by path. */
  list(prefix = ''): PublishedArtifact[] {
    return [...this.catalog.values()].filter((artifact) => artifact.path.startsWith(prefix)).sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** How many artifacts are published. */
  get size(): number {
    return this.catalog.size;
  }

  /**
   * Publishes uploaded content. `chunks` must yield exactly `declaration.size` bytes whose
   * SHA-256 is `declaration.sha256`; otherwise nothing is published.
   */
  async publishUpload(declaration: UploadDeclaration, chunks: AsyncIterable<Uint8Array>): Promise<PublishedArtifact> {
    this.checkPath(declaration.path);
    const sha256 = this.checkDigest(declaration.sha256, true);
    if (!Number.isSafeInteger(declaration.size) || declaration.size < 0) {
      throw new ArtifactError(ArtifactErrorCode.INVALID_REQUEST, `Size ${declaration.size} of '${declaration.path}' is not a byte count`);
    }
    this.checkSize(declaration.path, declaration.size);
    const staged = await this.stage(declaration.path, chunks, declaration.size, declaration.secret);
    return this.commit({ path: declaration.path, secret: declaration.secret, expectedSha256: sha256 }, staged);
  }

  /** Publishes a copy of a file under one of the allowed local roots. */
  async publishLocalFile(declaration: LocalFileDeclaration): Promise<PublishedArtifact> {
    this.checkPath(declaration.path);
    const sha256 = this.checkDigest(declaration.sha256 ?? '', false);
    const source = await this.allowedLocalFile(declaration.localPath);
    const stats = await lstat(source);
    this.checkSize(declaration.path, stats.size);
    const staged = await this.stage(declaration.path, createReadStream(source, { highWaterMark: 1024 * 1024 }), stats.size, declaration.secret);
    return this.commit({ path: declaration.path, secret: declaration.secret, expectedSha256: sha256 }, staged);
  }

  /** Stops serving `path` and deletes its content. */
  async unpublish(path: string): Promise<void> {
    await this.serialize(async () => {
      const artifact = this.catalog.get(path);
      if (!artifact) throw new ArtifactError(ArtifactErrorCode.NOT_FOUND, `No artifact is published under '${path}'`);
      this.catalog.delete(path);
      if (artifact.content) this.cachedBytes -= artifact.size;
      await this.writeManifest();
      await rm(artifact.file, { force: true });
    });
    this.logger.info(`Unpublished artifact '${path}'`);
  }

  private checkPath(path: string): void {
    if (!isArtifactPath(path)) throw new ArtifactError(ArtifactErrorCode.INVALID_PATH, explainInvalidPath(path));
  }

  private checkDigest(sha256: string, required: boolean): string | undefined {
    const digest = sha256.toLowerCase();
    if (digest === '' && !required) return undefined;
    if (!SHA256_PATTERN.test(digest)) {
      throw new ArtifactError(ArtifactErrorCode.INVALID_REQUEST, `'${sha256.slice(0, 80)}' is not a SHA-256 digest; expected 64 hex digits`);
    }
    return digest;
  }

  private checkSize(path: string, size: number): void {
    if (size > this.options.maxArtifactSize) {
      throw new ArtifactError(ArtifactErrorCode.TOO_LARGE, `Artifact '${path}' has ${size} bytes; the limit is ${this.options.maxArtifactSize}`);
    }
  }

  private async allowedLocalFile(localPath: string): Promise<string> {
    const denied = (why: string): ArtifactError => new ArtifactError(ArtifactErrorCode.LOCAL_FILE_DENIED, `Local file '${localPath}' ${why}`);
    if (this.localRoots.length === 0) throw denied('cannot be published: this server allows no local roots');
    let real: string;
    try {
      real = await realpath(localPath);
    } catch {
      throw denied('does not exist or cannot be read');
    }
    if (!this.localRoots.some((folder) => real.startsWith(folder + sep))) throw denied('is outside the allowed local roots');
    const stats = await lstat(real);
    if (!stats.isFile()) throw denied('is not a regular file');
    return real;
  }

  /**
   * Writes `chunks` to a staging file, hashing as it goes; checks the size on the way. Secret
   * content is readable by the server's user only.
   */
  private async stage(path: string, chunks: AsyncIterable<Uint8Array>, expectedSize: number, secret: boolean): Promise<Staged> {
    const file = join(this.root, 'staging', randomBytes(16).toString('hex'));
    const handle = await open(file, 'wx', secret ? 0o600 : 0o644);
    const hash = createHash('sha256');
    const kept: Buffer[] | undefined = expectedSize <= CACHED_ARTIFACT_BYTES ? [] : undefined;
    let size = 0;
    try {
      for await (const chunk of chunks) {
        size += chunk.length;
        if (size > expectedSize) {
          throw new ArtifactError(ArtifactErrorCode.CONTENT_MISMATCH, `Artifact '${path}' sent more than the ${expectedSize} bytes it declared`);
        }
        hash.update(chunk);
        kept?.push(Buffer.from(chunk));
        let written = 0;
        while (written < chunk.length) written += (await handle.write(chunk, written, chunk.length - written)).bytesWritten;
      }
      if (size !== expectedSize) {
        throw new ArtifactError(ArtifactErrorCode.CONTENT_MISMATCH, `Artifact '${path}' sent ${size} bytes but declared ${expectedSize}`);
      }
      await handle.datasync();
    } catch (error) {
      await handle.close();
      await rm(file, { force: true });
      throw error;
    }
    await handle.close();
    return { file, size, sha256: hash.digest('hex'), content: kept && Buffer.concat(kept) };
  }

  private async commit(
    request: { path: string; secret: boolean; expectedSha256: string | undefined },
    staged: Staged,
  ): Promise<PublishedArtifact> {
    if (request.expectedSha256 !== undefined && request.expectedSha256 !== staged.sha256) {
      await rm(staged.file, { force: true });
      throw new ArtifactError(
        ArtifactErrorCode.CONTENT_MISMATCH,
        `Artifact '${request.path}' has SHA-256 ${staged.sha256}, not the declared ${request.expectedSha256}; nothing was published`,
      );
    }
    const object = randomBytes(16).toString('hex');
    const file = join(this.root, 'objects', object);
    await rename(staged.file, file);
    const artifact = await this.serialize(async () => {
      const stats = await lstat(file);
      const entry = { path: request.path, object, size: staged.size, sha256: staged.sha256, secret: request.secret, publishedAtMs: Date.now() };
      const previous = this.catalog.get(request.path);
      if (previous?.content) this.cachedBytes -= previous.size;
      const published = describe(entry, file, stats, this.cacheable(staged.content));
      this.catalog.set(request.path, published);
      await this.writeManifest();
      if (previous) await rm(previous.file, { force: true });
      return published;
    });
    this.logger.info(
      { path: artifact.path, size: artifact.size, sha256: artifact.sha256, secret: artifact.secret },
      `Published artifact '${artifact.path}' (${artifact.size} bytes${artifact.secret ? ', secret' : ''})`,
    );
    return artifact;
  }

  /** `content` if the memory budget has room for it (and counts it), else undefined. */
  private cacheable(content: Buffer | undefined): Buffer | undefined {
    if (!content || this.cachedBytes + content.length > CACHE_BUDGET_BYTES) return undefined;
    this.cachedBytes += content.length;
    return content;
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.commits.then(work, work);
    this.commits = next.catch(() => undefined);
    return next;
  }

  private async writeManifest(): Promise<void> {
    const entries: ManifestEntry[] = [...this.catalog.values()].map((artifact) => ({
      path: artifact.path,
      object: artifact.file.slice(artifact.file.lastIndexOf(sep) + 1),
      size: artifact.size,
      sha256: artifact.sha256,
      secret: artifact.secret,
      publishedAtMs: artifact.publishedAtMs,
    }));
    const temporary = join(this.root, 'staging', `manifest-${randomBytes(8).toString('hex')}.json`);
    await writeFile(temporary, JSON.stringify({ version: MANIFEST_VERSION, artifacts: entries }), { mode: 0o600, flush: true });
    await rename(temporary, join(this.root, 'manifest.json'));
  }

  /** Loads the manifest, keeps the entries whose object is intact, deletes orphaned objects. */
  private async load(): Promise<void> {
    let entries: ManifestEntry[] = [];
    try {
      const manifest = JSON.parse(await readFile(join(this.root, 'manifest.json'), 'utf8')) as { version: number; artifacts: ManifestEntry[] };
      if (manifest.version === MANIFEST_VERSION) entries = manifest.artifacts;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const objectsDir = join(this.root, 'objects');
    for (const entry of entries) {
      if (!isArtifactPath(entry.path) || !OBJECT_NAME.test(entry.object)) continue;
      const file = join(objectsDir, entry.object);
      try {
        const stats = await lstat(file);
        if (!stats.isFile() || stats.size !== entry.size || (await realpath(file)) !== file) throw new Error('changed on disk');
        let content: Buffer | undefined;
        if (entry.size <= CACHED_ARTIFACT_BYTES) {
          content = await readFile(file);
          if (createHash('sha256').update(content).digest('hex') !== entry.sha256) throw new Error('changed on disk');
        }
        this.catalog.set(entry.path, describe(entry, file, stats, this.cacheable(content)));
      } catch {
        this.logger.warn(`Artifact '${entry.path}' is missing or changed on disk; it is no longer published`);
      }
    }
    const referenced = new Set([...this.catalog.values()].map((artifact) => artifact.file));
    for (const name of await readdir(objectsDir)) {
      const file = join(objectsDir, name);
      if (!referenced.has(file)) await rm(file, { force: true, recursive: true });
    }
    if (entries.length > 0) this.logger.info(`Loaded ${this.catalog.size} published artifacts from '${this.root}'`);
  }
}

interface Staged {
  file: string;
  size: number;
  sha256: string;
  /** The content, when small enough to keep in memory. */
  content: Buffer | undefined;
}

function describe(entry: ManifestEntry, file: string, stats: Stats, content: Buffer | undefined): PublishedArtifact {
  const lastModifiedSeconds = Math.floor(entry.publishedAtMs / 1000);
  return {
    path: entry.path,
    size: entry.size,
    sha256: entry.sha256,
    secret: entry.secret,
    publishedAtMs: entry.publishedAtMs,
    file,
    dev: stats.dev,
    ino: stats.ino,
    etag: `"${entry.sha256.slice(0, 32)}"`,
    lastModified: new Date(lastModifiedSeconds * 1000).toUTCString(),
    lastModifiedSeconds,
    contentType: contentTypeOf(entry.path),
    content,
  };
}
