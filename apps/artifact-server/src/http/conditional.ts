import type { IncomingHttpHeaders } from 'node:http';

/** What conditional request headers compare against. */
export interface Validators {
  /** A strong entity tag, quoted. */
  etag: string;
  /** Last modification, in whole seconds since the epoch. */
  lastModifiedSeconds: number;
}

/**
 * True when a GET or HEAD can be answered 304 Not Modified: `If-None-Match` matches (weak
 * comparison, `*` matches anything), or, when there is no `If-None-Match`, the content has not
 * changed since `If-Modified-Since` (RFC 9110 §13.2.2).
 */
export function isNotModified(headers: IncomingHttpHeaders, validators: Validators): boolean {
  const noneMatch = headers['if-none-match'];
  if (noneMatch !== undefined) return matchesAny(noneMatch, validators.etag);
  const modifiedSince = headers['if-modified-since'];
  if (modifiedSince === undefined) return false;
  const since = Date.parse(modifiedSince);
  return !Number.isNaN(since) && validators.lastModifiedSeconds * 1000 <= since;
}

/**
 * True when `Range` may be honoured: there is no `If-Range`, or it names the current content
 * (strong comparison of an entity tag, or exactly the Last-Modified date).
 */
export function rangeIsCurrent(headers: IncomingHttpHeaders, validators: Validators): boolean {
  const ifRange = headers['if-range'];
  if (ifRange === undefined) return true;
  if (typeof ifRange !== 'string') return false;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === validators.etag;
  if (value.startsWith('W/')) return false;
  return Date.parse(value) === validators.lastModifiedSeconds * 1000;
}

function matchesAny(list: string, etag: string): boolean {
  if (list.trim() === '*') return true;
  for (const candidate of list.split(',')) {
    const tag = candidate.trim();
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === etag) return true;
  }
  return false;
}
