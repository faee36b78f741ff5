import { readFile } from 'node:fs/promises';
import { LocalMesosError, LocalMesosErrorCode } from './errors';

/** One principal allowed to authenticate, as in Mesos' `--credentials`. */
export interface Credential {
  principal: string;
  secret: string;
}

/**
 * Reads a credentials file in Mesos' formats: JSON `{"credentials":[{"principal":…,"secret":…}]}`
 * or the legacy text form of one `principal secret` pair per line.
 * @throws LocalMesosError `INVALID_CREDENTIALS` when the file is missing or malformed.
 */
export async function loadCredentialsFile(path: string): Promise<Credential[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new LocalMesosError(LocalMesosErrorCode.INVALID_CREDENTIALS, `Cannot read credentials file '${path}': ${(error as Error).message}`);
  }
  return parseCredentials(text, path);
}

/** Parses the contents of a credentials file; `source` names it in errors. */
export function parseCredentials(text: string, source = 'credentials'): Credential[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw invalid(source, `not valid JSON (${(error as Error).message})`);
    }
    const list = (json as { credentials?: unknown }).credentials;
    if (!Array.isArray(list)) throw invalid(source, "expected an object with a 'credentials' array");
    return list.map((item, i) => {
      const { principal, secret } = (item ?? {}) as { principal?: unknown; secret?: unknown };
      if (typeof principal !== 'string' || typeof secret !== 'string') {
        throw invalid(source, `credentials[${i}] needs string 'principal' and 'secret'`);
      }
      return { principal, secret };
    });
  }
  return trimmed
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line, i) => {
      const parts = line.split(/\s+/);
      if (parts.length !== 2) throw invalid(source, `line ${i + 1} must hold 'principal secret'`);
      return { principal: parts[0], secret: parts[1] };
    });
}

function invalid(source: string, problem: string): LocalMesosError {
  return new LocalMesosError(LocalMesosErrorCode.INVALID_CREDENTIALS, `Invalid credentials in '${source}': ${problem}`);
}

/**
 * libprocess' basic authenticator: the principal of a valid `Authorization: Basic …` header, or
 * `null` (missing, not Basic, bad base64, not exactly one `:`, unknown principal, wrong secret).
 */
export function authenticateBasic(header: string | undefined, credentials: readonly Credential[]): string | null {
  if (!header) return null;
  const match = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const parts = decoded.split(':');
  if (parts.length !== 2) return null;
  const [principal, secret] = parts;
  return credentials.some((c) => c.principal === principal && c.secret === secret) ? principal : null;
}
