// Program bundles: a local path or an http(s) URL (cached under the work directory by SHA-256),
// checked against the descriptor's SHA-256 before anything loads it.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TaskManagerError, TaskManagerErrorCode, messageOf } from './errors';

/** Where a bundle comes from, as in `BundleLocation`. */
export interface BundleSource {
  readonly url: string;
  readonly sha256: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Fetches bundles once per SHA-256 (concurrent deployments of one bundle share the fetch).
 * Resolves with a local path whose content has the expected SHA-256.
 */
export class BundleFetcher {
  private readonly fetched = new Map<string, Promise<string>>();

  constructor(private readonly cacheDir: string) {}

  fetch(source: BundleSource): Promise<string> {
    const expected = source.sha256.toLowerCase();
    if (!SHA256.test(expected)) {
      return Promise.reject(new TaskManagerError(TaskManagerErrorCode.BUNDLE_FAILED, `The bundle '${source.url}' has no valid SHA-256 (64 hex digits): '${source.sha256}'`));
    }
    const key = `${expected} ${source.url}`;
    let pending = this.fetched.get(key);
    if (pending === undefined) {
      pending = this.load(source.url, expected);
      this.fetched.set(key, pending);
      // A failed fetch may succeed later (the artifact server was down): do not keep it.
      pending.catch(() => this.fetched.delete(key));
    }
    return pending;
  }

  private async load(url: string, expected: string): Promise<string> {
    if (/^https?:\/\//i.test(url)) {
      let bytes: Buffer;
      try {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
        bytes = Buffer.from(await response.arrayBuffer());
      } catch (error) {
        throw new TaskManagerError(TaskManagerErrorCode.BUNDLE_FAILED, `The bundle could not be fetched from '${redact(url)}': ${messageOf(error)}`, { cause: error });
      }
      check(bytes, expected, redact(url));
      const folder = join(this.cacheDir, 'bundles');
      await mkdir(folder, { recursive: true });
      const path = join(folder, `${expected}${extensionOf(url)}`);
      const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temporary, bytes);
      await rename(temporary, path);
      return path;
    }
    const path = url.startsWith('file:') ? fileURLToPath(url) : isAbsolute(url) ? url : resolve(this.cacheDir, url);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new TaskManagerError(TaskManagerErrorCode.BUNDLE_FAILED, `The bundle '${path}' could not be read: ${messageOf(error)}`, { cause: error });
    }
    check(bytes, expected, path);
    return path;
  }
}

function check(bytes: Uint8Array, expected: string, where: string): void {
  const actual = sha256Of(bytes);
  if (actual !== expected) {
    throw new TaskManagerError(
      TaskManagerErrorCode.BUNDLE_FAILED,
      `The bundle '${where}' has SHA-256 ${actual}, not the expected ${expected}; it is refused`,
    );
  }
}

/** The file extension of a URL's path (`.js`, `.mjs`, `.cjs`), so the loader picks the module kind. */
function extensionOf(url: string): string {
  const match = /(\.[cm]?[jt]s)$/i.exec(new URL(url).pathname);
  return match?.[1] ?? '.js';
}

/** A URL without its query (signatures). */
function redact(url: string): string {
  const index = url.indexOf('?');
  return index < 0 ? url : `${url.slice(0, index)}?…`;
}
