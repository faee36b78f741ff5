import { close as closeFd, constants, createReadStream, fstat, open, read } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { Logger } from 'pino';
import { artifactPathFromUrl } from '../artifacts/artifact-path';
import type { ArtifactStore, PublishedArtifact } from '../artifacts/artifact-store';
import type { UrlSigner } from '../artifacts/url-signer';
import type { ArtifactMetrics } from '../metrics';
import { parseRange } from './byte-range';
import { isNotModified, rangeIsCurrent } from './conditional';

/** Files up to this size are read in one call and sent in one write, without a stream. */
const SMALL_FILE_BYTES = 64 * 1024;
/** Read size when streaming larger files: fewer, larger socket writes. */
const STREAM_CHUNK_BYTES = 256 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

const PLAIN = 'text/plain; charset=utf-8';
const BODIES: Record<400 | 403 | 404 | 405, string> = {
  400: 'Bad Request: not an artifact path\n',
  403: 'Forbidden: this artifact needs a valid, unexpired signed URL\n',
  404: 'Not Found\n',
  405: 'Method Not Allowed\n',
};

/**
 * GET and HEAD of published artifacts at `/<prefix>/<path>`, answered by node's HTTP server
 * directly (no router, no framework hooks): the download hot path.
 *
 * The URL only selects an entry of the store's catalog; nothing in it becomes a file name. The
 * object file is opened without following a final symlink and must still be the very inode that
 * was published (device and inode compared after `fstat`), so a file swapped or linked on disk
 * behind the server's back is never sent.
 */
export class FileRoute {
  private readonly prefixLength: number;

  constructor(
    private readonly prefix: string,
    private readonly store: ArtifactStore,
    private readonly signer: UrlSigner,
    private readonly metrics: ArtifactMetrics,
    private readonly logger: Logger,
  ) {
    this.prefixLength = prefix.length + 2;
  }

  /** The raw URL prefix this route answers, `/<prefix>/`. */
  get urlPrefix(): string {
    return `/${this.prefix}/`;
  }

