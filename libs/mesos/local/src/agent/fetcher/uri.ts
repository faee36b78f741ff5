import { isAbsolute, join, posix } from 'node:path';
import { AgentTaskError, AgentTaskErrorCode } from '../agent-task-error';

/** Where a URI's bytes come from, decided as Mesos' fetcher does. */
export type UriSource =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 'ftp'; readonly url: string }
  | { readonly kind: 'hadoop'; readonly uri: string };

/** A `CommandInfo.URI` checked and resolved, ready to fetch. */
export interface ResolvedUri {
  /** The URI as given (for messages, as Mesos names it). */
  readonly value: string;
  /** The URI without leading whitespace: what is actually fetched. */
  readonly location: string;
  /** File name in the sandbox: `output_file`, else the text after the URI's last `/`. */
  readonly outputFile: string;
  /** The URI's own basename, which names its cache file. */
  readonly basename: string;
  readonly executable: boolean;
  readonly extract: boolean;
  readonly cache: boolean;
}

/** The fields of `mesos.v1.CommandInfo.URI` the fetcher reads. */
export interface UriFields {
  value: string;
  executable?: boolean | null;
  extract?: boolean | null;
  cache?: boolean | null;
  output_file?: string | null;
}

function invalid(message: string): AgentTaskError {
  return new AgentTaskError(AgentTaskErrorCode.INVALID_URI, message);
}

function unfetchable(message: string): AgentTaskError {
  return new AgentTaskError(AgentTaskErrorCode.DOWNLOAD_FAILED, message);
}

/**
 * Mesos' `Fetcher::basename`: the text after the last `/`, query string included
 * (`…/a.tgz?x=1` gives `a.tgz?x=1`). Rejects `\`, `'` and NUL, and `scheme://host` URIs
 * without a path.
 */
export function uriBasename(uri: string): string {
  if (/[\\'\0]/.test(uri)) throw invalid('Illegal characters in URI');
  const schemeEnd = uri.indexOf('://');
  if (schemeEnd > 1) {
    const rest = uri.slice(schemeEnd + 3);
    const slash = rest.indexOf('/');
    if (slash < 0 || rest.length <= slash + 1) {
      throw invalid(`Malformed URI (missing path): ${uri}`);
    }
    return rest.slice(rest.lastIndexOf('/') + 1);
  }
  return posix.basename(uri);
}

/**
 * Mesos' `Fetcher::validateOutputFile`, plus one check Mesos leaves as a TODO: a `..` segment
 * is rejected too, so `output_file` cannot escape the sandbox.
 */
export function validateOutputFile(outputFile: string): void {
  if (outputFile.length === 0) throw invalid('URI output file path is empty');
  if (outputFile.startsWith('/') || outputFile.split('/').includes('..')) {
    throw invalid('URI output file must be within the sandbox directory');
  }
}

/**
 * Classifies a (left-trimmed) URI: `file://` and scheme-less values are local copies,
 * `http(s)://` downloads, `ftp(s)://` FTP, anything else would go to the Hadoop client.
 * Mesos decides this inside the fetcher run, so its errors are fetch failures, not validation
 * failures.
 */
export function uriSource(uri: string, frameworksHome?: string): UriSource {
  const fileUri = uri.startsWith('file://');
  if (!fileUri && uri.includes('://')) {
    if (uri.startsWith('http://') || uri.startsWith('https://')) return { kind: 'http', url: uri };
    if (uri.startsWith('ftp://') || uri.startsWith('ftps://')) return { kind: 'ftp', url: uri };
    return { kind: 'hadoop', uri };
  }
  let path = fileUri ? uri.slice('file://'.length) : uri;
  if (path.startsWith('localhost')) path = path.slice('localhost'.length);
  if (isAbsolute(path)) return { kind: 'local', path };
  if (fileUri) throw unfetchable('File URI only supports absolute paths');
  if (!frameworksHome) {
    throw unfetchable(
      'A relative path was passed for the resource but the Mesos framework home was not ' +
        'specified. Please either provide this config option or avoid using a relative path',
    );
  }
  return { kind: 'local', path: join(frameworksHome, path) };
}

/**
 * Validates one URI the way Mesos does before running its fetcher (characters, path,
 * `output_file` kept inside the sandbox) and fills in the defaults (`extract` true).
 *
 * @throws AgentTaskError `INVALID_URI`.
 */
export function resolveUri(uri: UriFields): ResolvedUri {
  const value = uri.value.trimStart();
  const basename = uriBasename(value);
  // Presence, as Mesos' has_output_file(): a decoded message inherits "" from the proto2
  // default on its prototype when the field was never sent.
  const hasOutputFile =
    Object.prototype.hasOwnProperty.call(uri, 'output_file') && uri.output_file !== undefined && uri.output_file !== null;
  if (hasOutputFile) validateOutputFile(uri.output_file as string);
  const outputFile = hasOutputFile ? (uri.output_file as string) : basename;
  if (outputFile.length === 0) throw invalid(`Malformed URI (missing path): ${value}`);
  return {
    value: uri.value,
    location: value,
    outputFile,
    basename,
    executable: uri.executable === true,
    extract: uri.extract !== false,
    cache: uri.cache === true,
  };
}
