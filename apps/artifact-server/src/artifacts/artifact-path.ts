/** Longest artifact path accepted, in characters (all ASCII). */
export const MAX_PATH_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 255;

/**
 * Artifact paths are ASCII only, from a set that needs no escaping in URLs or shells:
 * letters, digits and `._+@=,~-`, in `/`-separated segments. No empty, `.` or `..` segment,
 * no leading `/`, no backslash, no `%`, no NUL, no Unicode look-alikes.
 */
const PATH_PATTERN = /^[A-Za-z0-9._+@=,~-]+(?:\/[A-Za-z0-9._+@=,~-]+)*$/;
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;

/** True if `path` is a valid artifact path (see {@link PATH_PATTERN}). */
export function isArtifactPath(path: string): boolean {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) return false;
  if (!PATH_PATTERN.test(path) || DOT_SEGMENT.test(path)) return false;
  if (path.length > MAX_SEGMENT_LENGTH) {
    for (const segment of path.split('/')) if (segment.length > MAX_SEGMENT_LENGTH) return false;
  }
  return true;
}

/** Why {@link isArtifactPath} refuses a path, as a sentence, for error messages. */
export function explainInvalidPath(path: string): string {
  const shown = path.length > 80 ? `${path.slice(0, 80)}…` : path;
  return `'${shown}' is not a valid artifact path: use ASCII letters, digits and '._+@=,~-' in '/'-separated segments, no '.' or '..' segment, at most ${MAX_PATH_LENGTH} characters`;
}

/**
 * The artifact path named by the part of a request URL after the cluster prefix, or undefined if
 * it cannot name one (bad percent-encoding, forbidden characters after decoding). The query
 * string must already be cut off.
 */
export function artifactPathFromUrl(encoded: string): string | undefined {
  let path = encoded;
  if (path.includes('%')) {
    try {
      path = decodeURIComponent(path);
    } catch {
      return undefined;
    }
  }
  return isArtifactPath(path) ? path : undefined;
}
