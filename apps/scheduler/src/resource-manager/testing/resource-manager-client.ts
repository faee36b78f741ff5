// Test support: the resource manager's gRPC service called with a real grpc-js client, as a
// TaskManager or a job master would (their own clients come with the TaskManager issue).
import * as grpc from '@grpc/grpc-js';
import { grpcServiceClient } from '@mesoflow/proto';
import {
  RESOURCE_MANAGER_PACKAGE,
  RESOURCE_MANAGER_PROTO,
  type HeartbeatResponse,
  type ListWorkersResponse,
  type RegisterTaskManagerResponse,
  type ReleaseSlotsResponse,
  type SlotRequestEvent,
  type WatchWorkersEvent,
} from '../messages';

type Unary<Res> = (request: object, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: Res) => void) => void;
type ServerStream<Res> = (request: object, options: grpc.CallOptions) => grpc.ClientReadableStream<Res>;

/** The service's methods as grpc-js exposes them. */
export interface ResourceManagerTestClient extends grpc.Client {
  RegisterTaskManager: Unary<RegisterTaskManagerResponse>;
  Heartbeat: Unary<HeartbeatResponse>;
  RequestSlots: ServerStream<SlotRequestEvent>;
  ReleaseSlots: Unary<ReleaseSlotsResponse>;
  ListWorkers: Unary<ListWorkersResponse>;
  WatchWorkers: ServerStream<WatchWorkersEvent>;
}

/** A plaintext client of the resource manager at `target` (`host:port`). */
export function resourceManagerClient(target: string): ResourceManagerTestClient {
  const Service = grpcServiceClient(RESOURCE_MANAGER_PROTO, `${RESOURCE_MANAGER_PACKAGE}.ResourceManagerService`);
  return new Service(target, grpc.credentials.createInsecure()) as unknown as ResourceManagerTestClient;
}

/** One unary call with a 10 s deadline. */
export function call<Res>(client: ResourceManagerTestClient, method: Unary<Res>, request: object): Promise<Res> {
  return new Promise((resolve, reject) =>
    method.call(client, request, { deadline: new Date(Date.now() + 10_000) }, (error, response) => (error ? reject(error) : resolve(response as Res))),
  );
}

/** Collects a server stream's messages; `ended` settles when it ends (rejects on an error status other than CANCELLED). */
export function collect<Res>(stream: grpc.ClientReadableStream<Res>): { events: Res[]; ended: Promise<void> } {
  const events: Res[] = [];
  stream.on('data', (event: Res) => events.push(event));
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('error', (error: grpc.ServiceError) => (error.code === grpc.status.CANCELLED ? resolve() : reject(error)));
    stream.on('end', () => resolve());
  });
  return { events, ended };
}

/** What a TaskManager with `slots` slots sends to register as `taskId`. */
export function registration(taskId: string, slots = 2): object {
  return {
    task_id: taskId,
    rpc_address: '127.0.0.1:6122',
    data_address: '127.0.0.1:6121',
    slots,
    resources: { cpus: 1, mem_mb: 512 },
    instance_id: `instance-of-${taskId}`,
  };
}
