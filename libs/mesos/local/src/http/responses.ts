import type { ServerResponse } from 'node:http';
import { redirectLocation, type Leadership } from '../zk/leader-watch';

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

/**
 * Answers a request a non-leading master does not serve: 307 to the leader with `path` appended
 * to the protocol-relative `Location`, or 503 `No leader elected` when no leader is known.
 */
export function sendToLeader(res: ServerResponse, leadership: Exclude<Leadership, { kind: 'leading' }>, path: string): void {
  if (leadership.kind === 'no-leader') return sendText(res, 503, 'No leader elected');
  sendText(res, 307, '', { Location: redirectLocation(leadership.leader, path) });
}
