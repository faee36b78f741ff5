import { createWriteStream } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { AgentTaskError, AgentTaskErrorCode, fetchAborted } from '../agent-task-error';

/** How {@link downloadHttp} behaves. */
export interface DownloadOptions {
  /** Cancels the download (the task was killed). */
  signal?: AbortSignal;
  /**
   * Give up when no byte arrived for this long: Mesos' `--fetcher_stall_timeout`.
   * @default 60000
   */
  stallTimeoutMs?: number;
  /** @default 20 */
  maxRedirects?: number;
}

function failed(message: string): AgentTaskError {
  return new AgentTaskError(AgentTaskErrorCode.DOWNLOAD_FAILED, message);
}

/**
 * Streams an `http://` or `https://` URL into `destination`, following redirects. Like Mesos'
 * libcurl download, only a final `200` counts as success; the body is written as it arrives,
 * never held in memory.
 *
 * @throws AgentTaskError `DOWNLOAD_FAILED` with Mesos' message, or `ABORTED`.
 */
export async function downloadHttp(
  url: string,
  destination: string,
  options: DownloadOptions = {},
): Promise<void> {
  const { signal, stallTimeoutMs = 60_000, maxRedirects = 20 } = options;
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const response = await request(current, signal, stallTimeoutMs);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location) {
      response.resume();
      if (redirects >= maxRedirects) {
        throw failed(`Error downloading resource: Maximum (${maxRedirects}) redirects followed`);
      }
      current = new URL(location, current).toString();
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw failed(`Error downloading resource, received HTTP return code ${status}`);
    }
    try {
      await pipeline(response, createWriteStream(destination), signal ? { signal } : {});
    } catch (error) {
      if (signal?.aborted) throw fetchAborted();
      throw failed(`Error downloading resource: ${(error as Error).message}`);
    }
    return;
  }
}

function request(
  url: string,
  signal: AbortSignal | undefined,
  stallTimeoutMs: number,
): Promise<IncomingMessage> {
  if (signal?.aborted) return Promise.reject(fetchAborted());
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | undefined;
    const req = client.get(url, signal ? { signal } : {}, (res) => {
      response = res;
      resolve(res);
    });
    // The socket timeout covers both waiting for headers and a body that stops flowing; once
    // the body is being piped, the error must reach the response stream to fail the pipeline.
    req.setTimeout(stallTimeoutMs, () => {
      const seconds = Math.round(stallTimeoutMs / 1000);
      const stalled = new Error(
        `Operation too slow. Less than 1 bytes/sec transferred the last ${seconds} seconds`,
      );
      if (response) response.destroy(stalled);
      else req.destroy(stalled);
    });
    req.on('error', (error) => {
      if (signal?.aborted) reject(fetchAborted());
      else reject(failed(`Error downloading resource: ${error.message}`));
    });
  });
}

/**
 * Copies a local file, as Mesos' fetcher does for `file://` and plain paths (the kernel copies;
 * nothing is buffered here).
 *
 * @throws AgentTaskError `DOWNLOAD_FAILED`.
 */
export async function copyLocal(source: string, destination: string): Promise<void> {
  try {
    await copyFile(source, destination);
  } catch (error) {
    throw failed(`Failed to copy '${source}' to '${destination}': ${(error as Error).message}`);
  }
}
