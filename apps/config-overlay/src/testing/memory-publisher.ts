// An in-memory artifact server for unit tests: records uploads and hands out fake URLs.
import { sha256Hex, type ArtifactPublisher, type ArtifactUpload, type PublishedFile } from '@mesoflow/artifacts-client';

export const TEST_ARTIFACT_BASE = 'http://artifacts.test:8082/cluster-t';

export class MemoryPublisher implements ArtifactPublisher {
  readonly uploads: ArtifactUpload[] = [];
  private signatures = 0;

  publish(upload: ArtifactUpload): Promise<PublishedFile> {
    this.uploads.push(upload);
    const url = upload.secret ? this.signed(upload.path) : `${TEST_ARTIFACT_BASE}/${upload.path}`;
    return Promise.resolve({ path: upload.path, sha256: sha256Hex(upload.content), url });
  }

  signUrl(path: string): Promise<string> {
    return Promise.resolve(this.signed(path));
  }

  /** The last upload under `path`. */
  content(path: string): Buffer | undefined {
    return this.uploads.filter((upload) => upload.path === path).at(-1)?.content;
  }

  private signed(path: string): string {
    return `${TEST_ARTIFACT_BASE}/${path}?expires=9999999999&signature=s${++this.signatures}`;
  }
}
