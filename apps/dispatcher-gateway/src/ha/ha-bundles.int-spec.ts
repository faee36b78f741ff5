// Bundles kept for high availability: fetched over real HTTP from where the submission says, checked,
// written once into the storage folder, then published from there on this master's artifact
// server. The artifact server is a recording publisher here: its gRPC Publish has its own tests,
// this one checks what is handed to it.
import { sha256Hex, type ArtifactUpload } from '@mesoflow/artifacts-client';
import { createConfig } from '@mesoflow/config';
import { rejectionOf } from '@mesoflow/testing';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GatewayErrorCode } from '../errors';
import { haBundleFolder, HaBundles } from './ha-bundles';

describe('HA bundles', () => {
  const content = Buffer.from('module.exports = "word count";\n');
  const sha256 = sha256Hex(content);
  let dir: string;
  let server: Server;
  let base: string;
  let fetches = 0;
  const uploads: ArtifactUpload[] = [];
  const publisher = {
    publish: (upload: ArtifactUpload) => {
      uploads.push(upload);
      return Promise.resolve({ path: upload.path, sha256: sha256Hex(upload.content), url: `http://standby:6127/mesoflow/${upload.path}` });
    },
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      fetches++;
      if (request.url === '/mesoflow/bundles/abc/word-count.js') response.end(content);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ha-bundles-'));
    fetches = 0;
    uploads.length = 0;
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps a bundle once, then publishes the kept copy on this master under the same name', async () => {
    const bundles = new HaBundles(join(dir, 'bundles'), publisher);
    const bundle = { uri: `${base}/mesoflow/bundles/abc/word-count.js`, sha256 };
    await bundles.keep(bundle);
    await bundles.keep(bundle);
    expect(fetches).toBe(1);
    expect(readdirSync(join(dir, 'bundles'))).toEqual([`${sha256}.js`]);
    expect(readFileSync(join(dir, 'bundles', `${sha256}.js`))).toEqual(content);

    // The kept copy is what gets published: the server the URL names is not asked again.
    expect(await bundles.url(bundle)).toBe(`http://standby:6127/mesoflow/bundles/${sha256.slice(0, 16)}/word-count.js`);
    expect(await bundles.url(bundle)).toBe(`http://standby:6127/mesoflow/bundles/${sha256.slice(0, 16)}/word-count.js`);
    expect(fetches).toBe(1);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ path: `bundles/${sha256.slice(0, 16)}/word-count.js`, secret: false });
    expect(uploads[0]?.content).toEqual(content);
  });

  it('refuses a bundle whose content is not its SHA-256, and one it cannot read, keeping nothing', async () => {
    const bundles = new HaBundles(join(dir, 'bundles'), publisher);
    const wrong = 'f'.repeat(64);
    expect(await rejectionOf(bundles.keep({ uri: `${base}/mesoflow/bundles/abc/word-count.js`, sha256: wrong }))).toMatchObject({
      code: GatewayErrorCode.INVALID_ARGUMENT,
      message: `The bundle at '${base}/mesoflow/bundles/abc/word-count.js' has SHA-256 '${sha256}', not the submitted '${wrong}'`,
    });
    expect(await rejectionOf(bundles.keep({ uri: `${base}/mesoflow/missing.js`, sha256 }))).toMatchObject({
      code: GatewayErrorCode.UNAVAILABLE,
      message: `The bundle at '${base}/mesoflow/missing.js' could not be read to keep it for high availability: HTTP 404 Not Found`,
    });
    expect(await rejectionOf(bundles.url({ uri: 'unused', sha256 }))).toHaveProperty('message', expect.stringContaining(`The bundle '${sha256}' is not in the high-availability storage`));
    expect(uploads).toEqual([]);
  });

  it('keeps a bundle given as a local path or file URL', async () => {
    const local = join(dir, 'local.js');
    writeFileSync(local, content);
    const bundles = new HaBundles(join(dir, 'bundles'), publisher);
    await bundles.keep({ uri: pathToFileURL(local).toString(), sha256 });
    expect(readFileSync(join(dir, 'bundles', `${sha256}.js`))).toEqual(content);
  });

  it('is under the storage folder and cluster id with high availability, absent without it', () => {
    const ha = { 'high-availability': 'zookeeper', 'high-availability.zookeeper.quorum': 'zk:2181', 'high-availability.cluster-id': '/prod' } as const;
    expect(haBundleFolder(createConfig({ ...ha, 'high-availability.storageDir': 'file:///mnt/ha' }))).toBe('/mnt/ha/prod/bundles');
    expect(haBundleFolder(createConfig({ ...ha, 'high-availability.storageDir': '/mnt/ha' }))).toBe('/mnt/ha/prod/bundles');
    expect(() => haBundleFolder(createConfig({ ...ha, 'high-availability.storageDir': 'hdfs:///flink/ha' }))).toThrow(
      "high-availability.storageDir: 'hdfs:///flink/ha' is not supported: expected a folder every application master mounts, as a path or a file:// URI",
    );
    expect(haBundleFolder(createConfig({ 'high-availability.storageDir': '/mnt/ha' }))).toBeUndefined();
  });
});
