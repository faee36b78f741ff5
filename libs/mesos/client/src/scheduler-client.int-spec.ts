// Integration tests of the client's HTTP behaviour against FAKE Mesos masters: small real
// node:http servers on free loopback ports (see ./testing/fake-master.ts), not real Mesos and not
// the Mesos stand-in. They check what goes over the wire and how the client reacts.
import type { MesosMediaType } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';
import { waitFor } from '@mesoflow/testing';
import { Writable } from 'node:stream';
import pino from 'pino';
import { MesosClientErrorCode, type MesosClientError } from './errors';
import {
  MesosSchedulerClient,
  type DisconnectedNotice,
  type ReconnectingNotice,
  type RedirectedNotice,
} from './scheduler-client';
import type { SchedulerEvent } from './scheduler-events';
import { FakeMaster } from './testing/fake-master';
import type { MesosSchedulerClientOptions } from './client-options';

import Call = mesos.v1.scheduler.Call;
import MesosEvent = mesos.v1.scheduler.Event;

const UUID_BYTES = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

const masters: FakeMaster[] = [];
const clients: MesosSchedulerClient[] = [];

async function fakeMaster(name: string): Promise<FakeMaster> {
  const master = await FakeMaster.start(name);
  masters.push(master);
  return master;
}

function client(options: Partial<MesosSchedulerClientOptions> & { master: string }): MesosSchedulerClient {
  const created = new MesosSchedulerClient({
    frameworkInfo: { user: 'svc', name: 'int-test', failover_timeout: 3600 },
    backoff: { initialMs: 10, maxMs: 100 },
    ...options,
  });
  clients.push(created);
  return created;
}

/** Records everything a client tells its listeners. */
function record(subject: MesosSchedulerClient) {
  const seen = {
    events: [] as SchedulerEvent[],
    disconnected: [] as DisconnectedNotice[],
    reconnecting: [] as ReconnectingNotice[],
    redirected: [] as RedirectedNotice[],
    failed: [] as MesosClientError[],
    subscribed: 0,
  };
  subject.on('event', (event) => seen.events.push(event));
  subject.on('disconnected', (notice) => seen.disconnected.push(notice));
  subject.on('reconnecting', (notice) => seen.reconnecting.push(notice));
  subject.on('redirected', (notice) => seen.redirected.push(notice));
  subject.on('failed', (error) => seen.failed.push(error));
  subject.on('subscribed', () => seen.subscribed++);
  return seen;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((subject) => subject.close()));
  await Promise.all(masters.splice(0).map((master) => master.stop()));
});

