// With `high-availability: zookeeper` an accepted job must outlive the application master it was
// submitted to, and with it that master's artifact server, which the bundle URL names. So the
// gateway copies each accepted job's program bundle into `high-availability.storageDir` (a
// filesystem every master mounts, as Flink's HA storage is) before it acknowledges the job, and
// the leader that runs the job publishes the copy on its own artifact server: TaskManagers fetch
// from a server that is up, whichever master took the submission.
import type { ArtifactPublisher } from '@mesoflow/artifacts-client';
import { sha256Hex } from '@mesoflow/artifacts-client';
import type { MesoflowConfig } from '@mesoflow/config';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError, GatewayErrorCode } from '../errors';

/** A job's program bundle, as its submission names it. */
export interface BundleReference {
  readonly uri: string;
  readonly sha256: string;
}

/** How long the gateway waits for the artifact server to hand over a bundle it keeps. */
const FETCH_TIMEOUT_MS = 30_000;

/**
 * The folder of the cluster's bundles under `high-availability.storageDir` (a path or a `file://`
 * URI), or `undefined` without `high-availability: zookeeper`.
 * @throws GatewayError INVALID_ARGUMENT for a storage URI other than a local or mounted folder.
 */
export function haBundleFolder(config: MesoflowConfig): string | undefined {
  if (config.get('high-availability') !== 'zookeeper') return undefined;
  const storageDir = config.get('high-availability.storageDir') ?? '';
  let folder = storageDir;
  if (/^[a-z][a-z0-9+.-]*:/i.test(storageDir)) {
    if (!storageDir.startsWith('file:')) {
      throw new GatewayError(
        GatewayErrorCode.INVALID_ARGUMENT,
        `high-availability.storageDir: '${storageDir}' is not supported: expected a folder every application master mounts, as a path or a file:// URI`,
      );
    }
    folder = fileURLToPath(storageDir);
  }
  return join(folder, config.get('high-availability.cluster-id'), 'bundles');
}

/** Keeps bundles in the HA storage folder and publishes them on this master's artifact server. */
export class HaBundles {
  /** sha256 → URL on this master's artifact server, once published there. */
  private readonly published = new Map<string, Promise<string>>();

  constructor(
    private readonly folder: string,
    private readonly publisher: Pick<ArtifactPublisher, 'publish'>,
  ) {}

  /**
   * Copies the bundle into the storage folder unless it is there already (bundles are named by
   * their SHA-256), checking its content on the way.
   * @throws GatewayError INVALID_ARGUMENT when the content does not match its SHA-256,
   *   UNAVAILABLE when it cannot be read from `uri` or written to the folder.
   */
  async keep(bundle: BundleReference): Promise<void> {
    const file = this.fileOf(bundle);
    if (await exists(file)) return;
    const content = await download(bundle.uri);
    const actual = sha256Hex(content);
    if (actual !== bundle.sha256) {
      throw new GatewayError(GatewayErrorCode.INVALID_ARGUMENT, `The bundle at '${bundle.uri}' has SHA-256 '${actual}', not the submitted '${bundle.sha256}'`);
    }
    try {
      await mkdir(this.folder, { recursive: true });
      // Written aside, then renamed: a master reading the folder sees the whole bundle or none.
      const partial = join(this.folder, `.${bundle.sha256}.${randomBytes(6).toString('hex')}.partial`);
      await writeFile(partial, content);
      await rename(partial, file).catch(async (error: unknown) => {
        await rm(partial, { force: true });
        throw error;
      });
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.UNAVAILABLE, `The bundle could not be kept in the high-availability storage '${this.folder}': ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * The URL of the bundle on this master's artifact server, publishing the kept copy there the
   * first time.
   * @throws Error when the bundle was never kept or the artifact server refuses it.
   */
  url(bundle: BundleReference): Promise<string> {
    let url = this.published.get(bundle.sha256);
    if (url === undefined) {
      url = this.publish(bundle);
      this.published.set(bundle.sha256, url);
      // A failure is not remembered: the next run of the job tries again.
      url.catch(() => this.published.delete(bundle.sha256));
    }
    return url;
  }

  private async publish(bundle: BundleReference): Promise<string> {
    const file = this.fileOf(bundle);
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch (error) {
      throw new Error(`The bundle '${bundle.sha256}' is not in the high-availability storage ('${file}'): ${(error as Error).message}`, { cause: error });
    }
    const name = basename(new URL(bundle.uri, 'file:///').pathname) || 'bundle.js';
    const published = await this.publisher.publish({ path: `bundles/${bundle.sha256.slice(0, 16)}/${name}`, content, secret: false });
    return published.url;
  }

  private fileOf(bundle: BundleReference): string {
    // The submission's check guarantees 64 hex characters: no path can come of it.
    return join(this.folder, `${bundle.sha256}.js`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The bundle's bytes from its http(s) URL, or from a local path in single-machine setups. */
async function download(uri: string): Promise<Buffer> {
  try {
    if (!/^https?:\/\//i.test(uri)) return await readFile(uri.startsWith('file:') ? fileURLToPath(uri) : uri);
    const response = await fetch(uri, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new GatewayError(GatewayErrorCode.UNAVAILABLE, `The bundle at '${uri}' could not be read to keep it for high availability: ${(error as Error).message}`, { cause: error });
  }
}
