import type { ServerResponse } from 'node:http';

/** Writes a complete response with a plain-text body, as libprocess does for errors. */
export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    ...headers,
    ...(bytes.length > 0 ? { 'Content-Type': 'text/plain; charset=utf-8' } : {}),
    'Content-Length': String(bytes.length),
  });
  res.end(bytes);
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) });
  res.end(bytes);
}
