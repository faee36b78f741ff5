import type { sendUnaryData, ServerReadableStream } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { ARTIFACTS_GRPC } from '@mesoflow/proto';
import { ArtifactError, ArtifactErrorCode, toGrpcError, toRpcException } from '../artifacts/artifact-error';
import { ArtifactStore, type PublishedArtifact } from '../artifacts/artifact-store';
import { ArtifactUrls } from '../artifacts/artifact-urls';
import { ArtifactMetrics } from '../metrics';
import {
  type ArtifactMessage,
  type ArtifactServiceHandlers,
  type ListRequest,
  type ListResponse,
  type PublishFileRequest,
  type PublishRequest,
  type PublishResponse,
  type SignUrlRequest,
  type SignUrlResponse,
  type UnpublishRequest,
  type UnpublishResponse,
} from './messages';

/** `mesoflow.artifacts.v1.ArtifactService` over Nest's gRPC transport. */
@Controller()
export class ArtifactsController implements ArtifactServiceHandlers {
  constructor(
    @Inject(ArtifactStore) private readonly store: ArtifactStore,
    @Inject(ArtifactUrls) private readonly urls: ArtifactUrls,
    @Inject(ArtifactMetrics) private readonly metrics: ArtifactMetrics,
  ) {}

  // Client streaming with the raw call, so that the upload is read with backpressure: the next
  // chunk is taken off the wire only once the previous one is on disk.
  @GrpcStreamCall(ARTIFACTS_GRPC.serviceName, 'Publish')
  async publish(call: ServerReadableStream<PublishRequest, PublishResponse>, callback: sendUnaryData<PublishResponse>): Promise<void> {
    try {
      const messages = call[Symbol.asyncIterator]() as AsyncIterator<PublishRequest>;
      const first = await messages.next();
      const metadata = first.done ? undefined : first.value.metadata;
      if (!metadata) {
        throw new ArtifactError(ArtifactErrorCode.INVALID_REQUEST, 'The first message of a Publish call must carry the metadata');
      }
      const artifact = await this.store.publishUpload(
        { path: metadata.path ?? '', size: Number(metadata.size ?? 0), sha256: metadata.sha256 ?? '', secret: metadata.secret ?? false },
        chunksOf(messages),
      );
      callback(null, this.published(artifact));
    } catch (error) {
      this.metrics.rejected();
      callback(toGrpcError(error));
    }
  }

  @GrpcMethod(ARTIFACTS_GRPC.serviceName, 'PublishFile')
  async publishFile(request: PublishFileRequest): Promise<PublishResponse> {
    try {
      const artifact = await this.store.publishLocalFile({
        path: request.path ?? '',
        localPath: request.local_path ?? '',
        ...(request.sha256 ? { sha256: request.sha256 } : {}),
        secret: request.secret ?? false,
      });
      return this.published(artifact);
    } catch (error) {
      this.metrics.rejected();
      throw toRpcException(error);
    }
  }

  @GrpcMethod(ARTIFACTS_GRPC.serviceName, 'Unpublish')
  async unpublish(request: UnpublishRequest): Promise<UnpublishResponse> {
    try {
      await this.store.unpublish(request.path ?? '');
      return {};
    } catch (error) {
      throw toRpcException(error);
    }
  }

  @GrpcMethod(ARTIFACTS_GRPC.serviceName, 'List')
  list(request: ListRequest): ListResponse {
    return { artifacts: this.store.list(request.prefix ?? '').map((artifact) => this.describe(artifact)) };
  }

  @GrpcMethod(ARTIFACTS_GRPC.serviceName, 'SignUrl')
  signUrl(request: SignUrlRequest): SignUrlResponse {
    const artifact = this.store.get(request.path ?? '');
    if (!artifact) throw toRpcException(new ArtifactError(ArtifactErrorCode.NOT_FOUND, `No artifact is published under '${request.path ?? ''}'`));
    const signed = this.urls.signed(artifact.path, request.ttl_seconds ?? 0);
    return { url: signed.url, expires_at: signed.expiresAt };
  }

  private published(artifact: PublishedArtifact): PublishResponse {
    this.metrics.published(artifact.size);
    return { artifact: this.describe(artifact), url: artifact.secret ? this.urls.signed(artifact.path, 0).url : this.urls.plain(artifact.path) };
  }

  private describe(artifact: PublishedArtifact): ArtifactMessage {
    return {
      path: artifact.path,
      size: artifact.size,
      sha256: artifact.sha256,
      secret: artifact.secret,
      url: this.urls.plain(artifact.path),
      published_at_ms: artifact.publishedAtMs,
    };
  }
}

/** The chunks after the metadata; a second metadata message is an error. */
async function* chunksOf(messages: AsyncIterator<PublishRequest>): AsyncGenerator<Uint8Array> {
  for (;;) {
    const next = await messages.next();
    if (next.done) return;
    if (next.value.metadata) throw new ArtifactError(ArtifactErrorCode.INVALID_REQUEST, 'A Publish call carries the metadata once, in its first message');
    if (next.value.chunk) yield next.value.chunk;
  }
}
