// Nothing outside the published artifacts is ever served, whatever the URL: a corpus of
// traversal tricks, each sent as raw bytes, must get 400, 403 or 404 and no byte of a secret
// file that lives outside the artifact root (nor of one planted inside it).
import { freePort } from '@mesoflow/testing';
import { connect } from 'node:net';
import { linkSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, startTestArtifactServer, type TestArtifactServer } from './testing/test-server';

const SECRET_TEXT = 'OUTSIDE-ROOT-SECRET-7f3a9c';

/** Sends `target` verbatim as the request target and returns the status and the raw response. */
function rawGet(port: number, target: Buffer | string): Promise<{ status: number; raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0), raw });
    });
    socket.write(Buffer.concat([Buffer.from('GET '), Buffer.from(target), Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')]));
  });
}

describe('path traversal', () => {
  let t: TestArtifactServer;
  let port: number;

  beforeAll(async () => {
    t = await startTestArtifactServer(await freePort());
    port = Number(new URL(t.server.httpUrl).port);
    const outside = join(t.workDir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), SECRET_TEXT);
    await t.client.publish({ path: 'public.txt', size: 6, sha256: sha256('public') }, Buffer.from('public'));
    // A symlink inside the root that leaves it.
    symlinkSync(outside, join(t.root, 'leak'));
    symlinkSync(join(outside, 'secret.txt'), join(t.root, 'objects', 'leak.txt'));
  });

  afterAll(() => t.stop());

  const p = '/cluster-t/';
  const corpus: Array<string | Buffer> = [
    `${p}../outside/secret.txt`,
    `${p}../../outside/secret.txt`,
    `${p}..%2foutside%2fsecret.txt`,
    `${p}%2e%2e/outside/secret.txt`,
    `${p}%2e%2e%2f%2e%2e%2foutside%2fsecret.txt`,
    `${p}%2E%2E/%2E%2E/etc/passwd`,
    `${p}..%5coutside%5csecret.txt`,
    `${p}..\\outside\\secret.txt`,
    `${p}%252e%252e%252foutside%252fsecret.txt`,
    `${p}%252e%252e/outside/secret.txt`,
    `${p}/etc/passwd`,
    `${p}%2fetc%2fpasswd`,
    `/etc/passwd`,
    `/cluster-t/../../../../etc/passwd`,
    `http://127.0.0.1/cluster-t/../outside/secret.txt`,
    `${p}leak/secret.txt`,
    `${p}leak%2fsecret.txt`,
    `${p}objects/leak.txt`,
    `${p}manifest.json`,
    `${p}staging/x`,
    `${p}public.txt%00`,
    `${p}public.txt%00.jar`,
    `${p}%00../outside/secret.txt`,
    `${p}${'a/'.repeat(3000)}secret.txt`,
    `${p}${'../'.repeat(2000)}outside/secret.txt`,
    `${p}%EF%BC%8E%EF%BC%8E%EF%BC%8Foutside%EF%BC%8Fsecret.txt`,
    Buffer.concat([Buffer.from(p), Buffer.from('．．／outside／secret.txt', 'utf8')]),
    `${p}%c0%ae%c0%ae/outside/secret.txt`,
    `${p}%c0%ae%c0%ae%c0%afoutside%c0%afsecret.txt`,
    `${p}%e0%80%ae%e0%80%ae/outside/secret.txt`,
    `${p}%uff0e%uff0e/outside/secret.txt`,
    `${p}./public.txt`,
    `${p}public.txt/.`,
    `${p}public.txt/..`,
    `${p}a//../../outside/secret.txt`,
    `${p}%2e/public.txt`,
    `/cluster-t%2f..%2foutside%2fsecret.txt`,
    `/%2e%2e/outside/secret.txt`,
  ];

  it.each(corpus.map((target) => [target.toString().slice(0, 80), target]))('refuses %s', async (_name, target) => {
    const { status, raw } = await rawGet(port, target);
    expect([400, 403, 404]).toContain(status);
    expect(raw).not.toContain(SECRET_TEXT);
  });

  it('still serves the published file (the corpus is refused for its path, not for everything)', async () => {
    const { status, raw } = await rawGet(port, `${p}public.txt`);
    expect(status).toBe(200);
    expect(raw.endsWith('public')).toBe(true);
  });

  it('never serves a published object that was swapped on disk for a symlink or a hard link', async () => {
    const large = Buffer.alloc(100 * 1024, 'L');
    await t.client.publish({ path: 'swap.bin', size: large.length, sha256: sha256(large) }, large);
    await t.client.publish({ path: 'swap.txt', size: 4, sha256: sha256('swap') }, Buffer.from('swap'));
    const manifest = JSON.parse(readFileSync(join(t.root, 'manifest.json'), 'utf8')) as { artifacts: Array<{ path: string; object: string }> };
    const objectOf = (path: string): string => join(t.root, 'objects', manifest.artifacts.find((entry) => entry.path === path)!.object);
    const secret = join(t.workDir, 'outside', 'secret.txt');

    for (const swap of [(object: string) => symlinkSync(secret, object), (object: string) => linkSync(secret, object)]) {
      for (const path of ['swap.bin', 'swap.txt']) {
        rmSync(objectOf(path));
        swap(objectOf(path));
      }
      // Read from disk: the object is no longer the inode that was published.
      const fromDisk = await rawGet(port, `${p}swap.bin`);
      expect(fromDisk.status).toBe(404);
      expect(fromDisk.raw).not.toContain(SECRET_TEXT);
      // Small artifacts are served from the bytes hashed at publish time, never from the disk.
      const fromMemory = await rawGet(port, `${p}swap.txt`);
      expect(fromMemory.raw).not.toContain(SECRET_TEXT);
      expect(fromMemory.raw.endsWith('\r\n\r\nswap')).toBe(true);
    }
  });
});
