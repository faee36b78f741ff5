// The publisher against a real grpc-js server that implements ArtifactService's Publish the way
// the artifact server does (metadata first, then chunks), so the client's framing and error
// mapping are tested over the real HTTP/2 stack. The artifact server itself is an app, which a
// library cannot start; apps/config-overlay's and apps/e2e's tests run the two together.
import * as grpc from '@grpc/grpc-js';
import { ARTIFACTS_GRPC, grpcServiceClient, type mesoflow } from '@mesoflow/proto';
import { ArtifactPublishError, GrpcArtifactPublisher, sha256Hex } from './index';

type PublishRequest = mesoflow.artifacts.v1.PublishRequest.$Properties;

interface Received {
  metadata: PublishRequest['metadata'];
  chunks: number;
  content: Buffer;
}

async function startServer(refusePath: string): Promise<{ target: string; received: Received[]; server: grpc.Server }> {
  const received: Received[] = [];
  const server = new grpc.Server();
  server.addService(grpcServiceClient(ARTIFACTS_GRPC).service, {
    Publish(call: grpc.ServerReadableStream<PublishRequest, object>, callback: grpc.sendUnaryData<object>) {
      const upload: Received = { metadata: undefined, chunks: 0, content: Buffer.alloc(0) };
      call.on('data', (request: PublishRequest) => {
        if (request.metadata) upload.metadata = request.metadata;
        else if (request.chunk) {
          upload.chunks += 1;
          upload.content = Buffer.concat([upload.content, Buffer.from(request.chunk)]);
        }
      });
      call.on('end', () => {
        received.push(upload);
        const path = upload.metadata?.path ?? '';
        if (path === refusePath) callback({ code: grpc.status.INVALID_ARGUMENT, details: `size mismatch for '${path}'` });
        else callback(null, { url: `http://artifacts.test/${path}` });
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { target: `127.0.0.1:${port}`, received, server };
}

describe('GrpcArtifactPublisher', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let publisher: GrpcArtifactPublisher;

  beforeAll(async () => {
    server = await startServer('refused.js');
    publisher = new GrpcArtifactPublisher({ target: server.target, deadlineMs: 5_000 });
  });

  afterAll(() => {
    publisher.close();
    server.server.forceShutdown();
  });

  it('sends the metadata, then the content in 256 KiB chunks, and answers with the URL', async () => {
    const content = Buffer.alloc(600 * 1024, 7);
    const published = await publisher.publish({ path: 'bundles/program.js', content, secret: false });
    expect(published).toEqual({ path: 'bundles/program.js', sha256: sha256Hex(content), url: 'http://artifacts.test/bundles/program.js' });
    const upload = server.received.at(-1);
    expect(upload?.metadata).toMatchObject({ path: 'bundles/program.js', sha256: sha256Hex(content), secret: false });
    expect(Number(upload?.metadata?.size)).toBe(content.length);
    expect(upload?.chunks).toBe(3);
    expect(upload?.content.equals(content)).toBe(true);
  });

  it('reports a refused upload with the server status and its reason', async () => {
    const refused = publisher.publish({ path: 'refused.js', content: Buffer.from('x'), secret: false });
    await expect(refused).rejects.toThrow(ArtifactPublishError);
    await expect(refused).rejects.toMatchObject({ grpcCode: grpc.status.INVALID_ARGUMENT, message: expect.stringContaining("size mismatch for 'refused.js'") });
  });

  it('reports an unreachable server as UNAVAILABLE', async () => {
    const nowhere = new GrpcArtifactPublisher({ target: '127.0.0.1:1', deadlineMs: 2_000 });
    try {
      await expect(nowhere.publish({ path: 'a.js', content: Buffer.from('a'), secret: false })).rejects.toMatchObject({ grpcCode: grpc.status.UNAVAILABLE });
    } finally {
      nowhere.close();
    }
  });
});
