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
