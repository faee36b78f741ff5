import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AgentTaskError, AgentTaskErrorCode, fetchAborted } from '../agent-task-error';
import { cacheFilePath, ensureCached } from './cache';
import { copyLocal, downloadHttp } from './download';
import { extractArchive } from './extract';
import { resolveUri, uriSource, type ResolvedUri, type UriFields, type UriSource } from './uri';

/** Where and how {@link fetchUris} fetches. */
export interface FetchOptions {
  sandboxDir: string;
  /** The agent's `--fetcher_cache_dir`; without it `cache: true` URIs are fetched directly. */
  cacheDir?: string;
  /** Segregates the cache per user, as Mesos does (`CommandInfo.user`, else the framework's). */
  user?: string;
  /** The agent's `--frameworks_home`, against which relative paths are resolved. */
  frameworksHome?: string;
  /** @default 60000 (`--fetcher_stall_timeout`) */
  stallTimeoutMs?: number;
  /** Cancels the fetch: the task was killed. */
  signal?: AbortSignal;
  /** Receives the fetcher's log lines, which Mesos writes to the sandbox `stderr`. */
  log?: (line: string) => Promise<void>;
}

/**
 * Validates every URI before anything is fetched, as Mesos' agent does before it runs
 * `mesos-fetcher`.
 *
 * @throws AgentTaskError `INVALID_URI` with Mesos' message for the first bad URI.
 */
export function validateUris(uris: readonly UriFields[]): ResolvedUri[] {
  return uris.map((uri) => resolveUri(uri));
}

/**
 * Fetches URIs into the sandbox one after the other, as one run of Mesos' `mesos-fetcher`:
 * download or copy, then `chmod 755` (`executable`) or unpack (`extract`), optionally through
 * the fetcher cache. The first failure stops the run.
 *
 * @throws AgentTaskError whose message is the fetcher's `Failed to fetch '<uri>': <why>`, or
 *   `ABORTED` when `signal` fires.
 */
export async function fetchUris(
  uris: readonly ResolvedUri[],
  options: FetchOptions,
): Promise<void> {
  const log = options.log ?? (() => Promise.resolve());
  for (const uri of uris) {
    throwIfAborted(options.signal);
    await log(`Fetching URI '${uri.value}'`);
    try {
      const fetched = await fetchOne(uri, options, log);
      await log(`Fetched '${uri.value}' to '${fetched}'`);
    } catch (error) {
      if (options.signal?.aborted) throw fetchAborted();
      const cause = error instanceof AgentTaskError ? error : undefined;
      const message = `Failed to fetch '${uri.value}': ${(error as Error).message}`;
      await log(message);
      throw new AgentTaskError(cause?.code ?? AgentTaskErrorCode.SANDBOX_IO, message);
    }
  }
  if (uris.length > 0) await log(`Successfully fetched all URIs into '${options.sandboxDir}'`);
}

/** Fetches one URI; returns the resulting file, or the sandbox when an archive was unpacked. */
async function fetchOne(
  uri: ResolvedUri,
  options: FetchOptions,
  log: (line: string) => Promise<void>,
): Promise<string> {
  const { sandboxDir, cacheDir, signal } = options;
  const outputPath = join(sandboxDir, uri.outputFile);
  if (dirname(uri.outputFile) !== '.') {
    await mkdir(dirname(outputPath), { recursive: true }).catch((error: Error) => {
      throw new AgentTaskError(
        AgentTaskErrorCode.SANDBOX_IO,
        `Unable to create subdirectory ${dirname(uri.outputFile)} in sandbox: ${error.message}`,
      );
    });
  }
  const source = uriSource(uri.location, options.frameworksHome);
  const retrieve = (destination: string) => retrieveSource(source, destination, options);

  // Mesos never caches FTP (and cannot size the others); those bypass the cache.
  if (uri.cache && cacheDir && (source.kind === 'http' || source.kind === 'local')) {
    const cached = cacheFilePath(cacheDir, options.user, uri.location, uri.basename);
    const outcome = await ensureCached(cached, retrieve, signal);
    if (outcome !== 'unavailable') {
      await log(
        outcome === 'hit' ? 'Fetching from cache' : 'Downloaded into cache; fetching from cache',
      );
      return fromCache(uri, cached, outputPath, sandboxDir, signal);
    }
    await log(`Reverting to fetching directly into the sandbox for '${uri.value}'`);
  }

  await retrieve(outputPath);
  if (uri.executable) {
    await makeExecutable(outputPath);
  } else if (uri.extract) {
    if (await extractArchive(outputPath, sandboxDir, signal)) return sandboxDir;
    await log(
      "Copying instead of extracting resource from URI with 'extract' flag, because it does " +
        `not seem to be an archive: ${uri.value}`,
    );
  }
  return outputPath;
}

/**
 * Out of the cache into the sandbox: an executable is copied and made executable, an archive
 * is unpacked straight from the cache (so, unlike a direct fetch, the archive itself does not
 * land in the sandbox), anything else is copied.
 */
async function fromCache(
  uri: ResolvedUri,
  cached: string,
  outputPath: string,
  sandboxDir: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (!uri.executable && uri.extract && (await extractArchive(cached, sandboxDir, signal))) {
    return sandboxDir;
  }
  await copyLocal(cached, outputPath);
  if (uri.executable) await makeExecutable(outputPath);
  return outputPath;
}

function retrieveSource(
  source: UriSource,
  destination: string,
  options: FetchOptions,
): Promise<void> {
  switch (source.kind) {
    case 'local':
      return copyLocal(source.path, destination);
    case 'http':
      return downloadHttp(source.url, destination, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
      });
    case 'ftp':
      return Promise.reject(
        downloadFailed('Error downloading resource: the local Mesos stand-in does not support FTP'),
      );
    case 'hadoop':
      return Promise.reject(
        downloadFailed(
          'Failed to create HDFS client: the local Mesos stand-in has no Hadoop client',
        ),
      );
  }
}

function downloadFailed(message: string): AgentTaskError {
  return new AgentTaskError(AgentTaskErrorCode.DOWNLOAD_FAILED, message);
}

async function makeExecutable(path: string): Promise<void> {
  try {
    await chmod(path, 0o755);
  } catch (error) {
    throw new AgentTaskError(
      AgentTaskErrorCode.SANDBOX_IO,
      `Failed to chmod executable '${path}': ${(error as Error).message}`,
    );
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw fetchAborted();
}
