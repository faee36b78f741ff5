import { sha256Hex, type ArtifactPublisher, type ArtifactUpload, type PublishedFile } from '@mesoflow/artifacts-client';

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
