// A typed gRPC client of ArtifactService for tests and benchmarks.
import * as grpc from '@grpc/grpc-js';
import { ARTIFACTS_GRPC, grpcServiceClient } from '@mesoflow/proto';
import type { ArtifactMetadata } from './types';
import {
  type ListResponse,
  type PublishFileRequest,
  type PublishRequest,
  type PublishResponse,
  type SignUrlResponse,
} from '../grpc/messages';

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

interface RawClient extends grpc.Client {
  Publish(callback: Callback<PublishResponse>): grpc.ClientWritableStream<PublishRequest>;
  PublishFile(request: PublishFileRequest, callback: Callback<PublishResponse>): void;
  Unpublish(request: { path: string }, callback: Callback<object>): void;
  List(request: { prefix?: string }, callback: Callback<ListResponse>): void;
  SignUrl(request: { path: string; ttl_seconds?: number }, callback: Callback<SignUrlResponse>): void;
}

function unary<T>(call: (callback: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value as T))));
}

/** Calls ArtifactService at `target` (`host:port`, plaintext). */
export class ArtifactClient {
  private readonly client: RawClient;

  constructor(target: string) {
    const Client = grpcServiceClient(ARTIFACTS_GRPC);
    this.client = new Client(target, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': 16 * 1024 * 1024,
    }) as unknown as RawClient;
  }

  /**
   * Uploads `content` (sent in `chunkBytes` pieces) under `metadata`. Metadata `size` and
   * `sha256` are sent as given, so tests can lie about them.
   */
  publish(metadata: ArtifactMetadata, content: Buffer | Iterable<Buffer>, chunkBytes = 256 * 1024): Promise<PublishResponse> {
    return new Promise<PublishResponse>((resolve, reject) => {
      const call = this.client.Publish((error, value) => (error ? reject(error) : resolve(value as PublishResponse)));
      call.on('error', () => undefined);
      call.write({ metadata });
      const pieces = Buffer.isBuffer(content) ? split(content, chunkBytes) : content;
      const iterator = pieces[Symbol.iterator]();
      const pump = (): void => {
        for (;;) {
          const next = iterator.next();
          if (next.done) {
            call.end();
            return;
          }
          if (!call.write({ chunk: next.value })) {
            call.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  }

  /** Sends `messages` as they are, as one Publish call (for malformed calls in tests). */
  publishMessages(messages: PublishRequest[]): Promise<PublishResponse> {
    return new Promise<PublishResponse>((resolve, reject) => {
      const call = this.client.Publish((error, value) => (error ? reject(error) : resolve(value as PublishResponse)));
      call.on('error', () => undefined);
      for (const message of messages) call.write(message);
      call.end();
    });
  }

  publishFile(request: PublishFileRequest): Promise<PublishResponse> {
    return unary((callback) => this.client.PublishFile(request, callback));
  }

  unpublish(path: string): Promise<object> {
    return unary((callback) => this.client.Unpublish({ path }, callback));
  }

  list(prefix = ''): Promise<ListResponse> {
    return unary((callback) => this.client.List({ prefix }, callback));
  }

  signUrl(path: string, ttlSeconds = 0): Promise<SignUrlResponse> {
    return unary((callback) => this.client.SignUrl({ path, ttl_seconds: ttlSeconds }, callback));
  }

  close(): void {
    this.client.close();
  }
}

function* split(content: Buffer, chunkBytes: number): Generator<Buffer> {
  for (let offset = 0; offset < content.length; offset += chunkBytes) yield content.subarray(offset, offset + chunkBytes);
}
