// Tests walk decoded JSON events (`JsonEvent`), whose fields are untyped by nature.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */
// Test helpers: a deliberately raw scheduler over node:http (no client library), so the specs see
// exactly the bytes, headers and status codes the stand-in produces.
import { request, type IncomingHttpHeaders, type IncomingMessage, type ClientRequest } from 'node:http';
import { RecordIoDecoder } from '@mesoflow/mesos-recordio';
import { mesos } from '@mesoflow/proto';
import { waitFor } from '@mesoflow/testing';

/** A decoded event as plain JSON (enums by name, bytes base64), whatever the stream's media type. */
export type JsonEvent = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The answer to a non-streaming call. */
export interface CallResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Options of {@link post}. */
export interface PostOptions {
  contentType?: string | null;
  accept?: string;
  streamId?: string;
  method?: string;
  headers?: Record<string, string>;
  path?: string;
}

/** POSTs one call and reads the whole answer. */
export function post(baseUrl: string, body: unknown, options: PostOptions = {}): Promise<CallResponse> {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(new URL(options.path ?? '/api/v1/scheduler', baseUrl), {
      method: options.method ?? 'POST',
      headers: headersFor(payload, options),
      agent: false,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** GETs a path and reads the whole answer. */
export function get(baseUrl: string, path: string): Promise<CallResponse> {
  return post(baseUrl, Buffer.alloc(0), { method: 'GET', path, contentType: null });
}

function headersFor(payload: Buffer, options: PostOptions): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Length': String(payload.length), ...options.headers };
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) headers['Content-Type'] = contentType;
  if (options.accept !== undefined) headers.Accept = options.accept;
  if (options.streamId !== undefined) headers['Mesos-Stream-Id'] = options.streamId;
  return headers;
}

/** An open SUBSCRIBE stream: every event decoded, plus the raw `data` chunks. */
export class RawSubscription {
  readonly events: JsonEvent[] = [];
  readonly chunks: Buffer[] = [];
  ended = false;
  private readonly decoder = new RecordIoDecoder();

  private constructor(
    private readonly req: ClientRequest,
    readonly response: IncomingMessage,
    readonly mediaType: string,
  ) {
    response.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      if (response.statusCode !== 200) return;
      for (const record of this.decoder.write(chunk)) this.events.push(decodeEvent(record, mediaType));
    });
    response.on('end', () => (this.ended = true));
    response.on('close', () => (this.ended = true));
    response.on('error', () => (this.ended = true));
  }

  /** Sends SUBSCRIBE and resolves once the response headers arrive (any status). */
  static open(baseUrl: string, body: unknown, options: PostOptions = {}): Promise<RawSubscription> {
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(new URL(options.path ?? '/api/v1/scheduler', baseUrl), {
        method: 'POST',
        headers: headersFor(payload, options),
        agent: false,
      });
      req.on('response', (res) => resolve(new RawSubscription(req, res, String(res.headers['content-type']))));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** The HTTP status. */
  get status(): number {
    return this.response.statusCode ?? 0;
  }

  /** The `Mesos-Stream-Id` header. */
  get streamId(): string {
    return String(this.response.headers['mesos-stream-id']);
  }

  /** The framework ID from SUBSCRIBED. */
  get frameworkId(): string {
    const subscribed = this.events.find((e) => e.type === 'SUBSCRIBED');
    if (!subscribed) throw new Error('No SUBSCRIBED event yet');
    return subscribed.subscribed.framework_id.value as string;
  }

  /** Waits for the first event (after index `from`) matching `predicate`. */
  async next(predicate: (event: JsonEvent) => boolean, description: string, timeoutMs = 10_000, from = 0): Promise<JsonEvent> {
    return waitFor(() => this.events.slice(from).find(predicate), { timeoutMs, description });
  }

  /** Waits for an UPDATE of `taskId` in `state`. */
  update(taskId: string, state: string, timeoutMs = 10_000): Promise<JsonEvent> {
    return this.next(
      (e) => e.type === 'UPDATE' && e.update.status.task_id.value === taskId && e.update.status.state === state,
      `UPDATE ${state} of task '${taskId}'`,
      timeoutMs,
    ).then((e) => e.update.status as JsonEvent);
  }

  /** All UPDATE statuses of a task so far, in order. */
  updatesOf(taskId: string): JsonEvent[] {
    return this.events.filter((e) => e.type === 'UPDATE' && e.update.status.task_id.value === taskId).map((e) => e.update.status as JsonEvent);
  }

  /** Waits for the next OFFERS event after index `from` and returns its offers. */
  async offers(from = 0, timeoutMs = 10_000): Promise<JsonEvent[]> {
    const event = await this.next((e) => e.type === 'OFFERS', 'OFFERS', timeoutMs, from);
    return event.offers.offers as JsonEvent[];
  }

  /** Sends a call on a separate connection with this stream's ID. */
  call(baseUrl: string, call: Record<string, unknown>): Promise<CallResponse> {
    return post(baseUrl, { framework_id: { value: this.frameworkId }, ...call }, { streamId: this.streamId });
  }

  /** Closes the connection (a scheduler disconnect). */
  close(): void {
    this.req.destroy();
    this.response.destroy();
  }
}

function decodeEvent(record: Buffer, mediaType: string): JsonEvent {
  if (mediaType === 'application/x-protobuf') {
    const event = mesos.v1.scheduler.Event.decode(record);
    return mesos.v1.scheduler.Event.toObject(event, { enums: String, bytes: String, longs: Number });
  }
  return JSON.parse(record.toString('utf8')) as JsonEvent;
}

/** A minimal FrameworkInfo for tests. */
export function frameworkInfo(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { user: 'tester', name: 'raw-test-framework', ...extra };
}

/** A SUBSCRIBE call body. */
export function subscribeCall(info: Record<string, unknown> = frameworkInfo(), frameworkId?: string): Record<string, unknown> {
  return {
    type: 'SUBSCRIBE',
    ...(frameworkId ? { framework_id: { value: frameworkId } } : {}),
    subscribe: { framework_info: frameworkId ? { ...info, id: { value: frameworkId } } : info },
  };
}

/** A command TaskInfo taking `cpus`/`mem` from an offer. */
export function commandTask(taskId: string, agentId: string, command: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: { value: agentId },
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
    ],
    command: { shell: true, value: command },
    ...extra,
  };
}

/** An ACCEPT call launching `tasks` on one offer. */
export function launchCall(offerIds: string[], tasks: Record<string, unknown>[], filters?: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'ACCEPT',
    accept: {
      offer_ids: offerIds.map((value) => ({ value })),
      operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
      ...(filters ? { filters } : {}),
    },
  };
}

/** Acknowledges a status that carries a uuid. */
export function ackCall(status: JsonEvent): Record<string, unknown> {
  return { type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } };
}
