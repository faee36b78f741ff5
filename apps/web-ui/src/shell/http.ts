// The gateway's HTTP API as the pages use it: GET a view, POST a cancel. Every failure becomes
// one ApiError whose message is the sentence a page shows.
import { apiPaths } from '@mesoflow/web-api';

/** Why a request failed: the gateway did not answer, or answered with an error status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** 0 when the gateway could not be reached. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The sentence of an error answer: `/api/v1` answers `{error: sentence}`, the job routes
 * `{error: CODE, message: sentence}`; without either the status says it.
 */
export function errorMessageOf(status: number, statusText: string, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      if ('message' in parsed && typeof parsed.message === 'string' && parsed.message !== '') return parsed.message;
      if ('error' in parsed && typeof parsed.error === 'string' && parsed.error !== '') return parsed.error;
    }
  } catch {
    // Not JSON (a proxy's error page, say): the status says enough.
  }
  return `HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}`;
}

/**
 * The gateway's absolute API paths made relative to the page, so the UI also works behind a
 * proxy that serves it under a prefix (DC/OS serves services at `/service/<name>/`).
 */
export function relativeToPage(path: string): string {
  return path.startsWith('/') ? `.${path}` : path;
}

async function send(path: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(relativeToPage(path), init);
  } catch (error) {
    throw new ApiError(0, `The gateway cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new ApiError(response.status, errorMessageOf(response.status, response.statusText, await response.text()));
  return response;
}

/** GETs a view; the caller names its type (the paths and their views are @mesoflow/web-api's). */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await send(path, { headers: { accept: 'application/json' }, ...(signal === undefined ? {} : { signal }) });
  return (await response.json()) as T;
}

/** Asks the gateway to cancel a job; `token` when the overview says `authRequired`. */
export async function cancelJob(jobId: string, token: string | undefined): Promise<void> {
  await send(apiPaths.cancelJob(jobId), {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}
