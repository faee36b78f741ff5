import { createHash } from 'node:crypto';

/** A file for the artifact server. */
export interface ArtifactUpload {
  /** Where it is published, relative to the cluster prefix, e.g. `lib/3f…/udfs.js`. */
  readonly path: string;
  readonly content: Buffer;
  /** Served only through signed URLs. */
  readonly secret: boolean;
}

/** A published file and the URL the Mesos fetcher downloads it from. */
export interface PublishedFile {
  readonly path: string;
  readonly sha256: string;
  /** Plain for public files; signed (and expiring) for secret ones. */
  readonly url: string;
}

/**
 * What the overlays need from the artifact server. The real one speaks gRPC
 * ({@link GrpcArtifactPublisher}); unit tests use an in-memory one.
 */
export interface ArtifactPublisher {
  publish(upload: ArtifactUpload): Promise<PublishedFile>;
  /** A fresh signed URL for a secret file published earlier. */
  signUrl(path: string): Promise<string>;
}

/** Lower-case hex SHA-256, the artifact server's content checksum. */
export function sha256Hex(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Uploads each (path, content) once per process. Overlay paths are content-addressed, so a
 * second request for the same path and checksum only needs a URL: the plain one again, or a new
 * signature for a secret file (a URL signed for an earlier task may expire before this task's
 * fetch).
 */
export class PublishOnce implements ArtifactPublisher {
  private readonly published = new Map<string, Promise<PublishedFile>>();

  constructor(private readonly inner: ArtifactPublisher) {}

  async publish(upload: ArtifactUpload): Promise<PublishedFile> {
    const memoKey = `${upload.path}\n${sha256Hex(upload.content)}\n${upload.secret}`;
    let first = this.published.get(memoKey);
    if (first === undefined) {
      first = this.inner.publish(upload);
      this.published.set(memoKey, first);
      // A failed upload is retried by the next request rather than remembered.
      first.catch(() => this.published.delete(memoKey));
      return first;
    }
    const done = await first;
    return upload.secret ? { ...done, url: await this.inner.signUrl(done.path) } : done;
  }

  signUrl(path: string): Promise<string> {
    return this.inner.signUrl(path);
  }
}
