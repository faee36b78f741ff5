import * as grpc from '@grpc/grpc-js';
import { ARTIFACTS_GRPC, grpcServiceClient, type mesoflow } from '@mesoflow/proto';
import { sha256Hex, type ArtifactPublisher, type ArtifactUpload, type PublishedFile } from './artifact-publisher';

type PublishRequest = mesoflow.artifacts.v1.PublishRequest.$Properties;
type PublishResponse = mesoflow.artifacts.v1.PublishResponse.$Properties;
type SignUrlRequest = mesoflow.artifacts.v1.SignUrlRequest.$Properties;
type SignUrlResponse = mesoflow.artifacts.v1.SignUrlResponse.$Properties;
type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

interface ArtifactServiceClient extends grpc.Client {
  Publish(options: grpc.CallOptions, callback: Callback<PublishResponse>): grpc.ClientWritableStream<PublishRequest>;
  SignUrl(request: SignUrlRequest, options: grpc.CallOptions, callback: Callback<SignUrlResponse>): void;
}

const CHUNK_BYTES = 256 * 1024;

/** The artifact server refused an upload or could not be reached. */
export class ArtifactPublishError extends Error {
  override readonly name = 'ArtifactPublishError';

  constructor(
    message: string,
    /** The gRPC status of the failed call; undefined when the call succeeded without a URL. */
    readonly grpcCode: grpc.status | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of {@link GrpcArtifactPublisher}. */
export interface GrpcArtifactPublisherOptions {
  /** `host:port` of the artifact server's gRPC port (plaintext). */
  target: string;
  /** Deadline of one call. @default 60000 */
  deadlineMs?: number;
}

/** {@link ArtifactPublisher} over `mesoflow.artifacts.v1.ArtifactService`. */
export class GrpcArtifactPublisher implements ArtifactPublisher {
  private readonly client: ArtifactServiceClient;
  private readonly deadlineMs: number;

  constructor(options: GrpcArtifactPublisherOptions) {
    const Client = grpcServiceClient(ARTIFACTS_GRPC);
    this.client = new Client(options.target, grpc.credentials.createInsecure()) as unknown as ArtifactServiceClient;
    this.deadlineMs = options.deadlineMs ?? 60_000;
  }

  publish(upload: ArtifactUpload): Promise<PublishedFile> {
    const sha256 = sha256Hex(upload.content);
    return new Promise<PublishedFile>((resolve, reject) => {
      const call = this.client.Publish({ deadline: this.deadline() }, (error, response) => {
        if (error || !response?.url) reject(failure(`publish '${upload.path}'`, error));
        else resolve({ path: upload.path, sha256, url: response.url });
      });
      // The callback reports the outcome; the stream's own error event would be unhandled.
      call.on('error', () => undefined);
      call.write({ metadata: { path: upload.path, size: upload.content.length, sha256, secret: upload.secret } });
      for (let offset = 0; offset < upload.content.length; offset += CHUNK_BYTES) {
        call.write({ chunk: upload.content.subarray(offset, offset + CHUNK_BYTES) });
      }
      call.end();
    });
  }

  signUrl(path: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.client.SignUrl({ path }, { deadline: this.deadline() }, (error, response) => {
        if (error || !response?.url) reject(failure(`sign a URL for '${path}'`, error));
        else resolve(response.url);
      });
    });
  }

  close(): void {
    this.client.close();
  }

  private deadline(): Date {
    return new Date(Date.now() + this.deadlineMs);
  }
}

function failure(what: string, error: grpc.ServiceError | null): ArtifactPublishError {
  const why = error ? `${grpc.status[error.code] ?? error.code}: ${error.details}` : 'the response carried no URL';
  return new ArtifactPublishError(`The artifact server could not ${what} (${why})`, error?.code, { cause: error ?? undefined });
}
