import { MemoryPublisher } from '../testing/memory-publisher';
import type { ArtifactPublisher, ArtifactUpload, PublishedFile } from '@mesoflow/artifacts-client';
import { PublishOnce } from './artifact-publisher';

describe('PublishOnce', () => {
  it('uploads a content-addressed file once and re-signs secret ones for each request', async () => {
    const inner = new MemoryPublisher();
    const publisher = new PublishOnce(inner);
    const plain = { path: 'lib/abc/x.js', content: Buffer.from('x'), secret: false };
    const secret = { path: 'secrets/def/conf.yaml', content: Buffer.from('s'), secret: true };

    const first = await publisher.publish(plain);
    expect(await publisher.publish(plain)).toEqual(first);
    const signed1 = await publisher.publish(secret);
    const signed2 = await publisher.publish(secret);
    expect(signed1.url).not.toBe(signed2.url);
    expect(inner.uploads.map((u) => u.path)).toEqual(['lib/abc/x.js', 'secrets/def/conf.yaml']);
  });

  it('retries an upload that failed', async () => {
    let attempts = 0;
    const flaky: ArtifactPublisher = {
      publish: (upload: ArtifactUpload): Promise<PublishedFile> =>
        ++attempts === 1 ? Promise.reject(new Error('unavailable')) : Promise.resolve({ path: upload.path, sha256: '', url: `http://a/${upload.path}` }),
      signUrl: (path) => Promise.resolve(path),
    };
    const publisher = new PublishOnce(flaky);
    const upload = { path: 'a', content: Buffer.from('a'), secret: false };
    await expect(publisher.publish(upload)).rejects.toThrow('unavailable');
    await expect(publisher.publish(upload)).resolves.toMatchObject({ url: 'http://a/a' });
  });
});
