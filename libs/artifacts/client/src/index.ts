// Publishing files to the artifact server (mesoflow.artifacts.v1.ArtifactService): the
// configuration overlays, the CLI's program bundles and per-job clusters all upload this way.
export { sha256Hex } from './artifact-publisher';
export type { ArtifactPublisher, ArtifactUpload, PublishedFile } from './artifact-publisher';
export { ArtifactPublishError, GrpcArtifactPublisher } from './grpc-artifact-publisher';
export type { GrpcArtifactPublisherOptions } from './grpc-artifact-publisher';
