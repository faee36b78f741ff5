import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

const PROBE_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;

/** One GET of `url`: true on a 2xx answer, false on any other answer or error. */
export function probe(url: URL, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    // No keep-alive agent: a pooled socket would outlive the probe and hold the event loop.
    const request = (url.protocol === 'https:' ? https : http).get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      resolve(status >= 200 && status < 300);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
    request.on('close', () => resolve(false));
  });
}

/**
 * Probes `url` until it answers 2xx (true), `timeoutMs` passes (false) or `signal` aborts
 * (false).
 */
export async function waitUntilReady(url: URL, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!signal.aborted) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;
    if (await probe(url, Math.min(PROBE_TIMEOUT_MS, remaining))) return true;
    try {
      await sleep(Math.min(PROBE_INTERVAL_MS, Math.max(0, deadline - Date.now())), undefined, { signal });
    } catch {
      return false;
    }
  }
  return false;
}
