import { execFile } from 'node:child_process';
import { access, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { freePort, waitFor } from '@mesoflow/testing';
import type { CommandTaskOptions } from './command-task';
import type { UriFields } from './fetcher/uri';
import {
  commandTaskSpec,
  runTask,
  serveFiles,
  tempDir,
  type FileServer,
  type Route,
} from './test-support';

const run = promisify(execFile);
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('launchCommandTask fetching CommandInfo.uris', () => {
  let workDir: string;
  let cleanup: () => Promise<void>;
  let server: FileServer | undefined;
  let archive: Buffer;

  beforeAll(async () => {
    // A real .tar.gz made by the system tar, as an artifact server would hold it.
    const { dir, cleanup: remove } = await tempDir('mesoflow-archive-');
    await mkdir(join(dir, 'app', 'conf'), { recursive: true });
    await writeFile(join(dir, 'app', 'hello.txt'), 'hello from the archive\n');
    await writeFile(join(dir, 'app', 'conf', 'app.conf'), 'mode=batch\n');
    await run('tar', ['-czf', join(dir, 'app.tar.gz'), '-C', dir, 'app']);
    archive = await readFile(join(dir, 'app.tar.gz'));
    await remove();
  });

  beforeEach(async () => {
    ({ dir: workDir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await cleanup();
  });

  /** Launches `sh -c <value>` with `uris`. */
  const launch = (
    value: string,
    uris: UriFields[],
    overrides?: Parameters<typeof commandTaskSpec>[2],
    options?: CommandTaskOptions,
  ) => runTask(commandTaskSpec(workDir, { value, uris }, overrides), options);

  async function serve(routes: Record<string, Route>): Promise<FileServer> {
    server = await serveFiles(await freePort(), routes);
    return server;
  }

  it('downloads a .tar.gz over http and extracts it next to the archive', async () => {
    const files = await serve({ '/artifacts/app.tar.gz': archive });
    const uri = files.url('/artifacts/app.tar.gz');
    const task = launch('cat app/hello.txt app/conf/app.conf', [{ value: uri }]);

    expect(await task.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
    expect(task.states()).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(await task.read('stdout')).toBe('hello from the archive\nmode=batch\n');
    expect(await exists(join(task.handle.sandboxDir, 'app.tar.gz'))).toBe(true);
    // The fetcher's log goes first into the sandbox stderr.
    expect(await task.read('stderr')).toContain(`Fetched '${uri}'`);
  });

  it('follows redirects', async () => {
    const files = await serve({
      '/old/app.tar.gz': (_req, res) => res.writeHead(302, { location: '/new/app.tar.gz' }).end(),
      '/new/app.tar.gz': archive,
    });
    const task = launch('cat app/hello.txt', [{ value: files.url('/old/app.tar.gz') }]);

    expect(await task.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
    expect(await task.read('stdout')).toBe('hello from the archive\n');
  });

  it('makes an executable URI runnable and does not extract it', async () => {
    const files = await serve({ '/bin/tool.tgz': '#!/bin/sh\necho "tool ran with $1"\n' });
    const task = launch('./tool.tgz x', [
      { value: files.url('/bin/tool.tgz'), executable: true },
    ]);

    expect(await task.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
    expect(await task.read('stdout')).toBe('tool ran with x\n');
    expect((await stat(join(task.handle.sandboxDir, 'tool.tgz'))).mode & 0o777).toBe(0o755);
  });

  it('writes to output_file, creating its folders; extract: false leaves it packed', async () => {
    const files = await serve({ '/download?id=7': archive });
    const task = launch('ls', [
      { value: files.url('/download?id=7'), output_file: 'lib/deps/app.tar.gz', extract: false },
    ]);

    expect(await task.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
    expect(await readFile(join(task.handle.sandboxDir, 'lib/deps/app.tar.gz'))).toEqual(archive);
    expect(await exists(join(task.handle.sandboxDir, 'app'))).toBe(false);
  });

  it('names the file after the text following the last slash, query string included', async () => {
    const files = await serve({ '/a.tgz?v=1': archive });
    const task = launch('true', [{ value: files.url('/a.tgz?v=1') }]);

    await task.handle.done;

    // Not recognised as an archive, exactly as in Mesos.
    expect(await exists(join(task.handle.sandboxDir, 'a.tgz?v=1'))).toBe(true);
    expect(await exists(join(task.handle.sandboxDir, 'app'))).toBe(false);
  });

  it('gunzips a bare .gz into the name without .gz', async () => {
    const files = await serve({ '/data/words.txt.gz': gzipSync('alpha\nbeta\n') });
    const task = launch('cat words.txt', [{ value: files.url('/data/words.txt.gz') }]);

    expect(await task.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
    expect(await task.read('stdout')).toBe('alpha\nbeta\n');
  });

  it('extracts a .zip with unzip (zip builds the archive; npm test installs both)', async () => {
    const { dir, cleanup: remove } = await tempDir('mesoflow-zip-');
    try {
      await mkdir(join(dir, 'site'));
      await writeFile(join(dir, 'site', 'index.html'), '<p>hi</p>\n');
      await run('zip', ['-q', '-r', join(dir, 'site.zip'), 'site'], { cwd: dir });
      const files = await serve({ '/site.zip': await readFile(join(dir, 'site.zip')) });
      const task = launch('cat site/index.html', [{ value: files.url('/site.zip') }]);

      expect(await task.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
      expect(await task.read('stdout')).toBe('<p>hi</p>\n');
    } finally {
      await remove();
    }
  });

  it('copies file:// URIs and absolute paths', async () => {
    const { dir, cleanup: remove } = await tempDir('mesoflow-local-');
    try {
      await writeFile(join(dir, 'a.txt'), 'A');
      await writeFile(join(dir, 'app.tar.gz'), archive);
      const task = launch('cat a.txt app/hello.txt', [
        { value: `file://${join(dir, 'a.txt')}` },
        { value: join(dir, 'app.tar.gz') },
      ]);

      expect(await task.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
      expect(await task.read('stdout')).toBe('Ahello from the archive\n');
    } finally {
      await remove();
    }
  });

  describe('cache', () => {
    it('downloads a cached URI once and unpacks later launches from the cache', async () => {
      const files = await serve({ '/artifacts/app.tar.gz': archive });
      const { dir: cacheDir, cleanup: removeCache } = await tempDir('mesoflow-cache-');
      try {
        const uris = [{ value: files.url('/artifacts/app.tar.gz'), cache: true }];
        const overrides = { fetcherCacheDir: cacheDir, frameworkUser: 'alice' };

        const first = launch('cat app/hello.txt', uris, overrides);
        expect(await first.handle.done).toMatchObject({ state: 'TASK_FINISHED' });
        const second = launch('cat app/hello.txt', uris, overrides);
        expect(await second.handle.done).toMatchObject({ state: 'TASK_FINISHED' });

        expect(files.hits.get('/artifacts/app.tar.gz')).toBe(1);
        expect(await second.read('stdout')).toBe('hello from the archive\n');
        // Through the cache only the extracted contents land in the sandbox.
        expect(await exists(join(second.handle.sandboxDir, 'app.tar.gz'))).toBe(false);
        const cached = await readdir(join(cacheDir, 'alice'));
        expect(cached).toHaveLength(1);
        expect(cached[0]).toMatch(/app\.tar\.gz$/);
      } finally {
        await removeCache();
      }
    });

    it('downloads once for concurrent launches of the same URI', async () => {
      const files = await serve({ '/artifacts/app.tar.gz': archive });
      const { dir: cacheDir, cleanup: removeCache } = await tempDir('mesoflow-cache-');
      try {
        const uris = [{ value: files.url('/artifacts/app.tar.gz'), cache: true }];
        const tasks = Array.from({ length: 5 }, () =>
          launch('cat app/hello.txt', uris, { fetcherCacheDir: cacheDir }),
        );

        const terminals = await Promise.all(tasks.map((task) => task.handle.done));

        expect(terminals.map((update) => update.state)).toEqual(Array(5).fill('TASK_FINISHED'));
        expect(files.hits.get('/artifacts/app.tar.gz')).toBe(1);
      } finally {
        await removeCache();
      }
    });
  });

  describe('failures', () => {
    it('fails the launch on a 404 and never starts the command', async () => {
      const files = await serve({});
      const uri = files.url('/missing/app.tar.gz');
      const spec = commandTaskSpec(workDir, { value: 'touch started', uris: [{ value: uri }] });
      const task = runTask(spec);

      const terminal = await task.handle.done;

      expect(terminal).toEqual({
        state: 'TASK_FAILED',
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message:
          'Failed to launch container: ' +
          `Failed to fetch all URIs for container '${spec.containerId}': exited with status 1; ` +
          `Failed to fetch '${uri}': Error downloading resource, received HTTP return code 404`,
      });
      expect(task.states()).toEqual(['TASK_FAILED']);
      expect(await exists(join(task.handle.sandboxDir, 'started'))).toBe(false);
      expect(await task.read('stderr')).toContain(`Failed to fetch '${uri}'`);
    });

    it('accepts only 200 as success, as Mesos does', async () => {
      const files = await serve({ '/empty.txt': (_req, res) => res.writeHead(204).end() });
      const task = launch('true', [{ value: files.url('/empty.txt') }]);

      const terminal = await task.handle.done;

      expect(terminal.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
      expect(terminal.message).toMatch(/received HTTP return code 204$/);
    });

    it('fails the launch when an archive cannot be extracted', async () => {
      const files = await serve({ '/broken.tar.gz': 'this is not gzip' });
      const uri = files.url('/broken.tar.gz');
      const task = launch('touch started', [{ value: uri }]);

      const terminal = await task.handle.done;

      const sandbox = task.handle.sandboxDir;
      expect(terminal).toMatchObject({
        state: 'TASK_FAILED',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      });
      expect(terminal.message).toContain(
        `Failed to fetch '${uri}': Failed to extract archive '${join(sandbox, 'broken.tar.gz')}' ` +
          `to '${sandbox}': 'tar' exited with status 2: `,
      );
      expect(await exists(join(task.handle.sandboxDir, 'started'))).toBe(false);
    });

    it('fails the launch when the server cannot be reached', async () => {
      const uri = `http://127.0.0.1:${await freePort()}/app.tar.gz`;
      const task = launch('true', [{ value: uri }]);

      const terminal = await task.handle.done;

      expect(terminal.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
      expect(terminal.message).toContain(
        `Failed to fetch '${uri}': Error downloading resource: connect ECONNREFUSED`,
      );
    });

    it('gives up on a download that stalls longer than the stall timeout', async () => {
      const files = await serve({
        '/stalled.tar.gz': (_req, res) => {
          res.writeHead(200, { 'content-length': archive.length });
          res.write(archive.subarray(0, 10));
        },
      });
      const task = launch('true', [{ value: files.url('/stalled.tar.gz') }], undefined, {
        fetcherStallTimeoutMs: 200,
      });

      const terminal = await task.handle.done;

      expect(terminal.reason).toBe('REASON_CONTAINER_LAUNCH_FAILED');
      expect(terminal.message).toContain('Error downloading resource: Operation too slow');
    });

    it.each([['../escape.txt'], ['conf/../../escape.txt'], ['/tmp/escape.txt']])(
      'rejects output_file %s before fetching anything',
      async (outputFile) => {
        const files = await serve({ '/file.txt': 'x' });
        const task = launch('true', [{ value: files.url('/file.txt'), output_file: outputFile }]);

        expect(await task.handle.done).toEqual({
          state: 'TASK_FAILED',
          source: 'SOURCE_AGENT',
          reason: 'REASON_CONTAINER_LAUNCH_FAILED',
          message:
            'Failed to launch container: Could not fetch: ' +
            'URI output file must be within the sandbox directory',
        });
        expect(files.hits.size).toBe(0);
      },
    );

    it('rejects a URI without a path', async () => {
      const task = launch('true', [{ value: 'http://example.invalid' }]);

      expect((await task.handle.done).message).toBe(
        'Failed to launch container: Could not fetch: ' +
          'Malformed URI (missing path): http://example.invalid',
      );
    });
  });

  it('cancels the fetch on kill and reports TASK_KILLED without starting the command', async () => {
    let requested = false;
    const files = await serve({
      '/slow/app.tar.gz': (_req, res) => {
        requested = true;
        // Half a body, then nothing: the download can only end by being cancelled.
        res.writeHead(200, { 'content-length': archive.length });
        res.write(archive.subarray(0, 100));
      },
    });
    const task = launch('touch started', [{ value: files.url('/slow/app.tar.gz') }]);
    await waitFor(() => requested, { description: 'the download to start' });

    task.handle.kill();
    const terminal = await task.handle.done;

    expect(terminal).toEqual({
      state: 'TASK_KILLED',
      source: 'SOURCE_AGENT',
      reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
      message: 'Killed before delivery to the executor',
    });
    expect(task.states()).toEqual(['TASK_KILLED']);
    expect(await exists(join(task.handle.sandboxDir, 'started'))).toBe(false);
  });
});
