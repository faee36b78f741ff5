// A FAKE of the Mesos master's scheduler endpoint, for the client's integration tests only: a
// small real node:http server on loopback that speaks just enough of the API (SUBSCRIBE with a
// RecordIO stream, calls checked against Mesos-Stream-Id, 307/503 answers on demand). It is not
// the Mesos stand-in (libs/mesos/local) and makes no claim of faithfulness beyond these tests.
import { decodeMesos, encodeMesos, isMesosMediaType, type MesosMediaType } from '@mesoflow/mesos-codec';
import { encodeRecord } from '@mesoflow/mesos-recordio';
import { mesos } from '@mesoflow/proto';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import Call = mesos.v1.scheduler.Call;
import MesosEvent = mesos.v1.scheduler.Event;

/** How the fake answers one SUBSCRIBE. */
export type SubscribeAnswer =
  /** 200 + SUBSCRIBED (+ a first HEARTBEAT unless `silent`). */
  | { kind: 'accept'; heartbeatIntervalSeconds?: number; silent?: boolean; splitBytes?: number }
  /** A plain status, e.g. 503 or 307 with a Location. */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** 200, then one ERROR event, then the stream ends. */
  | { kind: 'error'; message: string };

/** A SUBSCRIBE the fake received. */
export interface ReceivedSubscribe {
  headers: IncomingHttpHeaders;
  call: Call;
  mediaType: MesosMediaType;
}

/** A non-SUBSCRIBE call the fake received. */
export interface ReceivedCall {
  headers: IncomingHttpHeaders;
  call: Call;
  status: number;
}

/** An open subscription stream held by the fake. */
export interface FakeStream {
  streamId: string;
  frameworkId: string;
  mediaType: MesosMediaType;
  /** Sends one event as one RecordIO record, optionally cut into chunks of `splitBytes`. */
  send(event: MesosEvent.$Properties, splitBytes?: number): void;
  /** Writes bytes as they are (several records in one chunk, garbage, …). */
  write(bytes: Buffer): void;
  /** Frames an event as RecordIO in the stream's media type, without sending it. */
  frame(event: MesosEvent.$Properties): Buffer;
  /** Ends the stream cleanly (the chunked body's last chunk). */
  end(): void;
  /** Breaks the connection. */
  destroy(): void;
  readonly open: boolean;
}

/** A fake Mesos master on a free loopback port. */
export class FakeMaster {
  readonly subscribes: ReceivedSubscribe[] = [];
  readonly calls: ReceivedCall[] = [];
  readonly streams: FakeStream[] = [];
  /** Answers for the next SUBSCRIBEs, in order; when empty, `accept`. */
  readonly answers: SubscribeAnswer[] = [];
  /** The `Authorization` header every request must carry (401 otherwise). */
  requiredAuthorization: string | undefined;
  /** Overrides the answer to calls. */
  callAnswer: ((call: Call, headers: IncomingHttpHeaders) => { status: number; body?: string } | undefined) | undefined;
  /** TCP connections accepted so far (the stream's and the call pool's). */
  connections = 0;
  private nextFrameworkId = 0;

  private constructor(
    private readonly server: Server,
    readonly name: string,
  ) {}

  /** Starts a fake master named `name` (used in generated IDs). */
  static async start(name: string): Promise<FakeMaster> {
    const server = createServer();
    const master = new FakeMaster(server, name);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => master.handle(request, response));
    server.on('connection', () => master.connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return master;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `127.0.0.1:port`, the form the client's `master` option takes. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The stream currently open, if any. */
  get openStream(): FakeStream | undefined {
    return [...this.streams].reverse().find((stream) => stream.open);
  }

  /** Stops listening and breaks every connection. */
  async stop(): Promise<void> {
    for (const stream of this.streams) if (stream.open) stream.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => this.route(request, response, Buffer.concat(chunks)));
  }

  private plain(response: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    response.end(body);
  }

  private route(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
    if (this.requiredAuthorization !== undefined && request.headers.authorization !== this.requiredAuthorization) {
      this.plain(response, 401, '401 Unauthorized.', { 'WWW-Authenticate': 'Basic realm="mesos-master-scheduler"' });
      return;
    }
    const contentType = request.headers['content-type'];
    if (!isMesosMediaType(contentType)) {
      this.plain(response, 415);
      return;
    }
    let call: Call;
    try {
      call = decodeMesos(Call, body, contentType);
    } catch (error) {
      this.plain(response, 400, (error as Error).message);
      return;
    }
    if (call.type === Call.Type.SUBSCRIBE) this.subscribe(request, response, call, contentType);
    else this.answerCall(request, response, call);
  }

