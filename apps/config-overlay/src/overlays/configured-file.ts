import type { ConfigKey, ConfigValues } from '@mesoflow/config';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { sha256Hex } from '@mesoflow/artifacts-client';
import type { ShippedArtifactMessage } from '../grpc/messages';
import type { FetchUri, OverlayContext } from './overlay';
import { OverlayError, OverlayErrorCode } from './overlay-error';

/** A file named by an option (a keytab, a keystore) and where TaskManagers find it. */
export interface ConfiguredFile {
  /** The option holding the master's path to the file, e.g. `security.kerberos.login.keytab`. */
  readonly key: ConfigKey;
  /** Where it lands, relative to the sandbox, e.g. `security/krb5.keytab`. */
  readonly sandboxPath: string;
  /** Served only through signed URLs, never cached by the fetcher. */
  readonly secret: boolean;
}

/** What shipping configured files adds to a spec. */
export interface ShippedFiles {
  uris: FetchUri[];
  artifacts: ShippedArtifactMessage[];
  confOverrides: ConfigValues;
}

/**
 * Publishes each file whose option is set, fetches it to its sandbox path, and points the
 * option at that path in the TaskManager's configuration (the master's path means nothing on an
 * agent). The TaskManager's working directory is the sandbox, so the relative path resolves.
 */
export async function shipConfiguredFiles(context: OverlayContext, overlay: string, files: readonly ConfiguredFile[]): Promise<ShippedFiles> {
  const shipped: ShippedFiles = { uris: [], artifacts: [], confOverrides: {} };
  for (const file of files) {
    const source = context.config.get(file.key);
    if (typeof source !== 'string' || source === '') continue;
    let content: Buffer;
    try {
      content = readFileSync(source);
    } catch (error) {
      throw new OverlayError(OverlayErrorCode.UNSHIPPABLE_FILE, `The file of '${file.key}' ('${source}') cannot be read: ${(error as Error).message}`, { cause: error });
    }
    const sha256 = sha256Hex(content);
    // Content-addressed like every artifact; the checksum of a secret file reveals nothing of it.
    const path = `${file.secret ? 'secrets' : 'files'}/${sha256}/${basename(file.sandboxPath)}`;
    const published = await context.publisher.publish({ path, content, secret: file.secret });
    // A signed URL ends in a query string, so the fetcher needs output_file to name the file.
    shipped.uris.push({ value: published.url, extract: false, cache: !file.secret, executable: false, output_file: file.sandboxPath });
    shipped.artifacts.push({ overlay, path, sha256, secret: file.secret, sandbox_path: file.sandboxPath });
    (shipped.confOverrides as Record<string, unknown>)[file.key] = file.sandboxPath;
  }
  return shipped;
}