  /** The direct route handler. */
  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    if (this.logger.isLevelEnabled('debug')) this.logAccess(request, response);
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') {
      this.refuse(request, response, 405, { Allow: 'GET, HEAD' });
      return;
    }
    const url = request.url ?? '';
    const queryStart = url.indexOf('?', this.prefixLength);
    const path = artifactPathFromUrl(queryStart < 0 ? url.slice(this.prefixLength) : url.slice(this.prefixLength, queryStart));
    if (path === undefined) {
      this.refuse(request, response, 400);
      return;
    }
    const artifact = this.store.get(path);
    if (!artifact) {
      this.refuse(request, response, 404);
      return;
    }
    if (artifact.secret) {
      const problem = this.signer.verify('GET', `/${this.prefix}/${path}`, queryStart < 0 ? '' : url.slice(queryStart + 1), Date.now() / 1000);
      if (problem !== undefined) {
        this.logger.debug(`Refused secret artifact '${path}': signature ${problem}`);
        this.refuse(request, response, 403);
        return;
      }
    }
    if (artifact.content) {
      this.respond(request, response, artifact, artifact.content);
      return;
    }
    this.openAndServe(request, response, artifact, false);
  };

  private openAndServe(request: IncomingMessage, response: ServerResponse, artifact: PublishedArtifact, retried: boolean): void {
    open(artifact.file, OPEN_FLAGS, (openError, fd) => {
      if (openError) {
        // Republished or unpublished between the lookup and the open: look again, once.
        const current = this.store.get(artifact.path);
        if (!retried && current && current !== artifact && current.secret === artifact.secret) {
          this.openAndServe(request, response, current, true);
          return;
        }
        if (openError.code !== 'ENOENT') this.logger.warn({ err: openError }, `Artifact '${artifact.path}' could not be opened`);
        this.refuse(request, response, 404);
        return;
      }
      fstat(fd, (statError, stats) => {
        if (statError || !stats.isFile() || stats.ino !== artifact.ino || stats.dev !== artifact.dev || stats.size !== artifact.size) {
          close(fd, noop);
          this.logger.warn(`Artifact '${artifact.path}' no longer matches what was published on disk; refusing to serve it`);
          this.refuse(request, response, 404);
          return;
        }
        this.respond(request, response, artifact, fd);
      });
    });
  }

  /** Answers from `source`: the artifact's content in memory, or its object file opened as `fd`. */
  private respond(request: IncomingMessage, response: ServerResponse, artifact: PublishedArtifact, source: number | Buffer): void {
    const fd = typeof source === 'number' ? source : -1;
    const headers: OutgoingHttpHeaders = {
      ETag: artifact.etag,
      'Last-Modified': artifact.lastModified,
      'Accept-Ranges': 'bytes',
      'Cache-Control': artifact.secret ? 'private, no-store' : 'no-cache',
    };
    const method = request.method as 'GET' | 'HEAD';
    if (isNotModified(request.headers, artifact)) {
      close(fd, noop);
      this.send(response, method, 304, headers);
      return;
    }
    let status = 200;
    let start = 0;
    let end = artifact.size - 1;
    if (method === 'GET' && request.headers.range !== undefined && rangeIsCurrent(request.headers, artifact)) {
      const range = parseRange(request.headers.range, artifact.size);
      switch (range.kind) {
        case 'none':
          break;
        case 'unsatisfiable':
          close(fd, noop);
          headers['Content-Range'] = `bytes */${artifact.size}`;
          this.send(response, method, 416, headers);
          return;
        case 'range':
          status = 206;
          start = range.range.start;
          end = range.range.end;
          headers['Content-Range'] = `bytes ${start}-${end}/${artifact.size}`;
          break;
      }
    }
    const length = end - start + 1;
    headers['Content-Type'] = artifact.contentType;
    headers['Content-Length'] = length;
    response.writeHead(status, headers);
    this.metrics.request(method, status);
    if (method === 'HEAD' || length === 0) {
      close(fd, noop);
      response.end();
      return;
    }
    if (typeof source !== 'number') {
      response.end(start === 0 && length === source.length ? source : source.subarray(start, end + 1));
      this.metrics.served(length);
      return;
    }
    if (length <= SMALL_FILE_BYTES) {
      const buffer = Buffer.allocUnsafe(length);
      read(fd, buffer, 0, length, start, (error, bytesRead) => {
        close(fd, noop);
        if (error || bytesRead !== length) {
          response.destroy(error ?? undefined);
          return;
        }
        response.end(buffer);
        this.metrics.served(length);
      });
      return;
    }
    const stream = createReadStream(artifact.file, { fd, start, end, highWaterMark: STREAM_CHUNK_BYTES });
    pipeline(stream, response, () => this.metrics.served(stream.bytesRead));
  }

  private send(response: ServerResponse, method: 'GET' | 'HEAD', status: number, headers: OutgoingHttpHeaders): void {
    response.writeHead(status, headers);
    response.end();
    this.metrics.request(method, status);
  }

  private refuse(request: IncomingMessage, response: ServerResponse, status: 400 | 403 | 404 | 405, extra: OutgoingHttpHeaders = {}): void {
    const body = BODIES[status];
    response.writeHead(status, { ...extra, 'Content-Type': PLAIN, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
    this.metrics.request(request.method === 'GET' || request.method === 'HEAD' ? request.method : 'OTHER', status);
  }

  private logAccess(request: IncomingMessage, response: ServerResponse): void {
    const started = process.hrtime.bigint();
    response.once('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const path = (request.url ?? '').split('?', 1)[0];
      this.logger.debug(
        { method: request.method, path, status: response.statusCode, ms: Math.round(ms * 10) / 10, complete: response.writableFinished },
        `${request.method} '${path}' answered ${response.statusCode} in ${ms.toFixed(1)} ms`,
      );
    });
  }
}

/** Closes a file descriptor, if there is one (-1 when the content came from memory). */
function close(fd: number, callback: () => void): void {
  if (fd >= 0) closeFd(fd, callback);
}

function noop(): void {
  // Closing a descriptor needs no follow-up; a failure to close has nothing to undo.
}