  private subscribe(request: IncomingMessage, response: ServerResponse, call: Call, contentType: MesosMediaType): void {
    const accept = request.headers.accept;
    const mediaType: MesosMediaType = accept === 'application/x-protobuf' ? 'application/x-protobuf' : 'application/json';
    this.subscribes.push({ headers: request.headers, call, mediaType: contentType });
    if (request.headers['mesos-stream-id'] !== undefined) {
      this.plain(response, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
      return;
    }
    const answer = this.answers.shift() ?? { kind: 'accept' };
    if (answer.kind === 'status') {
      this.plain(response, answer.status, answer.body ?? '', answer.headers);
      return;
    }
    const frameworkId = call.framework_id?.value || `${this.name}-${String(this.nextFrameworkId++).padStart(4, '0')}`;
    // A new subscription of the same framework supersedes the old one, as in Mesos.
    for (const old of this.streams) {
      if (old.open && old.frameworkId === frameworkId) {
        old.send({ type: MesosEvent.Type.ERROR, error: { message: 'Framework failed over' } });
        old.end();
      }
    }
    const streamId = randomUUID();
    response.writeHead(200, { 'Content-Type': mediaType, 'Mesos-Stream-Id': streamId });
    response.flushHeaders();
    const stream = this.openStreamOn(response, streamId, frameworkId, mediaType);
    this.streams.push(stream);
    if (answer.kind === 'error') {
      stream.send({ type: MesosEvent.Type.ERROR, error: { message: answer.message } });
      stream.end();
      return;
    }
    const subscribed: MesosEvent.$Properties = {
      type: MesosEvent.Type.SUBSCRIBED,
      subscribed: {
        framework_id: { value: frameworkId },
        heartbeat_interval_seconds: answer.heartbeatIntervalSeconds ?? 15,
        master_info: { id: this.name, ip: 0, port: this.port, address: { ip: '127.0.0.1', port: this.port } },
      },
    };
    stream.send(subscribed, answer.splitBytes);
    if (!answer.silent) stream.send({ type: MesosEvent.Type.HEARTBEAT }, answer.splitBytes);
  }

  private openStreamOn(response: ServerResponse, streamId: string, frameworkId: string, mediaType: MesosMediaType): FakeStream {
    let open = true;
    response.on('close', () => {
      open = false;
    });
    const frame = (event: MesosEvent.$Properties): Buffer => encodeRecord(encodeMesos(MesosEvent, event, mediaType));
    const write = (bytes: Buffer): void => {
      if (open) response.write(bytes);
    };
    return {
      streamId,
      frameworkId,
      mediaType,
      frame,
      write,
      send(event, splitBytes) {
        const bytes = frame(event);
        if (!splitBytes) return write(bytes);
        for (let offset = 0; offset < bytes.length; offset += splitBytes) write(bytes.subarray(offset, offset + splitBytes));
      },
      end() {
        if (open) response.end();
        open = false;
      },
      destroy() {
        open = false;
        response.destroy();
      },
      get open() {
        return open;
      },
    };
  }

  private answerCall(request: IncomingMessage, response: ServerResponse, call: Call): void {
    const custom = this.callAnswer?.(call, request.headers);
    const answer = custom ?? this.checkCall(call, request.headers);
    this.calls.push({ headers: request.headers, call, status: answer.status });
    this.plain(response, answer.status, answer.body ?? '');
  }

  /** The master's checks for a non-SUBSCRIBE call, in Mesos' order (simplified). */
  private checkCall(call: Call, headers: IncomingHttpHeaders): { status: number; body?: string } {
    const frameworkId = call.framework_id?.value;
    if (!frameworkId) return { status: 400, body: "Failed to validate scheduler::Call: Expecting 'framework_id' to be present" };
    const stream = [...this.streams].reverse().find((candidate) => candidate.frameworkId === frameworkId);
    if (!stream) return { status: 400, body: 'Framework cannot be found' };
    if (!stream.open) return { status: 403, body: 'Framework is not subscribed' };
    const streamId = headers['mesos-stream-id'];
    if (streamId === undefined) return { status: 400, body: "All non-subscribe calls should include the 'Mesos-Stream-Id' header" };
    if (streamId !== stream.streamId) {
      return {
        status: 400,
        body: `The stream ID '${String(streamId)}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
      };
    }
    if (call.type === Call.Type.UPDATE_FRAMEWORK) return { status: 200 };
    if (call.type === Call.Type.TEARDOWN) {
      setImmediate(() => stream.end());
    }
    return { status: 202 };
  }
}