describe.each<MesosMediaType>(['application/json', 'application/x-protobuf'])('MesosSchedulerClient over %s', (mediaType) => {
  it('subscribes, types events, and answers OFFERS and UPDATEs with calls on the stream ID', async () => {
    const master = await fakeMaster('m1');
    const subject = client({ master: master.address, mediaType });
    const seen = record(subject);
    const declined: string[] = [];
    subject.on('OFFERS', (event) => {
      const offerIds = (event.offers.offers ?? []).map((offer) => offer.id);
      void subject.decline({ offer_ids: offerIds, filters: { refuse_seconds: 60 } }).then(() => {
        declined.push(...offerIds.map((id) => id.value));
      });
    });
    const acked: string[] = [];
    subject.on('UPDATE', (event) => {
      void subject.acknowledgeStatus(event.update.status).then((sent) => {
        if (sent) acked.push(event.update.status.task_id.value);
      });
    });

    const subscribed = await subject.start();
    expect(subscribed).toMatchObject({ frameworkId: 'm1-0000', resubscribed: false, heartbeatIntervalSeconds: 15 });
    expect(subject.state).toMatchObject({ name: 'subscribed', frameworkId: 'm1-0000' });
    const [subscribe] = master.subscribes;
    expect(subscribe?.headers['content-type']).toBe(mediaType);
    expect(subscribe?.headers.accept).toBe(mediaType);
    expect(subscribe?.headers['mesos-stream-id']).toBeUndefined();
    expect(subscribe?.call.subscribe?.framework_info).toMatchObject({ user: 'svc', name: 'int-test', failover_timeout: 3600 });
    expect(subscribe?.call.framework_id).toBeFalsy();
    await waitFor(() => seen.events.some((event) => event.type === 'HEARTBEAT'), { description: 'the first HEARTBEAT' });

    const stream = master.openStream!;
    stream.send({
      type: MesosEvent.Type.OFFERS,
      offers: {
        offers: [{ id: { value: 'o1' }, framework_id: { value: 'm1-0000' }, agent_id: { value: 'a1' }, hostname: 'h1' }],
      },
    });
    stream.send({
      type: MesosEvent.Type.UPDATE,
      update: {
        status: { task_id: { value: 't1' }, state: mesos.v1.TaskState.TASK_RUNNING, agent_id: { value: 'a1' }, uuid: UUID_BYTES },
      },
    });
    // Master-generated: no uuid, so no ACKNOWLEDGE.
    stream.send({
      type: MesosEvent.Type.UPDATE,
      update: { status: { task_id: { value: 't2' }, state: mesos.v1.TaskState.TASK_LOST, agent_id: { value: 'a1' } } },
    });
    await waitFor(() => declined.length === 1 && acked.length === 1, { description: 'DECLINE and ACKNOWLEDGE answered' });
    expect(declined).toEqual(['o1']);
    expect(acked).toEqual(['t1']);

    const decline = master.calls.find((received) => received.call.type === Call.Type.DECLINE)!;
    expect(decline.status).toBe(202);
    expect(decline.headers['mesos-stream-id']).toBe(stream.streamId);
    expect(decline.headers['content-type']).toBe(mediaType);
    expect(decline.call.framework_id?.value).toBe('m1-0000');
    expect(decline.call.decline?.filters?.refuse_seconds).toBe(60);
    const ack = master.calls.find((received) => received.call.type === Call.Type.ACKNOWLEDGE)!;
    expect(Buffer.from(ack.call.acknowledge!.uuid)).toEqual(UUID_BYTES);
    expect(master.calls).toHaveLength(2);
    expect(seen.events.map((event) => event.type)).toEqual(['SUBSCRIBED', 'HEARTBEAT', 'OFFERS', 'UPDATE', 'UPDATE']);
  });

  it('decodes records split across chunks and several records in one chunk', async () => {
    const master = await fakeMaster('m1');
    master.answers.push({ kind: 'accept', splitBytes: 3 });
    const subject = client({ master: master.address, mediaType });
    const seen = record(subject);
    await subject.start();
    const stream = master.openStream!;
    const rescinds = ['o1', 'o2', 'o3'].map((value) =>
      stream.frame({ type: MesosEvent.Type.RESCIND, rescind: { offer_id: { value } } }),
    );
    stream.write(Buffer.concat(rescinds));
    const tail = stream.frame({ type: MesosEvent.Type.FAILURE, failure: { agent_id: { value: 'a9' } } });
    stream.write(Buffer.concat([stream.frame({ type: MesosEvent.Type.HEARTBEAT }), tail.subarray(0, 5)]));
    stream.write(tail.subarray(5));
    await waitFor(() => seen.events.length === 7, { description: 'seven events' });
    expect(seen.events.map((event) => event.type)).toEqual([
      'SUBSCRIBED',
      'HEARTBEAT',
      'RESCIND',
      'RESCIND',
      'RESCIND',
      'HEARTBEAT',
      'FAILURE',
    ]);
    const failure = seen.events[6];
    expect(failure?.type === 'FAILURE' && failure.failure.agent_id?.value).toBe('a9');
  });
});

