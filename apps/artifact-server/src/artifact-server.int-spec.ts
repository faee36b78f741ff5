import { status, type ServiceError } from '@grpc/grpc-js';
import { createConfig, MemorySize } from '@mesoflow/config';
import { freePort, rejectionOf } from '@mesoflow/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startArtifactServer } from './app';
import { UrlSigner } from './artifacts/url-signer';
import { ArtifactClient } from './testing/artifact-client';
import { sha256, startTestArtifactServer, TEST_SIGNING_KEY, type TestArtifactServer } from './testing/test-server';

const CONTENT = randomBytes(300_000);

describe('artifact server', () => {
  let t: TestArtifactServer;

  beforeAll(async () => {
    t = await startTestArtifactServer(await freePort(), { 'mesos.resourcemanager.artifactserver.max-artifact-size': MemorySize.of(1_000_000, 'b') });
    await t.client.publish({ path: 'lib/udfs.jar', size: CONTENT.length, sha256: sha256(CONTENT) }, CONTENT, 64 * 1024);
  });

  afterAll(() => t.stop());

  describe('publishing', () => {
    it('returns the URL to fetch an uploaded artifact, which serves exactly its bytes', async () => {
      const response = await t.client.publish({ path: 'conf/flink-conf.yaml', size: 9, sha256: sha256('a: b\nc: d') }, Buffer.from('a: b\nc: d'));
      expect(response.url).toBe(`${t.base}conf/flink-conf.yaml`);
      expect(response.artifact).toEqual(
        expect.objectContaining({ path: 'conf/flink-conf.yaml', size: 9, sha256: sha256('a: b\nc: d'), url: response.url }),
      );
      const fetched = await fetch(response.url!);
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('content-type')).toBe('application/yaml');
      expect(await fetched.text()).toBe('a: b\nc: d');
    });

    it('refuses a SHA-256 mismatch with INVALID_ARGUMENT and publishes nothing', async () => {
      const error = await rejectionOf<ServiceError>(t.client.publish({ path: 'bad.jar', size: CONTENT.length, sha256: sha256('other') }, CONTENT));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('SHA-256');
      expect((await fetch(`${t.base}bad.jar`)).status).toBe(404);
      expect((await t.client.list('bad')).artifacts ?? []).toEqual([]);
      expect(readdirSync(join(t.root, 'staging')).filter((name) => !name.startsWith('manifest'))).toEqual([]);
    });

    it('refuses content longer or shorter than declared', async () => {
      const longer = await rejectionOf<ServiceError>(t.client.publish({ path: 'long.bin', size: 10, sha256: sha256(CONTENT) }, CONTENT));
      expect(longer.code).toBe(status.INVALID_ARGUMENT);
      const shorter = await rejectionOf<ServiceError>(t.client.publish({ path: 'short.bin', size: 20, sha256: sha256('0123456789') }, Buffer.from('0123456789')));
      expect(shorter.code).toBe(status.INVALID_ARGUMENT);
    });

    it('refuses an artifact over the size limit with RESOURCE_EXHAUSTED before reading it', async () => {
      const error = await rejectionOf<ServiceError>(t.client.publish({ path: 'huge.bin', size: 2_000_000, sha256: sha256('x') }, Buffer.alloc(0)));
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    });

    it('refuses invalid paths, a missing digest and a call without metadata', async () => {
      for (const path of ['../x', '/abs', 'a//b', 'a/./b', 'sp ace', '', 'ü.jar']) {
        const error = await rejectionOf<ServiceError>(t.client.publish({ path, size: 1, sha256: sha256('x') }, Buffer.from('x')));
        expect({ path, code: error.code }).toEqual({ path, code: status.INVALID_ARGUMENT });
      }
      expect((await rejectionOf<ServiceError>(t.client.publish({ path: 'x', size: 1, sha256: 'nope' }, Buffer.from('x')))).code).toBe(status.INVALID_ARGUMENT);
      const chunkFirst = await rejectionOf<ServiceError>(t.client.publishMessages([{ chunk: Buffer.from('x') }, { metadata: { path: 'x', size: 1, sha256: sha256('x') } }]));
      expect(chunkFirst.code).toBe(status.INVALID_ARGUMENT);
      const twice = await rejectionOf<ServiceError>(
        t.client.publishMessages([{ metadata: { path: 'x', size: 1, sha256: sha256('x') } }, { metadata: { path: 'y', size: 1, sha256: sha256('x') } }]),
      );
      expect(twice.code).toBe(status.INVALID_ARGUMENT);
      expect((await fetch(`${t.base}x`)).status).toBe(404);
    });

    it('publishes a local file under an allowed root, and refuses one outside', async () => {
      const local = join(t.workDir, 'dist.tgz');
      writeFileSync(local, 'distribution');
      const response = await t.client.publishFile({ path: 'dist/mesoflow.tgz', local_path: local, sha256: sha256('distribution') });
      expect(await (await fetch(response.url!)).text()).toBe('distribution');
      const outside = await rejectionOf<ServiceError>(t.client.publishFile({ path: 'passwd', local_path: '/etc/passwd' }));
      expect(outside.code).toBe(status.PERMISSION_DENIED);
      const wrong = await rejectionOf<ServiceError>(t.client.publishFile({ path: 'dist/other.tgz', local_path: local, sha256: sha256('else') }));
      expect(wrong.code).toBe(status.INVALID_ARGUMENT);
    });

    it('replaces an artifact on republish and stops serving it on unpublish', async () => {
      const first = await t.client.publish({ path: 'job/bundle.js', size: 3, sha256: sha256('one') }, Buffer.from('one'));
      const etag = (await fetch(first.url!)).headers.get('etag');
      await t.client.publish({ path: 'job/bundle.js', size: 3, sha256: sha256('two') }, Buffer.from('two'));
      const second = await fetch(first.url!);
      expect(await second.text()).toBe('two');
      expect(second.headers.get('etag')).not.toBe(etag);
      await t.client.unpublish('job/bundle.js');
      expect((await fetch(first.url!)).status).toBe(404);
      expect((await rejectionOf<ServiceError>(t.client.unpublish('job/bundle.js'))).code).toBe(status.NOT_FOUND);
    });

    it('lists artifacts under a prefix', async () => {
      const listed = await t.client.list('lib/');
      expect(listed.artifacts).toEqual([expect.objectContaining({ path: 'lib/udfs.jar', size: CONTENT.length, secret: false })]);
    });
  });

  describe('downloading', () => {
    it('answers GET with length, type, validators and the content', async () => {
      const response = await fetch(`${t.base}lib/udfs.jar`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(String(CONTENT.length));
      expect(response.headers.get('content-type')).toBe('application/java-archive');
      expect(response.headers.get('accept-ranges')).toBe('bytes');
      expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
      expect(Date.parse(response.headers.get('last-modified')!)).not.toBeNaN();
      expect(Buffer.from(await response.arrayBuffer()).equals(CONTENT)).toBe(true);
    });

    it('answers HEAD with the same headers and no body', async () => {
      const response = await fetch(`${t.base}lib/udfs.jar`, { method: 'HEAD' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(String(CONTENT.length));
      expect((await response.arrayBuffer()).byteLength).toBe(0);
    });

    it('serves single byte ranges with 206 and Content-Range', async () => {
      const middle = await fetch(`${t.base}lib/udfs.jar`, { headers: { Range: 'bytes=100-199' } });
      expect(middle.status).toBe(206);
      expect(middle.headers.get('content-range')).toBe(`bytes 100-199/${CONTENT.length}`);
      expect(middle.headers.get('content-length')).toBe('100');
      expect(Buffer.from(await middle.arrayBuffer()).equals(CONTENT.subarray(100, 200))).toBe(true);

      const suffix = await fetch(`${t.base}lib/udfs.jar`, { headers: { Range: 'bytes=-10' } });
      expect(Buffer.from(await suffix.arrayBuffer()).equals(CONTENT.subarray(CONTENT.length - 10))).toBe(true);

      const open = await fetch(`${t.base}lib/udfs.jar`, { headers: { Range: 'bytes=200000-' } });
      expect(open.status).toBe(206);
      expect(Buffer.from(await open.arrayBuffer()).equals(CONTENT.subarray(200_000))).toBe(true);
    });

    it('answers 416 with bytes */size for a range past the end, 200 for several ranges', async () => {
      const past = await fetch(`${t.base}lib/udfs.jar`, { headers: { Range: `bytes=${CONTENT.length}-` } });
      expect(past.status).toBe(416);
      expect(past.headers.get('content-range')).toBe(`bytes */${CONTENT.length}`);
      expect((await past.arrayBuffer()).byteLength).toBe(0);
      const several = await fetch(`${t.base}lib/udfs.jar`, { headers: { Range: 'bytes=0-1,5-6' } });
      expect(several.status).toBe(200);
      expect((await several.arrayBuffer()).byteLength).toBe(CONTENT.length);
    });

    it('answers 304 to a matching If-None-Match or a later If-Modified-Since', async () => {
      const first = await fetch(`${t.base}lib/udfs.jar`, { method: 'HEAD' });
      const etag = first.headers.get('etag')!;
      const lastModified = first.headers.get('last-modified')!;
      expect((await fetch(`${t.base}lib/udfs.jar`, { headers: { 'If-None-Match': `"other", ${etag}` } })).status).toBe(304);
      expect((await fetch(`${t.base}lib/udfs.jar`, { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
      expect((await fetch(`${t.base}lib/udfs.jar`, { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
      const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
      expect((await fetch(`${t.base}lib/udfs.jar`, { headers: { 'If-Modified-Since': earlier } })).status).toBe(200);
      const stale = await fetch(`${t.base}lib/udfs.jar`, { headers: { Range: 'bytes=0-9', 'If-Range': '"stale"' } });
      expect(stale.status).toBe(200);
      const current = await fetch(`${t.base}lib/udfs.jar`, { headers: { Range: 'bytes=0-9', 'If-Range': etag } });
      expect(current.status).toBe(206);
    });

    it('answers 404 for an unknown artifact and 405 for other methods', async () => {
      expect((await fetch(`${t.base}nope.jar`)).status).toBe(404);
      const post = await fetch(`${t.base}lib/udfs.jar`, { method: 'POST', body: 'x' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    });
  });

  describe('secret artifacts', () => {
    const SECRET = Buffer.from('keytab-bytes-that-must-not-leak');
    let signedUrl: string;

    beforeAll(async () => {
      const response = await t.client.publish({ path: 'secrets/krb5.keytab', size: SECRET.length, sha256: sha256(SECRET), secret: true }, SECRET);
      signedUrl = response.url!;
    });

    it('refuses the plain URL with 403 and no byte of the file', async () => {
      const response = await fetch(`${t.base}secrets/krb5.keytab`);
      expect(response.status).toBe(403);
      expect(await response.text()).not.toContain('keytab-bytes');
    });

    it('serves the signed URL returned by Publish and by SignUrl', async () => {
      expect(signedUrl).toMatch(/\?expires=\d+&signature=[A-Za-z0-9_-]{43}$/);
      const response = await fetch(signedUrl);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      expect(Buffer.from(await response.arrayBuffer()).equals(SECRET)).toBe(true);
      const signed = await t.client.signUrl('secrets/krb5.keytab', 60);
      expect(signed.expires_at).toBeGreaterThan(Date.now() / 1000 + 50);
      expect((await fetch(signed.url!)).status).toBe(200);
      expect((await fetch(signed.url!, { method: 'HEAD' })).status).toBe(200);
    });

    it('refuses tampered, expired, foreign and malformed signatures with 403', async () => {
      const url = new URL(signedUrl);
      const signature = url.searchParams.get('signature')!;
      const expires = Number(url.searchParams.get('expires'));
      const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
      const signer = new UrlSigner(Buffer.from(TEST_SIGNING_KEY));
      const past = Math.floor(Date.now() / 1000) - 5;
      const variants = [
        `?expires=${expires}&signature=${flipped}`,
        `?expires=${expires + 1}&signature=${signature}`,
        `?expires=${past}&signature=${signer.sign('GET', `/cluster-t/secrets/krb5.keytab`, past)}`,
        `?expires=${expires}&signature=${signer.sign('GET', `/cluster-t/lib/udfs.jar`, expires)}`,
        `?expires=${expires}&signature=${new UrlSigner(Buffer.from('another-key-of-sufficient-length-00')).sign('GET', '/cluster-t/secrets/krb5.keytab', expires)}`,
        `?expires=${expires}`,
        `?signature=${signature}`,
        `?expires=abc&signature=${signature}`,
        `?expires=${expires}&signature=${signature}x`,
      ];
      for (const query of variants) {
        const response = await fetch(`${t.base}secrets/krb5.keytab${query}`);
        const body = await response.text();
        expect({ query, status: response.status, leaked: body.includes('keytab-bytes') }).toEqual({ query, status: 403, leaked: false });
      }
    });

    it('refuses to sign a URL for an unknown artifact', async () => {
      expect((await rejectionOf<ServiceError>(t.client.signUrl('secrets/none'))).code).toBe(status.NOT_FOUND);
    });
  });

  it('counts requests by status, bytes served and publishes in /metrics', async () => {
    await fetch(`${t.base}lib/udfs.jar`);
    const text = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
    expect(text).toMatch(/^artifact_http_requests_total\{method="GET",status="200"\} [1-9]/m);
    expect(text).toMatch(/^artifact_http_requests_total\{method="GET",status="404"\} [1-9]/m);
    expect(text).toMatch(/^artifact_http_bytes_served_total [1-9]/m);
    expect(text).toMatch(/^artifact_publishes_total\{result="published"\} [1-9]/m);
    expect(text).toMatch(/^artifact_publishes_total\{result="rejected"\} [1-9]/m);
    expect((await fetch(`${t.server.httpUrl}/healthz`)).status).toBe(200);
  });
});

describe('artifact server restart', () => {
  it('serves the same artifacts, secret ones still signed-only, after a restart on the same root', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'artifact-restart-'));
    const settings = async () =>
      createConfig(
        {
          'mesos.resourcemanager.artifactserver.port': 0,
          'mesos.resourcemanager.artifactserver.bind-host': '127.0.0.1',
          'mesos.resourcemanager.artifactserver.advertised-host': '127.0.0.1',
          'mesos.resourcemanager.artifactserver.grpc.port': await freePort(),
          'mesos.resourcemanager.artifactserver.root': join(workDir, 'root'),
          'mesos.resourcemanager.artifactserver.url-signing-key': TEST_SIGNING_KEY,
        },
        { service: 'artifact-server' },
      );
    const runtime = { logger: pino({ level: 'silent' }), shutdownSignals: false as const };
    try {
      const first = await startArtifactServer(await settings(), runtime);
      const client = new ArtifactClient(first.grpcTarget);
      await client.publish({ path: 'a.txt', size: 5, sha256: sha256('hello') }, Buffer.from('hello'));
      await client.publish({ path: 's.txt', size: 6, sha256: sha256('secret'), secret: true }, Buffer.from('secret'));
      client.close();
      await first.close();

      const second = await startArtifactServer(await settings(), runtime);
      try {
        const base = `${second.httpUrl}/mesoflow/`;
        expect(await (await fetch(`${base}a.txt`)).text()).toBe('hello');
        expect((await fetch(`${base}s.txt`)).status).toBe(403);
        expect(await (await fetch(second.urls.signed('s.txt', 60).url)).text()).toBe('secret');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
