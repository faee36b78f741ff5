import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { ShippedArtifactMessage } from '../grpc/messages';
import { isArtifactPath, NO_CONTRIBUTION, type ConfigurationOverlay, type FetchUri, type OverlayContext, type OverlayContribution } from './overlay';
import { OverlayError, OverlayErrorCode } from './overlay-error';
import { sha256Hex } from '@mesoflow/artifacts-client';

/** Every file under `dir` (recursively), as sorted paths relative to it with `/` separators. */
export function listLibraryFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      throw new OverlayError(OverlayErrorCode.UNSHIPPABLE_FILE, `The user library folder '${folder}' cannot be read: ${(error as Error).message}`, { cause: error });
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return found.sort();
}

/**
 * Ships the user libraries (container type `mesos`): every file of the master's `lib/` folder,
 * each published under its checksum and fetched into the sandbox's `lib/`. The folder is read
 * for every spec, so a library added while the cluster runs reaches the next TaskManager.
 */
export class UserLibrariesOverlay implements ConfigurationOverlay {
  readonly name = 'user-libraries';

  /** @param libDir the master's `lib/` folder; `undefined` ships none. */
  constructor(private readonly libDir: string | undefined) {}

  async contribute(context: OverlayContext): Promise<OverlayContribution> {
    if (this.libDir === undefined || context.config.get('mesos.resourcemanager.tasks.container.type') === 'docker') return NO_CONTRIBUTION;
    const libDir = this.libDir;
    const uris: FetchUri[] = [];
    const artifacts: ShippedArtifactMessage[] = [];
    for (const file of listLibraryFiles(libDir)) {
      if (!isArtifactPath(file)) {
        throw new OverlayError(OverlayErrorCode.UNSHIPPABLE_FILE, `User library 'lib/${file}' has a name the artifact server cannot serve; use letters, digits and '._+@=,~-'`);
      }
      const content = readFileSync(join(libDir, file));
      const path = `lib/${sha256Hex(content)}/${file}`;
      const published = await context.publisher.publish({ path, content, secret: false });
      uris.push({ value: published.url, extract: false, cache: true, executable: false, output_file: `lib/${file}` });
      artifacts.push({ overlay: this.name, path, sha256: published.sha256, secret: false, sandbox_path: `lib/${file}` });
    }
    return { uris, artifacts };
  }
}
