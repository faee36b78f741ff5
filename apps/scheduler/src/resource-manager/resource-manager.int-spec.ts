// The resource manager served as in production (Nest, gRPC transport, bootstrapService) and called
// with a raw grpc-js client, so that status codes and messages are checked as they are on the wire
// (@mesoflow/resourcemanager-client maps them; its own tests run against the real scheduler). Only the fleet is the in-memory one: it stands in for the Mesos side,
// which the scheduler's integration test covers against the local Mesos stand-in.
import * as grpc from '@grpc/grpc-js';
import { createConfig, Duration } from '@mesoflow/config';
import { grpcServiceClient, mesoflow, PROTO_ROOT, RESOURCE_MANAGER_GRPC } from '@mesoflow/proto';
import { bootstrapService, type RunningService } from '@mesoflow/service';
import { freePort, waitFor } from '@mesoflow/testing';
import { join } from 'node:path';
import pino from 'pino';
import { SYSTEM_CLOCK } from '../scheduler/worker-scheduler';
import {
  type DeregisterApplicationResponse,
  type HeartbeatResponse,
  type ListWorkersResponse,
  type RegisterTaskManagerResponse,
  type ReleaseSlotsResponse,
  type SchedulerStatusMessage,
  type SlotRequestEvent,
  type WatchWorkersEvent,
} from './messages';
import { ResourceManagerModule } from './resource-manager.module';
import { MEMORY_FRAMEWORK_ID, MemoryFleet } from './testing/memory-fleet';

const WorkerState = mesoflow.resourcemanager.v1.WorkerState;

type Unary<Res> = (request: object, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: Res) => void) => void;
type ServerStream<Res> = (request: object, options: grpc.CallOptions) => grpc.ClientReadableStream<Res>;

/** The service's methods as grpc-js exposes them. */
interface ResourceManagerTestClient extends grpc.Client {
  RegisterTaskManager: Unary<RegisterTaskManagerResponse>;
  Heartbeat: Unary<HeartbeatResponse>;
  RequestSlots: ServerStream<SlotRequestEvent>;
  ReleaseSlots: Unary<ReleaseSlotsResponse>;
  ListWorkers: Unary<ListWorkersResponse>;
  WatchWorkers: ServerStream<WatchWorkersEvent>;
  DeregisterApplication: Unary<DeregisterApplicationResponse>;
  GetSchedulerStatus: Unary<SchedulerStatusMessage>;
}

/** A plaintext client of the resource manager at `target` (`host:port`). */
function resourceManagerClient(target: string): ResourceManagerTestClient {
  const Service = grpcServiceClient(RESOURCE_MANAGER_GRPC);
  return new Service(target, grpc.credentials.createInsecure()) as unknown as ResourceManagerTestClient;
}

/** One unary call with a 10 s deadline. */
function call<Res>(client: ResourceManagerTestClient, method: Unary<Res>, request: object): Promise<Res> {
  return new Promise((resolve, reject) =>
    method.call(client, request, { deadline: new Date(Date.now() + 10_000) }, (error, response) => (error ? reject(error) : resolve(response as Res))),
  );
}

/** Collects a server stream's messages; `ended` settles when it ends (rejects on an error status other than CANCELLED). */
function collect<Res>(stream: grpc.ClientReadableStream<Res>): { events: Res[]; ended: Promise<void> } {
  const events: Res[] = [];
  stream.on('data', (event: Res) => events.push(event));
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('error', (error: grpc.ServiceError) => (error.code === grpc.status.CANCELLED ? resolve() : reject(error)));
    stream.on('end', () => resolve());
  });
  return { events, ended };
}

/** What a TaskManager with `slots` slots sends to register as `taskId`. */
function registration(taskId: string, slots = 2): object {
  return {
    task_id: taskId,
    rpc_address: '127.0.0.1:6122',
    data_address: '127.0.0.1:6121',
    slots,
    resources: { cpus: 1, mem_mb: 512 },
    instance_id: `instance-of-${taskId}`,
  };
}

