import type { mesoflow } from '@mesoflow/proto';

export type ArtifactMetadata = mesoflow.artifacts.v1.ArtifactMetadata.$Properties;
