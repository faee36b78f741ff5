import { createReadStream, existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { API_BASE } from '@mesoflow/web-api';

/** Where Vite puts the bundles it names by content hash: they never change under one name. */
const HASHED_ASSETS = '/assets/';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** A file at the top of every Mesoflow installation, and of the repository. */
const HOME_MARKER = join('bin', 'mesoflow');

/**
 * Where the built web UI is by default: `dist/web-ui` in `mesoflowHome` when given, else in the
 * first folder at or above `from` holding `bin/mesoflow` (the repository when run from the
 * sources, `apps/dispatcher-gateway/src/web`, or from a bundle, `dist/dispatcher-gateway`).
 */
export function defaultWebUiDir(mesoflowHome: string | undefined, from: string = __dirname): string {
  if (mesoflowHome !== undefined && mesoflowHome !== '') return join(resolve(mesoflowHome), 'dist', 'web-ui');
  for (let dir = resolve(from); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, HOME_MARKER))) return join(dir, 'dist', 'web-ui');
  }
  // No installation found: the repository layout, so the not-built page names the expected folder.
  return resolve(from, '../../../../dist/web-ui');
}

/** A regular file inside the UI folder. */
interface UiFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

type Lookup = { readonly kind: 'file'; readonly file: UiFile } | { readonly kind: 'missing' } | { readonly kind: 'refused' };

/**
 * The built web UI (`npm run build` writes it) served from its folder: files by their path,
 * `index.html` for `/` and for any other path that is not a file (the UI's own routes), a page
 * saying how to build the UI while it is not built. Nothing outside the folder is ever served:
 * paths with `..`, dot-files, encoded slashes or NUL, and symbolic links leading out are
 * answered 404.
 */
export class WebUiFiles {
  /** @param root the UI folder, e.g. `<MESOFLOW_HOME>/dist/web-ui`; it may be built after the gateway started. */
  constructor(readonly root: string) {}

  /** Answers a GET or HEAD request completely. */
  async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return end(response, 405, { Allow: 'GET, HEAD' }, 'text/plain; charset=utf-8', 'Only GET and HEAD are served here\n');
    const path = (request.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
    if (path === API_BASE || path.startsWith(`${API_BASE}/`)) {
      return end(response, 404, {}, 'application/json; charset=utf-8', JSON.stringify({ error: `There is no API resource '${path}'` }));
    }
    const segments = segmentsOf(path);
    if (segments === undefined) return notFound(response);
    const root = await realpath(this.root).catch(() => undefined);
    if (root === undefined) return end(response, 200, { 'Cache-Control': 'no-store' }, 'text/html; charset=utf-8', notBuiltPage(this.root));
    const requested = segments.length === 0 ? ['index.html'] : segments;
    const found = await lookup(root, requested);
    if (found.kind === 'file') return sendFile(request, response, found.file, path.startsWith(HASHED_ASSETS) ? 'public, max-age=31536000, immutable' : 'no-cache');
    // A missing file (with an extension, or a hashed asset) is a 404: HTML in its place would break the page subtly.
    const namesFile = !path.endsWith('/') && extname(path) !== '';
    if (found.kind === 'refused' || path.startsWith(HASHED_ASSETS) || namesFile) return notFound(response);
    const index = await lookup(root, ['index.html']);
    if (index.kind === 'file') return sendFile(request, response, index.file, 'no-cache');
    return end(response, 200, { 'Cache-Control': 'no-store' }, 'text/html; charset=utf-8', notBuiltPage(this.root));
  }
}

/**
 * The decoded path segments, or undefined for a path that must not reach the file system: one
 * that does not decode, or has a `..`, `.` or dot-file segment, a backslash, NUL, or a slash
 * that was percent-encoded (so `/..%2f..%2fetc/passwd` is refused, not joined).
 */
export function segmentsOf(path: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of path.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment.startsWith('.') || /[/\\\0]/.test(segment)) return undefined;
    if (segment !== '') segments.push(segment);
  }
  // A trailing slash names a folder: its index.html, as for `/`.
  if (path.endsWith('/') && segments.length > 0) segments.push('index.html');
  return segments;
}

async function lookup(root: string, segments: readonly string[]): Promise<Lookup> {
  let real: string;
  try {
    real = await realpath(join(root, ...segments));
  } catch {
    return { kind: 'missing' };
  }
  // A symbolic link may lead anywhere; only what really lies inside the folder is served.
  if (!real.startsWith(root + sep)) return { kind: 'refused' };
  const stats = await stat(real).catch(() => undefined);
  return stats?.isFile() === true ? { kind: 'file', file: { path: real, size: stats.size, mtimeMs: stats.mtimeMs } } : { kind: 'missing' };
}

async function sendFile(request: IncomingMessage, response: ServerResponse, file: UiFile, cacheControl: string): Promise<void> {
  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  const headers = {
    'Content-Type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    'Cache-Control': cacheControl,
    ETag: etag,
    'Last-Modified': new Date(file.mtimeMs).toUTCString(),
    'X-Content-Type-Options': 'nosniff',
  };
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'Content-Length': file.size });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  // A failed read (file removed by a rebuild meanwhile) cuts the response: its length is sent already.
  await pipeline(createReadStream(file.path), response).catch(() => response.destroy());
}

function notFound(response: ServerResponse): void {
  end(response, 404, {}, 'text/plain; charset=utf-8', 'Not found\n');
}

function end(response: ServerResponse, status: number, headers: Record<string, string>, contentType: string, body: string): void {
  response.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff' });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** What `/` answers while the UI is not built: Marathon's health check still gets its 200. */
export function notBuiltPage(root: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Mesoflow</title></head><body>',
    '<h1>Mesoflow dispatcher gateway</h1>',
    `<p>The web UI is not built: there is no <code>${escapeHtml(join(root, 'index.html'))}</code>.</p>`,
    '<p>Build it with <code>npm run build</code> in the Mesoflow folder, then reload this page. The API it shows is served at <a href="/api/v1/overview">/api/v1</a>.</p>',
    '</body></html>',
    '',
  ].join('\n');
}