describe('the resource manager over gRPC', () => {
  let fleet: MemoryFleet;
  let service: RunningService;
  let client: ResourceManagerTestClient;

  beforeAll(async () => {
    fleet = new MemoryFleet(SYSTEM_CLOCK);
    const config = createConfig(
      {
        'mesos.master': '127.0.0.1:5050',
        'mesos.initial-tasks': 1,
        'taskmanager.numberOfTaskSlots': 2,
        'heartbeat.interval': Duration.of(1, 's'),
        'heartbeat.timeout': Duration.of(30, 's'),
      },
      { service: 'scheduler' },
    );
    const logger = pino({ level: 'silent' });
    const target = `127.0.0.1:${await freePort()}`;
    service = await bootstrapService({
      name: 'scheduler',
      module: ResourceManagerModule.forOptions({ fleet, config, logger }),
      http: { port: 0, host: '127.0.0.1' },
      grpc: { url: target, package: RESOURCE_MANAGER_GRPC.packageName, protoPath: join(PROTO_ROOT, RESOURCE_MANAGER_GRPC.protoFile) },
      logger,
      shutdownSignals: false,
    });
    client = resourceManagerClient(target);
  });

  afterAll(async () => {
    client?.close();
    await service?.close();
  });

  it('registers TaskManagers, streams a gang request to its allocation, and lets workers be watched', async () => {
    // The warm pool: `mesos.initial-tasks` workers are asked for at start.
    const listed = await call(client, client.ListWorkers, {});
    expect(listed.desired_workers).toBe(1);
    expect(listed.workers).toEqual([expect.objectContaining({ task_id: 'taskmanager-00001', state: WorkerState.WORKER_STATE_NEW })]);

    const watchStream = client.WatchWorkers({}, {});
    const watch = collect(watchStream);
    await waitFor(() => watch.events.length > 0, { description: 'the snapshot' });
    expect(watch.events[0]?.snapshot?.workers?.map((worker) => worker.task_id)).toEqual(['taskmanager-00001']);

    await expect(call(client, client.RegisterTaskManager, registration('taskmanager-00001'))).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: "TaskManager 'taskmanager-00001' cannot register: task 'taskmanager-00001' is New, not Launched",
    });
    fleet.launchAll();
    const registered = await call(client, client.RegisterTaskManager, registration('taskmanager-00001'));
    expect(registered).toMatchObject({ heartbeat_interval_ms: 1_000, heartbeat_timeout_ms: 30_000 });
    await call(client, client.Heartbeat, { task_id: 'taskmanager-00001', registration_id: registered.registration_id });
    await expect(call(client, client.Heartbeat, { task_id: 'taskmanager-00001', registration_id: 'stale' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });

    const request = collect(client.RequestSlots({ allocation_id: 'alloc-1', job_id: 'job-1', slots: 3 }, {}));
    await waitFor(() => request.events.length > 0, { description: 'the first progress event' });
    expect(request.events[0]?.progress).toMatchObject({ slots_requested: 3, free_slots: 2, registered_task_managers: 1, desired_workers: 2 });
    await waitFor(() => request.events.some((event) => event.progress?.workers_pending === 1), { description: 'a pending worker' });

    const [second] = fleet.launchAll();
    await call(client, client.RegisterTaskManager, registration(second));
    await request.ended;
    const last = request.events.at(-1);
    expect(last?.allocated).toMatchObject({ allocation_id: 'alloc-1', job_id: 'job-1' });
    expect(last?.allocated?.slots?.map((slot) => `${slot.task_manager_id}/${slot.slot_index}`)).toEqual([
      'taskmanager-00001/0',
      'taskmanager-00001/1',
      'taskmanager-00002/0',
    ]);
    expect(request.events.slice(0, -1).every((event) => event.progress !== undefined && event.progress !== null)).toBe(true);

    // The same allocation ID again: the same allocation.
    const again = collect(client.RequestSlots({ allocation_id: 'alloc-1', job_id: 'job-1', slots: 3 }, {}));
    await again.ended;
    expect(again.events).toHaveLength(1);
    expect(again.events[0]?.allocated).toEqual(last?.allocated);

    await waitFor(() => watch.events.some((event) => event.changed?.task_id === second && event.changed.task_manager?.slots_free === 1), {
      description: 'a change event of the second TaskManager with one slot free',
    });
    const workers = await call(client, client.ListWorkers, {});
    expect(workers.workers?.[0]).toMatchObject({
      task_id: 'taskmanager-00001',
      state: WorkerState.WORKER_STATE_LAUNCHED,
      task_state: 'TASK_RUNNING',
      hostname: 'host-1',
      task_manager: { rpc_address: '127.0.0.1:6122', slots_total: 2, slots_free: 0, resources: { cpus: 1, mem_mb: 512 } },
      framework_id: MEMORY_FRAMEWORK_ID,
      history: [{ at_ms: expect.any(Number), state: 'REGISTERED', detail: "2 slot(s) at '127.0.0.1:6122'" }],
    });

    expect(await call(client, client.ReleaseSlots, { allocation_id: 'alloc-1' })).toEqual({ released_slots: 3, request_withdrawn: false });
    expect(await call(client, client.ReleaseSlots, { allocation_id: 'alloc-1' })).toEqual({ released_slots: 0, request_withdrawn: false });
    watchStream.cancel();
    await watch.ended;
  });

  it('withdraws a pending request whose stream is cancelled', async () => {
    const stream = client.RequestSlots({ allocation_id: 'alloc-big', job_id: 'job-2', slots: 9 }, {});
    const request = collect(stream);
    await waitFor(() => request.events.length > 0, { description: 'the first progress event' });
    expect((await call(client, client.ListWorkers, {})).desired_workers).toBe(5);
    stream.cancel();
    await request.ended;
    await waitFor(async () => (await call(client, client.ListWorkers, {})).desired_workers === 1, { description: 'the demand to fall back' });
    expect(await call(client, client.ReleaseSlots, { allocation_id: 'alloc-big' })).toEqual({ released_slots: 0, request_withdrawn: false });
  });

  it("answers GetSchedulerStatus with the fleet's status, 64-bit counts as numbers", async () => {
    const startedAtMs = Date.now() - 60_000;
    fleet.status = {
      ...fleet.status,
      frameworkId: undefined,
      leader: undefined,
      subscribed: false,
      startedAtMs,
      offersReceived: 5,
      offersAccepted: 2,
      offersDeclined: 3,
      offerHistory: [
        { startMs: startedAtMs, received: 5, accepted: 2, declined: 3 },
        { startMs: startedAtMs + 10_000, received: 0, accepted: 0, declined: 0 },
      ],
      maximumFailedTasks: -1,
    };

    const status = await call(client, client.GetSchedulerStatus, {});

    expect(status).toMatchObject({
      framework_name: 'memory',
      master: 'memory:5050',
      subscribed: false,
      offers_received: 5,
      offers_accepted: 2,
      offers_declined: 3,
      offer_history: [
        { start_ms: startedAtMs, received: 5, accepted: 2, declined: 3 },
        { start_ms: startedAtMs + 10_000, received: 0 },
      ],
      offer_history_interval_ms: 10_000,
      // The fleet's own count: the demand fell back to `mesos.initial-tasks`.
      desired_workers: 1,
      maximum_failed_tasks: -1,
      started_at_ms: startedAtMs,
    });
    // Not subscribed: no framework ID and no leader (empty, as proto3 leaves them off the wire).
    expect([status.framework_id ?? '', status.leader ?? '']).toEqual(['', '']);
  });

  it('hands DeregisterApplication to the fleet with its status and diagnostics, and answers its outcome', async () => {
    const ApplicationStatus = mesoflow.resourcemanager.v1.ApplicationStatus;
    const first = await call(client, client.DeregisterApplication, { status: ApplicationStatus.APPLICATION_STATUS_CANCELED, diagnostics: 'cancelled by the user' });
    expect(first).toEqual({ framework_id: 'memory-framework', torn_down: true });
    // An absent status reads as UNKNOWN; the answer is the first call's.
    expect(await call(client, client.DeregisterApplication, {})).toEqual(first);
    expect(fleet.ends).toEqual([
      { status: 'CANCELED', diagnostics: 'cancelled by the user' },
      { status: 'UNKNOWN', diagnostics: '' },
    ]);
  });

  // Last: it stops the service.
  it('ends open streams with UNAVAILABLE when the service drains', async () => {
    const watch = collect(client.WatchWorkers({}, {}));
    await waitFor(() => watch.events.length > 0, { description: 'the snapshot' });
    const ended = expect(watch.ended).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'The resource manager stopped' });
    const startedAt = Date.now();
    await service.close();
    await ended;
    // Well before the 10 s drain deadline.
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});