describe('MesosSchedulerClient reconnection', () => {
  it('follows a protocol-relative 307 to the leader and sends calls there', async () => {
    const follower = await fakeMaster('follower');
    const leader = await fakeMaster('leader');
    follower.answers.push({
      kind: 'status',
      status: 307,
      headers: { Location: `//127.0.0.1:${leader.port}/master/api/v1/scheduler` },
    });
    const subject = client({ master: `http://${follower.address}` });
    const seen = record(subject);
    const subscribed = await subject.start();
    expect(subscribed.endpoint).toBe(`http://127.0.0.1:${leader.port}/master/api/v1/scheduler`);
    expect(seen.redirected).toEqual([
      { from: `http://127.0.0.1:${follower.port}/api/v1/scheduler`, to: subscribed.endpoint },
    ]);
    await subject.revive();
    expect(leader.calls.map((received) => received.call.type)).toEqual([Call.Type.REVIVE]);
    expect(follower.calls).toHaveLength(0);
  });

  it('backs off on 503 and 404, then subscribes', async () => {
    const master = await fakeMaster('m1');
    master.answers.push(
      { kind: 'status', status: 503, body: 'No leader elected' },
      { kind: 'status', status: 404 },
      { kind: 'status', status: 503, body: 'Master has not finished recovery' },
    );
    const subject = client({ master: master.address, backoff: { initialMs: 20, maxMs: 40, multiplier: 2, jitter: 'full' } });
    const seen = record(subject);
    await subject.start();
    expect(master.subscribes).toHaveLength(4);
    expect(seen.reconnecting.map(({ attempt, reason }) => ({ attempt, reason }))).toEqual([
      { attempt: 1, reason: 'unavailable' },
      { attempt: 2, reason: 'unavailable' },
      { attempt: 3, reason: 'unavailable' },
    ]);
    expect(seen.reconnecting[0]?.message).toContain('No leader elected');
    for (const { delayMs } of seen.reconnecting) expect(delayMs).toBeLessThanOrEqual(40);
  });

  it('re-subscribes with its framework ID when the stream breaks or ends', async () => {
    const master = await fakeMaster('m1');
    const subject = client({ master: master.address });
    const seen = record(subject);
    const first = await subject.start();
    master.openStream!.destroy();
    await waitFor(() => seen.subscribed === 2, { description: 'the re-subscription after a broken connection' });
    master.openStream!.end();
    await waitFor(() => seen.subscribed === 3, { description: 'the re-subscription after the stream ended' });

    expect(seen.disconnected.map((notice) => notice.reason)).toEqual(['connection-error', 'stream-ended']);
    expect(seen.disconnected[0]?.streamId).toBe(first.streamId);
    for (const again of master.subscribes.slice(1)) {
      expect(again.call.framework_id?.value).toBe(first.frameworkId);
      expect(again.call.subscribe?.framework_info.id?.value).toBe(first.frameworkId);
    }
    expect(subject.state).toMatchObject({ name: 'subscribed', frameworkId: first.frameworkId });
    // Calls use the new stream ID.
    await subject.suppress({ roles: ['r1'] });
    expect(master.calls.at(-1)?.headers['mesos-stream-id']).toBe(master.openStream!.streamId);
  });

  it('re-subscribes when heartbeats stop', async () => {
    const master = await fakeMaster('m1');
    master.answers.push({ kind: 'accept', heartbeatIntervalSeconds: 0.05, silent: true });
    const subject = client({ master: master.address, missedHeartbeats: 4 });
    const seen = record(subject);
    const started = Date.now();
    await subject.start();
    await waitFor(() => seen.subscribed === 2, { description: 're-subscription after missed heartbeats' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(seen.disconnected.map((notice) => notice.reason)).toEqual(['heartbeat-timeout']);
    expect(master.subscribes[1]?.call.framework_id?.value).toBe('m1-0000');
  });

  it('re-subscribes when a call finds its stream ID stale', async () => {
    const master = await fakeMaster('m1');
    const subject = client({ master: master.address });
    const seen = record(subject);
    await subject.start();
    master.callAnswer = () => ({ status: 403, body: 'Framework is not subscribed' });
    await expect(subject.kill({ task_id: { value: 't1' } })).rejects.toMatchObject({
      code: MesosClientErrorCode.CALL_REJECTED,
      status: 403,
      body: 'Framework is not subscribed',
      callType: 'KILL',
    });
    master.callAnswer = undefined;
    await waitFor(() => seen.subscribed === 2, { description: 're-subscription after 403' });
    expect(seen.disconnected.map((notice) => notice.reason)).toEqual(['stale-stream']);
    await subject.kill({ task_id: { value: 't1' } });
  });

  it('rejects a refused call with the status and Mesos text, without re-subscribing', async () => {
    const master = await fakeMaster('m1');
    const subject = client({ master: master.address });
    await subject.start();
    master.callAnswer = () => ({ status: 400, body: "Failed to validate scheduler::Call: Expecting 'kill' to be present" });
    await expect(subject.call({ type: Call.Type.KILL })).rejects.toMatchObject({
      code: MesosClientErrorCode.CALL_REJECTED,
      status: 400,
      body: "Failed to validate scheduler::Call: Expecting 'kill' to be present",
      callType: 'KILL',
    });
    expect(master.subscribes).toHaveLength(1);
    expect(subject.state.name).toBe('subscribed');
  });

  it('stops with a clear error on an ERROR event, without looping', async () => {
    const master = await fakeMaster('m1');
    master.answers.push({ kind: 'error', message: 'Framework has been removed' });
    const subject = client({ master: master.address, frameworkId: 'gone-0001' });
    const seen = record(subject);
    await expect(subject.start()).rejects.toMatchObject({
      code: MesosClientErrorCode.FRAMEWORK_ERROR,
      message: expect.stringContaining('Framework has been removed'),
    });
    expect(subject.state.name).toBe('failed');
    expect(seen.events.map((event) => event.type)).toEqual(['ERROR']);
    expect(seen.failed).toHaveLength(1);
    expect(master.subscribes).toHaveLength(1);
    expect(master.subscribes[0]?.call.framework_id?.value).toBe('gone-0001');
    await expect(subject.revive()).rejects.toMatchObject({ code: MesosClientErrorCode.CLOSED });
  });
});

describe('MesosSchedulerClient calls and credentials', () => {
  it('sends basic credentials on SUBSCRIBE and calls, and never logs the secret', async () => {
    const master = await fakeMaster('m1');
    const expected = `Basic ${Buffer.from('fw-principal:s3cret-value').toString('base64')}`;
    master.requiredAuthorization = expected;
    let logged = '';
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logged += chunk.toString();
          callback();
        },
      }),
    );
    const subject = client({ master: master.address, credential: { principal: 'fw-principal', secret: 's3cret-value' }, logger });
    await subject.start();
    await subject.reconcile({ tasks: [{ task_id: { value: 't1' } }] });
    expect(master.subscribes[0]?.headers.authorization).toBe(expected);
    expect(master.calls[0]?.headers.authorization).toBe(expected);
    expect(master.calls[0]?.status).toBe(202);
    expect(logged).toContain('subscribed');
    expect(logged).not.toContain('s3cret-value');
    expect(logged).not.toContain(Buffer.from('fw-principal:s3cret-value').toString('base64'));
  });

  it('fails on 401 instead of retrying', async () => {
    const master = await fakeMaster('m1');
    master.requiredAuthorization = 'Basic nope';
    const subject = client({ master: master.address, credential: { principal: 'p', secret: 'wrong' } });
    await expect(subject.start()).rejects.toMatchObject({
      code: MesosClientErrorCode.SUBSCRIBE_REJECTED,
      status: 401,
      body: '401 Unauthorized.',
    });
    expect(master.subscribes).toHaveLength(0);
  });

  // Throughput is not asserted here (Jest instrumentation and this fake's decoding dominate);
  // outside Jest a plain loopback server measures ~50 µs per sequential call and ~16,000
  // concurrent calls per second.
  it('runs many calls concurrently over a bounded keep-alive pool', async () => {
    const master = await fakeMaster('m1');
    const subject = client({ master: master.address, maxCallConnections: 8 });
    await subject.start();
    const count = 2_000;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        subject.acknowledge({ agent_id: { value: 'a1' }, task_id: { value: `t${i}` }, uuid: UUID_BYTES }),
      ),
    );
    expect(master.calls).toHaveLength(count);
    expect(master.calls.every((received) => received.status === 202)).toBe(true);
    // One connection for the stream, at most eight for the calls.
    expect(master.connections).toBeLessThanOrEqual(9);
  });

  it('handles UPDATE_FRAMEWORK (200), RECONCILE_OPERATIONS (202) and the other calls', async () => {
    const master = await fakeMaster('m1');
    const subject = client({ master: master.address });
    const { frameworkId } = await subject.start();
    await subject.updateFramework({ framework_info: { user: 'svc', name: 'renamed', roles: ['r2'] } });
    await expect(subject.reconcileOperations()).resolves.toBeUndefined();
    await subject.accept({ offer_ids: [{ value: 'o1' }], operations: [], filters: { refuse_seconds: 1 } });
    await subject.acceptInverseOffers({ inverse_offer_ids: [{ value: 'i1' }] });
    await subject.declineInverseOffers({ inverse_offer_ids: [{ value: 'i2' }] });
    await subject.shutdown({ executor_id: { value: 'e1' }, agent_id: { value: 'a1' } });
    await subject.message({ agent_id: { value: 'a1' }, executor_id: { value: 'e1' }, data: Buffer.from('hi') });
    await subject.request({ requests: [] });
    await subject.acknowledgeOperationStatus({ agent_id: { value: 'a1' }, uuid: UUID_BYTES, operation_id: { value: 'op1' } });
    const update = master.calls[0];
    expect(update.status).toBe(200);
    expect(update.call.update_framework?.framework_info.id?.value).toBe(frameworkId);
    expect(master.calls.map((received) => Call.Type[received.call.type])).toEqual([
      'UPDATE_FRAMEWORK',
      'RECONCILE_OPERATIONS',
      'ACCEPT',
      'ACCEPT_INVERSE_OFFERS',
      'DECLINE_INVERSE_OFFERS',
      'SHUTDOWN',
      'MESSAGE',
      'REQUEST',
      'ACKNOWLEDGE_OPERATION_STATUS',
    ]);
    // A later re-subscription carries the updated FrameworkInfo.
    master.openStream!.destroy();
    await waitFor(() => master.subscribes.length === 2 && subject.state.name === 'subscribed', {
      description: 're-subscription',
    });
    expect(master.subscribes[1]?.call.subscribe?.framework_info).toMatchObject({ name: 'renamed', roles: ['r2'] });
  });

  it('refuses calls before SUBSCRIBED and closes itself after TEARDOWN', async () => {
    const master = await fakeMaster('m1');
    const subject = client({ master: master.address });
    await expect(subject.revive()).rejects.toMatchObject({ code: MesosClientErrorCode.NOT_SUBSCRIBED });
    await subject.start();
    await subject.teardown();
    expect(subject.state.name).toBe('closed');
    expect(master.subscribes).toHaveLength(1);
    await waitFor(() => master.openStream === undefined, { description: 'the stream to be closed' });
  });

  it('close() aborts the stream and later calls reject with CLOSED', async () => {
    const master = await fakeMaster('m1');
    const subject = client({ master: master.address });
    let closed = 0;
    subject.on('closed', () => closed++);
    await subject.start();
    await subject.close();
    await subject.close();
    expect(closed).toBe(1);
    await waitFor(() => master.openStream === undefined, { description: 'the fake to see the stream closed' });
    await expect(subject.revive()).rejects.toMatchObject({ code: MesosClientErrorCode.CLOSED });
    await expect(subject.start()).resolves.toMatchObject({ frameworkId: 'm1-0000' });
  });
});
