// How numbers and times read on every page. Locale-independent, so a value looks the same in
// every browser and its width is predictable (tables keep their columns when values change).

const DASH = '—';

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** A point in time in the browser's zone, `2026-01-02 03:04:05`; 0 (not yet) is a dash. */
export function formatTimestamp(atMs: number): string {
  if (atMs === 0) return DASH;
  const at = new Date(atMs);
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${formatClock(atMs)}`;
}

/** The time of day in the browser's zone, `03:04:05`. */
export function formatClock(atMs: number): string {
  const at = new Date(atMs);
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** A length of time in its two largest units: `850 ms`, `12 s`, `3 min 05 s`, `2 h 03 min`, `3 d 04 h`. */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  if (whole < 1000) return `${whole} ms`;
  const seconds = Math.floor(whole / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${pad(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${pad(minutes % 60)} min`;
  return `${Math.floor(hours / 24)} d ${pad(hours % 24)} h`;
}

/** How long something ran: until it ended, or until now while it runs; a dash before it started. */
export function formatElapsed(startedAtMs: number, endedAtMs: number, nowMs: number): string {
  if (startedAtMs === 0) return DASH;
  return formatDuration((endedAtMs === 0 ? nowMs : endedAtMs) - startedAtMs);
}

/** A whole count with thousands separated, `1,234,567`; undefined (not reported yet) is a dash. */
export function formatCount(value: number | undefined): string {
  if (value === undefined) return DASH;
  const sign = value < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(value))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Records per second: `0.5/s`, `12/s`, `12.3k/s`, `1.2M/s`; undefined is a dash. */
export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined) return DASH;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k/s`;
  if (perSecond > 0 && perSecond < 10) return `${perSecond.toFixed(1)}/s`;
  return `${Math.round(perSecond)}/s`;
}

/** A size given in megabytes (as Mesos resources are): `512 MB`, `1.5 GB`, `2.0 TB`. */
export function formatMegabytes(mb: number): string {
  if (mb >= 1024 * 1024) return `${(mb / (1024 * 1024)).toFixed(1)} TB`;
  if (mb >= 1024) return `${(mb / 1024).toFixed(1)} GB`;
  return `${Math.round(mb)} MB`;
}

/** CPUs as Mesos offers them, fractions included: `0.5`, `2`. */
export function formatCpus(cpus: number): string {
  return Number.isInteger(cpus) ? String(cpus) : cpus.toFixed(2).replace(/0$/, '');
}
