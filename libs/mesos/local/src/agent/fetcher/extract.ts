import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AgentTaskError, AgentTaskErrorCode, fetchAborted } from '../agent-task-error';
import { describeExit } from '../exit-status';

/** How a fetched file is unpacked, decided by its name's suffix as in Mesos' fetcher. */
export type ArchiveKind = 'tar' | 'zip' | 'gzip';

const TAR_SUFFIXES = ['.tar', '.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz'];

/** The archive kind of a file name, or `undefined` for a plain file that is left as it is. */
export function archiveKind(fileName: string): ArchiveKind | undefined {
  if (TAR_SUFFIXES.some((suffix) => fileName.endsWith(suffix))) return 'tar';
  if (fileName.endsWith('.zip')) return 'zip';
  if (fileName.endsWith('.gz')) return 'gzip';
  return undefined;
}

function extractFailed(message: string): AgentTaskError {
  return new AgentTaskError(AgentTaskErrorCode.EXTRACT_FAILED, message);
}

/**
 * Unpacks `source` into `directory` if its name marks it as an archive, with the system tools
 * (`tar`, which detects gzip/bzip2/xz itself, `unzip`, and `gzip -d -c` for a bare `.gz`, which
 * becomes the name without `.gz`). Returns false, touching nothing, for other names.
 *
 * @throws AgentTaskError `EXTRACT_FAILED` with Mesos' message, or `ABORTED`.
 */
export async function extractArchive(
  source: string,
  directory: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const kind = archiveKind(source);
  switch (kind) {
    case undefined:
      return false;
    case 'tar':
    case 'zip': {
      // Like libarchive in Mesos, keep the files owned by whoever runs the agent.
      const args =
        kind === 'tar'
          ? ['tar', '-xf', source, '-C', directory, '--no-same-owner']
          : ['unzip', '-o', '-q', source, '-d', directory];
      try {
        await run(args, 'ignore', 'ignore', signal);
      } catch (error) {
        if (error instanceof AgentTaskError) throw error;
        const why = `'${args[0]}' ${(error as Error).message}`;
        throw extractFailed(`Failed to extract archive '${source}' to '${directory}': ${why}`);
      }
      return true;
    }
    case 'gzip': {
      const destination = join(directory, basename(source.slice(0, -'.gz'.length)));
      const input = await open(source, 'r');
      try {
        const output = await open(destination, 'w');
        try {
          await run(['gzip', '-d', '-c'], input.fd, output.fd, signal);
        } finally {
          await output.close();
        }
      } catch (error) {
        if (error instanceof AgentTaskError) throw error;
        const why = (error as Error).message;
        throw extractFailed(`Failed to extract '${source}': 'gunzip -d -c' failed: ${why}`);
      } finally {
        await input.close();
      }
      return true;
    }
  }
}

/**
 * Runs a tool to completion; rejects with its exit description (`exited with status 2`) and
 * its stderr lines joined with `; `.
 */
function run(
  [command, ...args]: string[],
  stdin: number | 'ignore',
  stdout: number | 'ignore',
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(fetchAborted());
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: [stdin, stdout, 'pipe'],
      ...(signal ? { signal, killSignal: 'SIGKILL' as const } : {}),
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      // Enough for the message; a noisy tool must not grow memory.
      if (stderr.length < 2048) stderr += chunk;
    });
    child.once('error', (error) => {
      if (signal?.aborted) reject(fetchAborted());
      else reject(new Error(`could not be started: ${error.message}`));
    });
    child.once('close', (code, exitSignal) => {
      if (signal?.aborted) return reject(fetchAborted());
      if (code === 0) return resolve();
      const detail = stderr
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .join('; ')
        .slice(0, 500);
      reject(new Error(`${describeExit(code, exitSignal)}${detail ? `: ${detail}` : ''}`));
    });
  });
}

