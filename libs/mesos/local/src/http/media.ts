import type { MesosMediaType } from '@mesoflow/mesos-codec';

/**
 * libprocess' `Request::acceptsMediaType`: true when the `Accept` header allows `mediaType`
 * (no header = anything; `*\/*` and `type/*` match; `q=0` refuses).
 */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const [type, subtype] = mediaType.split('/');
  for (const item of accept.split(',')) {
    const [range, ...params] = item.split(';').map((part) => part.trim());
    const quality = params.find((param) => /^q\s*=/.test(param));
    if (quality !== undefined && Number(quality.split('=')[1]) === 0) continue;
    const [rangeType, rangeSubtype] = range.toLowerCase().split('/');
    if (rangeType === '*' && rangeSubtype === '*') return true;
    if (rangeType === type && (rangeSubtype === '*' || rangeSubtype === subtype)) return true;
  }
  return false;
}

/** The master's choice of event encoding: JSON if acceptable, else protobuf, else `null` (406). */
export function negotiateEventMediaType(accept: string | undefined): MesosMediaType | null {
  if (acceptsMediaType(accept, 'application/json')) return 'application/json';
  if (acceptsMediaType(accept, 'application/x-protobuf')) return 'application/x-protobuf';
  return null;
}
