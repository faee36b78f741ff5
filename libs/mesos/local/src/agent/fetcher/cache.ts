import { createHash, randomUUID } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fetchAborted } from '../agent-task-error';

/**
 * Where the fetcher cache keeps a URI: one file per (user, URI), in a per-user folder as Mesos
 * segregates it. The name ends with the URI's basename because extraction out of the cache is
 * decided by that suffix.
 */
export function cacheFilePath(
  cacheDir: string,
  user: string | undefined,
  uri: string,
  basename: string,
): string {
  const key = createHash('sha256').update(uri).digest('hex').slice(0, 24);
  // NAME_MAX is 255; keep the end of long names, where the archive suffix is.
  return join(user ? join(cacheDir, user) : cacheDir, `c${key}-${basename.slice(-200)}`);
}

/**
 * Downloads still being written into the cache, by cache file path. Shared by every agent of
 * the process so that concurrent launches of the same URI download it once.
 */
const inFlight = new Map<string, Promise<void>>();

/**
 * How {@link ensureCached} ended: the file was cached already (or another launch just cached
 * it), this call downloaded it, or another launch's download failed and the caller should
 * fetch directly into the sandbox, as Mesos does.
 */
export type CacheOutcome = 'hit' | 'downloaded' | 'unavailable';

/**
 * Makes sure `path` holds the URI's bytes: reuses a complete cache file, joins a download
 * already in flight, or runs `download` into a temporary file that is renamed into place only
 * when complete (a half-written file is never mistaken for a cached one). There is no refresh:
 * as in Mesos, a changed artifact needs a new URI.
 *
 * @throws whatever `download` throws when this call ran it, and `ABORTED` when `signal` fires
 *   while waiting for another launch's download.
 */
export async function ensureCached(
  path: string,
  download: (temporaryPath: string) => Promise<void>,
  signal?: AbortSignal,
): Promise<CacheOutcome> {
  const running = inFlight.get(path);
  if (running) {
    try {
      await untilAborted(running, signal);
      return 'hit';
    } catch (error) {
      if (signal?.aborted) throw error;
      return 'unavailable';
    }
  }
  let downloaded = false;
  const entry = (async () => {
    if (await exists(path)) return;
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.partial-${randomUUID()}`;
    try {
      await download(temporary);
      await rename(temporary, path);
      downloaded = true;
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  })();
  inFlight.set(path, entry);
  try {
    await entry;
  } finally {
    inFlight.delete(path);
  }
  return downloaded ? 'downloaded' : 'hit';
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Waits for `promise`, but stops waiting (rejecting with `ABORTED`) when `signal` fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(fetchAborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(fetchAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
