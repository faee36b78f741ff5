import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleFetcher, sha256Of } from './bundle';
import { isTaskManagerError, TaskManagerErrorCode } from './errors';

describe('BundleFetcher', () => {
  const content = Buffer.from('module.exports = 42;\n');
  let folder: string;
  let server: Server;
  let base: string;
  let requests = 0;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'bundle-'));
    server = createServer((request, response) => {
      requests++;
      if (request.url?.startsWith('/bundles/job.js') === true) response.end(content);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(folder, { recursive: true, force: true });
  });

  it('downloads an http bundle once into the work directory and checks its SHA-256', async () => {
    const fetcher = new BundleFetcher(folder);
    const sha256 = sha256Of(content);
    const [path, again] = await Promise.all([
      fetcher.fetch({ url: `${base}/bundles/job.js?signature=abc`, sha256 }),
      fetcher.fetch({ url: `${base}/bundles/job.js?signature=abc`, sha256 }),
    ]);
    expect(path).toBe(join(folder, 'bundles', `${sha256}.js`));
    expect(again).toBe(path);
    expect(requests).toBe(1);
    expect(await readFile(path)).toEqual(content);
  });

  it('refuses a bundle with another SHA-256, a missing file and an HTTP error, naming them', async () => {
    const fetcher = new BundleFetcher(folder);
    const local = join(folder, 'local.js');
    await writeFile(local, content);
    await expect(fetcher.fetch({ url: local, sha256: sha256Of(content) })).resolves.toBe(local);
    const failures = await Promise.all([
      fetcher.fetch({ url: local, sha256: 'a'.repeat(64) }).catch((error: unknown) => error),
      fetcher.fetch({ url: join(folder, 'missing.js'), sha256: 'a'.repeat(64) }).catch((error: unknown) => error),
      fetcher.fetch({ url: `${base}/nothing.js?signature=secret`, sha256: 'a'.repeat(64) }).catch((error: unknown) => error),
      fetcher.fetch({ url: local, sha256: 'not-hex' }).catch((error: unknown) => error),
    ]);
    for (const failure of failures) expect(isTaskManagerError(failure, TaskManagerErrorCode.BUNDLE_FAILED)).toBe(true);
    const messages = failures.map((failure) => (failure as Error).message);
    expect(messages[0]).toContain(`has SHA-256 ${sha256Of(content)}, not the expected ${'a'.repeat(64)}`);
    expect(messages[1]).toMatch(/missing\.js' could not be read/);
    expect(messages[2]).toMatch(/HTTP 404/);
    expect(messages[2]).not.toContain('secret');
    expect(messages[3]).toMatch(/no valid SHA-256/);
  });
});
