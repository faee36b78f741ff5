import type { ConfigValues, MesoflowConfig } from '@mesoflow/config';
import type { mesos } from '@mesoflow/proto';
import type { ArtifactPublisher } from '@mesoflow/artifacts-client';
import type { ShippedArtifactMessage } from '../grpc/messages';

export type FetchUri = mesos.v1.CommandInfo.URI.$Properties;

/** What every overlay sees while a TaskManager spec is built. */
export interface OverlayContext {
  readonly config: MesoflowConfig;
  readonly taskId: string;
  readonly publisher: ArtifactPublisher;
}

/** What one overlay adds to a TaskManager spec. */
export interface OverlayContribution {
  /** Files for the fetcher, in fetch order. */
  readonly uris: readonly FetchUri[];
  /** What of those came from the artifact server. */
  readonly artifacts: readonly ShippedArtifactMessage[];
  /**
   * Values the TaskManager's configuration must have instead of the master's, e.g. a keystore
   * path inside the sandbox in place of the master's own path.
   */
  readonly confOverrides?: ConfigValues;
}

/**
 * One configuration overlay: a part of what a TaskManager inherits from the application master,
 * shipped as files the fetcher downloads into the task's sandbox.
 */
export interface ConfigurationOverlay {
  /** Short name, reported with each shipped artifact, e.g. `user-libraries`. */
  readonly name: string;
  contribute(context: OverlayContext): Promise<OverlayContribution>;
}

/** Nothing to add. */
export const NO_CONTRIBUTION: OverlayContribution = Object.freeze({ uris: [], artifacts: [] });

// Letters, digits and `._+@=,~-`, as the artifact server accepts in a path segment.
const ARTIFACT_SEGMENT = /^[A-Za-z0-9._+@=,~-]+$/;

/** Whether `path` is a relative path the artifact server accepts (no `.` or `..` segments). */
export function isArtifactPath(path: string): boolean {
  return path.split('/').every((segment) => ARTIFACT_SEGMENT.test(segment) && segment !== '.' && segment !== '..');
}
