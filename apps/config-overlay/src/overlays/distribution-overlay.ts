import { readFileSync, statSync } from 'node:fs';
import { deterministicTarGz } from '../distribution/deterministic-tar';
import { sha256Hex } from '@mesoflow/artifacts-client';
import { NO_CONTRIBUTION, type ConfigurationOverlay, type OverlayContext, type OverlayContribution } from './overlay';
import { OverlayError, OverlayErrorCode } from './overlay-error';

/** The folder the distribution unpacks to inside the sandbox (`$MESOS_SANDBOX/mesoflow`). */
export const DISTRIBUTION_DIR = 'mesoflow';

/** One file of the distribution. */
export interface DistributionFile {
  /** Where it goes under {@link DISTRIBUTION_DIR}, e.g. `bin/mesos-taskmanager.sh`. */
  readonly path: string;
  /** Absolute path of the file on this machine. */
  readonly source: string;
}

/** The archive, built once per process. */
export interface BuiltDistribution {
  readonly archive: Buffer;
  readonly sha256: string;
  /** `dist/mesoflow-<sha256>.tar.gz`: a new URI whenever the content changes, as the fetcher cache needs. */
  readonly artifactPath: string;
}

/** Packs the distribution files into a reproducible archive (executables stay executable). */
export function buildDistribution(files: readonly DistributionFile[]): BuiltDistribution {
  const entries = files.map((file) => {
    let content: Buffer;
    let executable: boolean;
    try {
      content = readFileSync(file.source);
      executable = (statSync(file.source).mode & 0o111) !== 0;
    } catch (error) {
      throw new OverlayError(OverlayErrorCode.UNSHIPPABLE_FILE, `Distribution file '${file.path}' cannot be read from '${file.source}': ${(error as Error).message}`, { cause: error });
    }
    return { path: `${DISTRIBUTION_DIR}/${file.path}`, content, executable };
  });
  let archive: Buffer;
  try {
    archive = deterministicTarGz(entries);
  } catch (error) {
    throw new OverlayError(OverlayErrorCode.UNSHIPPABLE_FILE, `The distribution cannot be packed: ${(error as Error).message}`, { cause: error });
  }
  const sha256 = sha256Hex(archive);
  return { archive, sha256, artifactPath: `dist/mesoflow-${sha256}.tar.gz` };
}

/**
 * Ships what a TaskManager needs to run (container type `mesos`): the distribution archive,
 * fetched through the fetcher cache and unpacked into the sandbox. Container type `docker`
 * brings it in the image instead.
 */
export class DistributionOverlay implements ConfigurationOverlay {
  readonly name = 'distribution';
  private built: BuiltDistribution | undefined;

  constructor(private readonly files: readonly DistributionFile[]) {}

  async contribute(context: OverlayContext): Promise<OverlayContribution> {
    if (context.config.get('mesos.resourcemanager.tasks.container.type') === 'docker') return NO_CONTRIBUTION;
    // Built on first use and kept: the archive is what this process ships for its lifetime.
    this.built ??= buildDistribution(this.files);
    const { archive, artifactPath } = this.built;
    const published = await context.publisher.publish({ path: artifactPath, content: archive, secret: false });
    return {
      // output_file is the name the fetcher would pick anyway; spelled out, it keeps the
      // `.tar.gz` the fetcher unpacks by even if the server hands out URLs with a query string.
      uris: [{ value: published.url, extract: true, cache: true, executable: false, output_file: artifactPath.slice(artifactPath.lastIndexOf('/') + 1) }],
      artifacts: [{ overlay: this.name, path: artifactPath, sha256: published.sha256, secret: false, sandbox_path: DISTRIBUTION_DIR }],
    };
  }
}
