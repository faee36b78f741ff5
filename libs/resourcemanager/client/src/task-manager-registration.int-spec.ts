// TaskManagerRegistration against a scripted fake of the service (a real grpc-js server on
// loopback), for the failures the real scheduler cannot be made to produce on demand: a target
// with nothing listening, a hanging or failing call, heartbeats failing for a while, a service
// that is not the resource manager. The real scheduler's cases are in scheduler.int-spec.ts.
import * as grpc from '@grpc/grpc-js';
import { freePort, waitFor } from '@mesoflow/testing';
import { ResourceManagerClientErrorCode } from './errors';
import { TaskManagerRegistration, type TaskManagerRegistrationOptions } from './task-manager-registration';
import { ScriptedResourceManager, ScriptedStatus, type ScriptedHandlers } from './testing/scripted-resource-manager';

const FAST_BACKOFF = { initialMs: 20, maxMs: 100 };

describe('TaskManagerRegistration against a scripted resource manager', () => {
  const open: Array<{ close(): Promise<void> | void }> = [];
  let registrations = 0;

  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });

  async function fake(handlers: ScriptedHandlers = {}): Promise<ScriptedResourceManager> {
    const server = await ScriptedResourceManager.start({
      RegisterTaskManager: () => ({ registration_id: `r${++registrations}`, heartbeat_interval_ms: 50, heartbeat_timeout_ms: 400, allocations_kept: false }),
      Heartbeat: () => ({}),
      ...handlers,
    });
    open.push({ close: () => server.stop() });
    return server;
  }

  function registration(options: Partial<TaskManagerRegistrationOptions> & Pick<TaskManagerRegistrationOptions, 'target'>): TaskManagerRegistration {
    const created = new TaskManagerRegistration({
      taskId: 'taskmanager-00001',
      rpcAddress: '127.0.0.1:6122',
      dataAddress: '127.0.0.1:6121',
      slots: 2,
      instanceId: 'instance-1',
      backoff: FAST_BACKOFF,
      callTimeoutMs: 500,
      ...options,
    });
    open.push(created);
    return created;
  }

  it('retries with backoff while nothing listens, asks the target provider again, then registers and heartbeats', async () => {
    const server = await fake();
    const dead = `127.0.0.1:${await freePort()}`;
    const asked: string[] = [];
    const client = registration({ target: () => (asked.push(asked.length < 3 ? dead : server.target), asked.at(-1) ?? dead) });
    const retries: string[] = [];
    client.on('retrying', ({ error }) => retries.push(error.code));

    const registered = await client.start();
    expect(registered).toMatchObject({ registrationId: expect.stringMatching(/^r\d+$/), heartbeatIntervalMs: 50, heartbeatTimeoutMs: 400, target: server.target });
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(new Set(retries)).toEqual(new Set([ResourceManagerClientErrorCode.UNAVAILABLE]));
    expect(asked.length).toBeGreaterThanOrEqual(4);
    expect(server.callsOf('RegisterTaskManager')[0]).toMatchObject({
      task_id: 'taskmanager-00001',
      rpc_address: '127.0.0.1:6122',
      data_address: '127.0.0.1:6121',
      slots: 2,
      instance_id: 'instance-1',
    });
    await waitFor(() => server.callsOf('Heartbeat').length >= 3, { description: 'three heartbeats' });
    expect(server.callsOf('Heartbeat')[0]).toEqual({ task_id: 'taskmanager-00001', registration_id: registered.registrationId });
  });

  it('retries a registration that hangs past its deadline or fails on the server', async () => {
    let calls = 0;
    const server = await fake({
      RegisterTaskManager: () => {
        calls++;
        if (calls === 1) return new Promise<never>(() => undefined);
        if (calls === 2) return new ScriptedStatus(grpc.status.INTERNAL, 'boom');
        return { registration_id: 'r-ok', heartbeat_interval_ms: 50, heartbeat_timeout_ms: 400 };
      },
    });
    const client = registration({ target: server.target, callTimeoutMs: 100 });
    const retries: string[] = [];
    client.on('retrying', ({ error }) => retries.push(error.code));
    await expect(client.start()).resolves.toMatchObject({ registrationId: 'r-ok' });
    expect(retries).toEqual([ResourceManagerClientErrorCode.DEADLINE_EXCEEDED, ResourceManagerClientErrorCode.SERVER_ERROR]);
  });

  it('stays registered through heartbeats failing for less than the timeout, and registers again once they failed for longer', async () => {
    let heartbeats: 'ok' | 'unavailable' | 'hang' = 'ok';
    const server = await fake({
      Heartbeat: () => (heartbeats === 'ok' ? {} : heartbeats === 'unavailable' ? new ScriptedStatus(grpc.status.UNAVAILABLE, 'not now') : new Promise<never>(() => undefined)),
    });
    const inUse = [{ slotIndex: 1, allocationId: 'alloc-1', jobId: 'job-1' }];
    const client = registration({ target: server.target, slotsInUse: () => inUse });
    const events: string[] = [];
    client.on('lost', ({ reason }) => events.push(`lost:${reason}`));
    client.on('reregistered', ({ registrationId }) => events.push(`reregistered:${registrationId}`));
    const first = await client.start();

    heartbeats = 'unavailable';
    const failedFrom = server.callsOf('Heartbeat').length;
    await waitFor(() => server.callsOf('Heartbeat').length >= failedFrom + 3, { description: 'three failed heartbeats' });
    heartbeats = 'ok';
    const okFrom = server.callsOf('Heartbeat').length;
    await waitFor(() => server.callsOf('Heartbeat').length >= okFrom + 2, { description: 'two good heartbeats' });
    expect(events).toEqual([]);
    expect(client.state).toMatchObject({ kind: 'registered', registration: { registrationId: first.registrationId } });

    heartbeats = 'hang';
    await waitFor(() => events.length === 2, { description: 'the loss and the new registration' });
    expect(events).toEqual(['lost:heartbeat-timeout', expect.stringMatching(/^reregistered:r\d+$/)]);
    expect(client.state).toMatchObject({ kind: 'registered', registration: { registrationId: expect.not.stringMatching(`^${first.registrationId}$`) } });
    expect(server.callsOf('RegisterTaskManager').at(-1)).toMatchObject({
      instance_id: 'instance-1',
      slots_in_use: [{ slot_index: 1, allocation_id: 'alloc-1', job_id: 'job-1' }],
    });
  });

  it('gives up with a typed fatal error on a refusal that registering again cannot fix', async () => {
    const notTheResourceManager = await ScriptedResourceManager.start({});
    open.push({ close: () => notTheResourceManager.stop() });
    const client = registration({ target: notTheResourceManager.target });
    const fatal: string[] = [];
    client.on('fatal', (error) => fatal.push(error.code));
    await expect(client.start()).rejects.toMatchObject({ code: ResourceManagerClientErrorCode.CALL_REJECTED, grpcCode: grpc.status.UNIMPLEMENTED });
    expect(fatal).toEqual([ResourceManagerClientErrorCode.CALL_REJECTED]);
    expect(client.state).toMatchObject({ kind: 'failed', error: { code: ResourceManagerClientErrorCode.CALL_REJECTED } });
  });

  it('rejects start() with CLOSED when closed before it registered', async () => {
    const client = registration({ target: `127.0.0.1:${await freePort()}` });
    const started = client.start();
    await waitFor(() => client.state.kind === 'registering' && client.state.attempt >= 1, { description: 'a failed attempt' });
    await client.close();
    await expect(started).rejects.toMatchObject({ code: ResourceManagerClientErrorCode.CLOSED });
    expect(client.state).toEqual({ kind: 'closed' });
  });

  it('refuses bad options at once', () => {
    expect(() => registration({ target: 'zk://zk1:2181/mesoflow' })).toThrow(/ZooKeeper leader lookup is not supported yet/);
    expect(() => registration({ target: '127.0.0.1:1', slots: 0 })).toThrow(/slots must be a whole number >= 1, got 0/);
    expect(() => registration({ target: '127.0.0.1:1', rpcAddress: 'nohost' })).toThrow(/rpcAddress must be host:port/);
  });
});
