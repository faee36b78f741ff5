// The generated message types of mesoflow.artifacts.v1, as plain objects (the shape
// @grpc/proto-loader produces with GRPC_LOADER_OPTIONS), and the handler interface the gRPC
// controller implements. protobufjs generates client stubs only, so the server side of the
// service is spelled out here, in terms of the generated messages; a test checks it against the
// proto's methods.
import type { sendUnaryData, ServerReadableStream } from '@grpc/grpc-js';
import type { mesoflow } from '@mesoflow/proto';

export type PublishRequest = mesoflow.artifacts.v1.PublishRequest.$Properties;
export type PublishFileRequest = mesoflow.artifacts.v1.PublishFileRequest.$Properties;
export type PublishResponse = mesoflow.artifacts.v1.PublishResponse.$Properties;
export type ArtifactMessage = mesoflow.artifacts.v1.Artifact.$Properties;
export type UnpublishRequest = mesoflow.artifacts.v1.UnpublishRequest.$Properties;
export type UnpublishResponse = mesoflow.artifacts.v1.UnpublishResponse.$Properties;
export type ListRequest = mesoflow.artifacts.v1.ListRequest.$Properties;
export type ListResponse = mesoflow.artifacts.v1.ListResponse.$Properties;
export type SignUrlRequest = mesoflow.artifacts.v1.SignUrlRequest.$Properties;
export type SignUrlResponse = mesoflow.artifacts.v1.SignUrlResponse.$Properties;

/** Server side of `mesoflow.artifacts.v1.ArtifactService`, one method per rpc. */
export interface ArtifactServiceHandlers {
  publish(call: ServerReadableStream<PublishRequest, PublishResponse>, callback: sendUnaryData<PublishResponse>): Promise<void>;
  publishFile(request: PublishFileRequest): Promise<PublishResponse>;
  unpublish(request: UnpublishRequest): Promise<UnpublishResponse>;
  list(request: ListRequest): ListResponse;
  signUrl(request: SignUrlRequest): SignUrlResponse;
}
