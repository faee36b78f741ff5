// Test support: a real grpc-js server of mesoflow.resourcemanager.v1.ResourceManagerService whose
// answers the test scripts, for the failures the real scheduler cannot be made to produce on
// demand (a hanging call, a server failure, a stream broken mid-way, an unimplemented service).
import * as grpc from '@grpc/grpc-js';
import { grpcServiceClient, RESOURCE_MANAGER_GRPC, type mesoflow } from '@mesoflow/proto';

type Message<K extends keyof typeof mesoflow.resourcemanager.v1> = K extends 'RegisterTaskManagerRequest'
  ? mesoflow.resourcemanager.v1.RegisterTaskManagerRequest.$Properties
  : K extends 'RegisterTaskManagerResponse'
    ? mesoflow.resourcemanager.v1.RegisterTaskManagerResponse.$Properties
    : K extends 'HeartbeatRequest'
      ? mesoflow.resourcemanager.v1.HeartbeatRequest.$Properties
      : K extends 'HeartbeatResponse'
        ? mesoflow.resourcemanager.v1.HeartbeatResponse.$Properties
        : K extends 'ReleaseSlotsRequest'
          ? mesoflow.resourcemanager.v1.ReleaseSlotsRequest.$Properties
          : K extends 'ReleaseSlotsResponse'
            ? mesoflow.resourcemanager.v1.ReleaseSlotsResponse.$Properties
            : K extends 'ListWorkersRequest'
              ? mesoflow.resourcemanager.v1.ListWorkersRequest.$Properties
              : K extends 'ListWorkersResponse'
                ? mesoflow.resourcemanager.v1.ListWorkersResponse.$Properties
                : K extends 'RequestSlotsRequest'
                  ? mesoflow.resourcemanager.v1.RequestSlotsRequest.$Properties
                  : K extends 'SlotRequestEvent'
                    ? mesoflow.resourcemanager.v1.SlotRequestEvent.$Properties
                    : K extends 'WatchWorkersRequest'
                      ? mesoflow.resourcemanager.v1.WatchWorkersRequest.$Properties
                      : K extends 'WatchWorkersEvent'
                        ? mesoflow.resourcemanager.v1.WatchWorkersEvent.$Properties
                        : K extends 'DeregisterApplicationRequest'
                          ? mesoflow.resourcemanager.v1.DeregisterApplicationRequest.$Properties
                          : K extends 'DeregisterApplicationResponse'
                            ? mesoflow.resourcemanager.v1.DeregisterApplicationResponse.$Properties
                            : K extends 'GetSchedulerStatusRequest'
                              ? mesoflow.resourcemanager.v1.GetSchedulerStatusRequest.$Properties
                              : K extends 'SchedulerStatus'
                                ? mesoflow.resourcemanager.v1.SchedulerStatus.$Properties
                                : never;

/** What one scripted unary answer may be: a response, or a gRPC status to fail with. */
export type Answer<Res> = Res | ScriptedStatus | Promise<Res | ScriptedStatus>;

/** A gRPC status the fake fails a call with. */
export class ScriptedStatus {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
  ) {}
}

/** The fake's handlers; a method without one fails with UNIMPLEMENTED. */
export interface ScriptedHandlers {
  RegisterTaskManager?: (request: Message<'RegisterTaskManagerRequest'>) => Answer<Message<'RegisterTaskManagerResponse'>>;
  Heartbeat?: (request: Message<'HeartbeatRequest'>) => Answer<Message<'HeartbeatResponse'>>;
  ReleaseSlots?: (request: Message<'ReleaseSlotsRequest'>) => Answer<Message<'ReleaseSlotsResponse'>>;
  ListWorkers?: (request: Message<'ListWorkersRequest'>) => Answer<Message<'ListWorkersResponse'>>;
  DeregisterApplication?: (request: Message<'DeregisterApplicationRequest'>) => Answer<Message<'DeregisterApplicationResponse'>>;
  GetSchedulerStatus?: (request: Message<'GetSchedulerStatusRequest'>) => Answer<Message<'SchedulerStatus'>>;
  RequestSlots?: (request: Message<'RequestSlotsRequest'>, call: grpc.ServerWritableStream<Message<'RequestSlotsRequest'>, Message<'SlotRequestEvent'>>) => void;
  WatchWorkers?: (request: Message<'WatchWorkersRequest'>, call: grpc.ServerWritableStream<Message<'WatchWorkersRequest'>, Message<'WatchWorkersEvent'>>) => void;
}

/** One call the fake received. */
export interface ReceivedCall {
  readonly method: keyof ScriptedHandlers;
  readonly request: object;
}

const UNARY = ['RegisterTaskManager', 'Heartbeat', 'ReleaseSlots', 'ListWorkers', 'DeregisterApplication', 'GetSchedulerStatus'] as const;
const STREAMS = ['RequestSlots', 'WatchWorkers'] as const;

/** A scripted ResourceManagerService on loopback. */
export class ScriptedResourceManager {
  /** Every call received, in order. */
  readonly calls: ReceivedCall[] = [];

  private constructor(
    private readonly server: grpc.Server,
    /** `127.0.0.1:port`. */
    readonly target: string,
    /** Replace freely while the fake runs. */
    public handlers: ScriptedHandlers,
  ) {}

  /** Starts serving on `port` (0: a free one). */
  static async start(handlers: ScriptedHandlers, port = 0): Promise<ScriptedResourceManager> {
    const server = new grpc.Server();
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, actual) => (error ? reject(error) : resolve(actual))),
    );
    const fake = new ScriptedResourceManager(server, `127.0.0.1:${bound}`, handlers);
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const method of UNARY) {
      implementation[method] = (call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) => {
        fake.calls.push({ method, request: call.request });
        const handler = fake.handlers[method];
        if (handler === undefined) {
          callback({ code: grpc.status.UNIMPLEMENTED, details: `${method} is not scripted` });
          return;
        }
        Promise.resolve(handler(call.request)).then(
          (answer) => (answer instanceof ScriptedStatus ? callback({ code: answer.code, details: answer.details }) : callback(null, answer)),
          (error: unknown) => callback({ code: grpc.status.INTERNAL, details: String(error) }),
        );
      };
    }
    for (const method of STREAMS) {
      implementation[method] = (call: grpc.ServerWritableStream<object, object>) => {
        fake.calls.push({ method, request: call.request });
        const handler = fake.handlers[method];
        if (handler === undefined) failStream(call, grpc.status.UNIMPLEMENTED, `${method} is not scripted`);
        else handler(call.request, call);
      };
    }
    const service = grpcServiceClient(RESOURCE_MANAGER_GRPC).service;
    server.addService(service, implementation);
    return fake;
  }

  /** The calls of one method received so far. */
  callsOf(method: keyof ScriptedHandlers): object[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.request);
  }

  /** Stops at once, breaking open calls. */
  stop(): Promise<void> {
    this.server.forceShutdown();
    return Promise.resolve();
  }
}

/** Ends a server stream with a status. */
export function failStream(call: grpc.ServerWritableStream<object, object>, code: grpc.status, details: string): void {
  call.emit('error', { code, details });
}
