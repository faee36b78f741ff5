// Tests walk decoded JSON events (`JsonEvent`), whose fields are untyped by nature.
/* eslint-disable @typescript-eslint/no-unsafe-return */
import { connect } from 'node:net';
import { mesos } from '@mesoflow/proto';
import { waitFor } from '@mesoflow/testing';
import { startLocalMesos, type LocalMesos } from './index';
import { frameworkInfo, get, post, RawSubscription, subscribeCall } from './test-support/raw-scheduler';

describe('the scheduler endpoint', () => {
  let mesosLocal: LocalMesos;
  const open: RawSubscription[] = [];

  beforeAll(async () => {
    mesosLocal = await startLocalMesos({ agents: 1, heartbeatIntervalSeconds: 1 });
  });

  afterEach(() => {
    for (const subscription of open.splice(0)) subscription.close();
  });

  afterAll(async () => {
    await mesosLocal.stop();
  });

  async function subscribe(body: unknown = subscribeCall(), options = {}): Promise<RawSubscription> {
    const subscription = await RawSubscription.open(mesosLocal.url, body, options);
    open.push(subscription);
    return subscription;
  }

  it('streams SUBSCRIBED then an immediate HEARTBEAT in JSON, with a Mesos-Stream-Id', async () => {
    const subscription = await subscribe(subscribeCall(), { accept: 'application/json' });
    expect(subscription.status).toBe(200);
    expect(subscription.response.headers['content-type']).toBe('application/json');
    expect(subscription.response.headers['transfer-encoding']).toBe('chunked');
    expect(subscription.streamId).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => subscription.events.length >= 2, { description: 'two events' });
    expect(subscription.events[0].type).toBe('SUBSCRIBED');
    expect(subscription.events[1].type).toBe('HEARTBEAT');
    const subscribed = subscription.events[0].subscribed;
    expect(subscribed.framework_id.value).toMatch(new RegExp(`^${mesosLocal.masterId}-\\d{4}$`));
    expect(subscribed.heartbeat_interval_seconds).toBe(1);
    expect(subscribed.master_info).toMatchObject({ id: mesosLocal.masterId, port: mesosLocal.port, address: { ip: '127.0.0.1', port: mesosLocal.port } });
    // Heartbeats keep coming at the configured interval.
    await subscription.next((e) => e.type === 'HEARTBEAT', 'a periodic HEARTBEAT', 5_000, 2);
  });

  it('streams protobuf events when the scheduler accepts only protobuf', async () => {
    const body = Buffer.from(
      mesos.v1.scheduler.Call.encode(
        mesos.v1.scheduler.Call.fromObject({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'tester', name: 'pb' } } }),
      ).finish(),
    );
    const subscription = await subscribe(body, { contentType: 'application/x-protobuf', accept: 'application/x-protobuf' });
    expect(subscription.status).toBe(200);
    expect(subscription.response.headers['content-type']).toBe('application/x-protobuf');
    await waitFor(() => subscription.events.length >= 2, { description: 'two protobuf events' });
    expect(subscription.events.map((e) => e.type).slice(0, 2)).toEqual(['SUBSCRIBED', 'HEARTBEAT']);
  });

  it('writes exactly one RecordIO record per HTTP chunk', async () => {
    const chunks = await rawChunks(mesosLocal.port, JSON.stringify(subscribeCall()), 3);
    for (const chunk of chunks) {
      const text = chunk.toString('utf8');
      const newline = text.indexOf('\n');
      const length = Number(text.slice(0, newline));
      expect(Buffer.byteLength(text.slice(newline + 1))).toBe(length);
      expect(() => JSON.parse(text.slice(newline + 1))).not.toThrow();
    }
  });

  it('accepts the /master/api/v1/scheduler path too', async () => {
    const subscription = await subscribe(subscribeCall(), { path: '/master/api/v1/scheduler' });
    expect(subscription.status).toBe(200);
  });

  describe('status codes', () => {
    it('405 with Allow: POST for GET', async () => {
      const response = await get(mesosLocal.url, '/api/v1/scheduler');
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
    });

    it('400 without Content-Type', async () => {
      const response = await post(mesosLocal.url, subscribeCall(), { contentType: null });
      expect(response.status).toBe(400);
      expect(response.body).toBe("Expecting 'Content-Type' to be present");
    });

    it('415 for a Content-Type with a charset', async () => {
      const response = await post(mesosLocal.url, subscribeCall(), { contentType: 'application/json; charset=utf-8' });
      expect(response.status).toBe(415);
    });

    it('400 for a body that is not JSON, with a plain-text reason', async () => {
      const response = await post(mesosLocal.url, '{not json');
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.body).toMatch(/^Failed to parse body into JSON: /);
    });

    it('400 for missing required fields', async () => {
      const response = await post(mesosLocal.url, { type: 'SUBSCRIBE', subscribe: { framework_info: { name: 'no-user' } } });
      expect(response.status).toBe(400);
      expect(response.body).toMatch(/^Failed to convert JSON into Call protobuf: Missing required fields: .*user/);
    });

    it('400 for a call without a type', async () => {
      const response = await post(mesosLocal.url, { subscribe: { framework_info: frameworkInfo() } });
      expect(response.status).toBe(400);
      expect(response.body).toBe("Failed to validate scheduler::Call: Expecting 'type' to be present");
    });

    it('406 when Accept allows neither JSON nor protobuf', async () => {
      const response = await post(mesosLocal.url, subscribeCall(), { accept: 'text/html' });
      expect(response.status).toBe(406);
    });

    it('400 for a SUBSCRIBE carrying a Mesos-Stream-Id', async () => {
      const response = await post(mesosLocal.url, subscribeCall(), { streamId: 'x' });
      expect(response.status).toBe(400);
      expect(response.body).toBe("Subscribe calls should not include the 'Mesos-Stream-Id' header");
    });

    it('400 for an unknown framework, missing or mismatched stream IDs', async () => {
      const subscription = await subscribe();
      await waitFor(() => subscription.events.length > 0, { description: 'SUBSCRIBED' });
      const unknown = await post(mesosLocal.url, { type: 'REVIVE', framework_id: { value: 'nope' } }, { streamId: subscription.streamId });
      expect([unknown.status, unknown.body]).toEqual([400, 'Framework cannot be found']);
      const missing = await post(mesosLocal.url, { type: 'REVIVE', framework_id: { value: subscription.frameworkId } });
      expect([missing.status, missing.body]).toEqual([400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header"]);
      const wrong = await post(mesosLocal.url, { type: 'REVIVE', framework_id: { value: subscription.frameworkId } }, { streamId: 'stale' });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toBe(
        `The stream ID 'stale' included in this request didn't match the stream ID currently associated with framework ID ${subscription.frameworkId}`,
      );
      const ok = await subscription.call(mesosLocal.url, { type: 'REVIVE' });
      expect(ok.status).toBe(202);
    });

    it('403 once the framework is no longer subscribed', async () => {
      const subscription = await subscribe(subscribeCall(frameworkInfo({ failover_timeout: 60 })));
      await waitFor(() => subscription.events.length > 0, { description: 'SUBSCRIBED' });
      const frameworkId = subscription.frameworkId;
      subscription.close();
      await waitFor(async () => (await post(mesosLocal.url, { type: 'REVIVE', framework_id: { value: frameworkId } }, { streamId: subscription.streamId })).status === 403, {
        description: '403 after disconnect',
      });
    });

    it('501 for an explicit UNKNOWN call and 400 for a bad ACKNOWLEDGE uuid', async () => {
      const subscription = await subscribe();
      await waitFor(() => subscription.events.length > 0, { description: 'SUBSCRIBED' });
      expect((await subscription.call(mesosLocal.url, { type: 'UNKNOWN' })).status).toBe(501);
      const ack = await subscription.call(mesosLocal.url, {
        type: 'ACKNOWLEDGE',
        acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: Buffer.from('short').toString('base64') },
      });
      expect([ack.status, ack.body]).toEqual([400, 'Failed to validate scheduler::Call: Not a valid UUID']);
    });

    it('tolerates JSON nulls for absent fields, as mesos-framework sends them', async () => {
      const subscription = await subscribe({
        type: 'SUBSCRIBE',
        framework_id: null,
        subscribe: { framework_info: { user: 'tester', name: 'nulls', id: null, role: null, capabilities: null } },
      });
      expect(subscription.status).toBe(200);
      await subscription.next((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
    });
  });

  it('refuses a semantically invalid FrameworkInfo with one ERROR event and closes the stream', async () => {
    const subscription = await subscribe(subscribeCall(frameworkInfo({ roles: ['a'] })));
    expect(subscription.status).toBe(200);
    await waitFor(() => subscription.ended, { description: 'stream end' });
    expect(subscription.events).toEqual([
      { type: 'ERROR', error: { message: "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable" } },
    ]);
  });

  it('serves /health, /redirect, /healthz and Prometheus /metrics', async () => {
    expect((await get(mesosLocal.url, '/health')).status).toBe(200);
    expect((await get(mesosLocal.url, '/master/health')).status).toBe(200);
    const redirect = await get(mesosLocal.url, '/redirect');
    expect(redirect.status).toBe(307);
    expect(redirect.headers.location).toBe(`//127.0.0.1:${mesosLocal.port}`);
    expect((await get(mesosLocal.url, '/redirect/loop')).status).toBe(404);
    expect((await get(mesosLocal.url, '/healthz')).status).toBe(200);
    const metrics = await get(mesosLocal.url, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('mesos_local_subscriptions_total');
    expect(metrics.body).toContain('mesos_local_offers_sent_total');
  });
});

describe('HTTP authentication', () => {
  let mesosLocal: LocalMesos;

  beforeAll(async () => {
    mesosLocal = await startLocalMesos({ agents: 1, credentials: [{ principal: 'fw', secret: 's3cret' }] });
  });

  afterAll(async () => {
    await mesosLocal.stop();
  });

  const basic = (user: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` });

  it('answers 401 with WWW-Authenticate before any other check', async () => {
    const missing = await get(mesosLocal.url, '/api/v1/scheduler');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Basic realm="mesos-master-scheduler"');
    expect(missing.body).toBe('401 Unauthorized.');
    const wrong = await post(mesosLocal.url, subscribeCall(), { headers: basic('fw', 'nope') });
    expect(wrong.status).toBe(401);
  });

  it('accepts valid credentials, fills in the principal and refuses a different one', async () => {
    const mismatch = await post(mesosLocal.url, subscribeCall(frameworkInfo({ principal: 'other' })), { headers: basic('fw', 's3cret') });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toContain("does not match principal 'other'");
    const subscription = await RawSubscription.open(mesosLocal.url, subscribeCall(), { headers: basic('fw', 's3cret') });
    try {
      expect(subscription.status).toBe(200);
      await subscription.next((e) => e.type === 'SUBSCRIBED', 'SUBSCRIBED');
      const framework = (mesosLocal.state().frameworks as Array<Record<string, unknown>>).find((f) => f.id === subscription.frameworkId);
      expect(framework?.principal).toBe('fw');
    } finally {
      subscription.close();
    }
  });
});

/** Reads the first `count` HTTP chunks of a SUBSCRIBE response off a raw socket. */
function rawChunks(port: number, body: string, count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let headersDone = false;
    const chunks: Buffer[] = [];
    socket.on('connect', () => {
      socket.write(
        `POST /api/v1/scheduler HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      if (!headersDone) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        buffer = buffer.subarray(end + 4);
        headersDone = true;
      }
      for (;;) {
        const line = buffer.indexOf('\r\n');
        if (line < 0) break;
        const size = parseInt(buffer.subarray(0, line).toString('latin1'), 16);
        if (buffer.length < line + 2 + size + 2) break;
        chunks.push(buffer.subarray(line + 2, line + 2 + size));
        buffer = buffer.subarray(line + 2 + size + 2);
      }
      if (chunks.length >= count) {
        socket.destroy();
        resolve(chunks.slice(0, count));
      }
    });
    socket.on('error', reject);
  });
}
