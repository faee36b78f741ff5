import * as grpc from '@grpc/grpc-js';
import { grpcServiceClient, RESOURCE_MANAGER_GRPC, type mesoflow } from '@mesoflow/proto';
import type { BackoffSettings } from './backoff';
import { ResourceManagerClientError, ResourceManagerClientErrorCode, toClientError } from './errors';
import { parseTarget, type TargetProvider } from './target';

/** Messages of `mesoflow.resourcemanager.v1` as grpc-js sends and receives them (the generated types' shape). */
export type RegisterTaskManagerRequestMessage = mesoflow.resourcemanager.v1.RegisterTaskManagerRequest.$Properties;
export type RegisterTaskManagerResponseMessage = mesoflow.resourcemanager.v1.RegisterTaskManagerResponse.$Properties;
export type HeartbeatRequestMessage = mesoflow.resourcemanager.v1.HeartbeatRequest.$Properties;
export type RequestSlotsRequestMessage = mesoflow.resourcemanager.v1.RequestSlotsRequest.$Properties;
export type SlotRequestEventMessage = mesoflow.resourcemanager.v1.SlotRequestEvent.$Properties;
export type ReleaseSlotsRequestMessage = mesoflow.resourcemanager.v1.ReleaseSlotsRequest.$Properties;
export type ReleaseSlotsResponseMessage = mesoflow.resourcemanager.v1.ReleaseSlotsResponse.$Properties;
export type ListWorkersResponseMessage = mesoflow.resourcemanager.v1.ListWorkersResponse.$Properties;
export type WatchWorkersEventMessage = mesoflow.resourcemanager.v1.WatchWorkersEvent.$Properties;
export type HeartbeatResponseMessage = mesoflow.resourcemanager.v1.HeartbeatResponse.$Properties;
export type DeregisterApplicationRequestMessage = mesoflow.resourcemanager.v1.DeregisterApplicationRequest.$Properties;
export type DeregisterApplicationResponseMessage = mesoflow.resourcemanager.v1.DeregisterApplicationResponse.$Properties;
export type SchedulerStatusMessage = mesoflow.resourcemanager.v1.SchedulerStatus.$Properties;

type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: Res) => void) => grpc.ClientUnaryCall;
type ServerStream<Req, Res> = (request: Req, options: grpc.CallOptions) => grpc.ClientReadableStream<Res>;

/** `mesoflow.resourcemanager.v1.ResourceManagerService` as grpc-js exposes it. */
interface ResourceManagerStub extends grpc.Client {
  RegisterTaskManager: Unary<RegisterTaskManagerRequestMessage, RegisterTaskManagerResponseMessage>;
  Heartbeat: Unary<HeartbeatRequestMessage, HeartbeatResponseMessage>;
  RequestSlots: ServerStream<RequestSlotsRequestMessage, SlotRequestEventMessage>;
  ReleaseSlots: Unary<ReleaseSlotsRequestMessage, ReleaseSlotsResponseMessage>;
  ListWorkers: Unary<Record<string, never>, ListWorkersResponseMessage>;
  WatchWorkers: ServerStream<Record<string, never>, WatchWorkersEventMessage>;
  DeregisterApplication: Unary<DeregisterApplicationRequestMessage, DeregisterApplicationResponseMessage>;
  GetSchedulerStatus: Unary<Record<string, never>, SchedulerStatusMessage>;
}

type UnaryName = 'RegisterTaskManager' | 'Heartbeat' | 'ReleaseSlots' | 'ListWorkers' | 'DeregisterApplication' | 'GetSchedulerStatus';
type StreamName = 'RequestSlots' | 'WatchWorkers';
type RequestOf<N extends UnaryName | StreamName> = Parameters<ResourceManagerStub[N]>[0];
type UnaryResponseOf<N extends UnaryName> = ResourceManagerStub[N] extends Unary<never, infer Res> ? Res : never;
type StreamEventOf<N extends StreamName> = ResourceManagerStub[N] extends ServerStream<never, infer Res> ? Res : never;

let serviceConstructor: grpc.ServiceClientConstructor | undefined;

/** How a {@link ResourceManagerChannel} connects. */
export interface ChannelSettings {
  provider: TargetProvider;
  credentials: grpc.ChannelCredentials;
  backoff: BackoffSettings;
}

/**
 * One grpc-js client of the resource manager at the provider's current target. After
 * {@link invalidate} (the scheduler was unreachable) the next call asks the provider again and
 * reconnects when the target changed. grpc-js' own reconnect backoff is capped at the client's
 * backoff cap, so a scheduler that comes back is reached within that time.
 */
export class ResourceManagerChannel {
  private client: ResourceManagerStub | undefined;
  private target: string | undefined;
  private stale = true;
  private closed = false;

  constructor(private readonly settings: ChannelSettings) {}

  /** The target last connected to, if any. */
  get currentTarget(): string | undefined {
    return this.target;
  }

  /** The next call asks the target provider again (after the scheduler was unreachable). */
  invalidate(): void {
    this.stale = true;
  }

  /** Closes the grpc-js client; calls in flight fail with CANCELLED, later ones with `CLOSED`. */
  close(): void {
    this.closed = true;
    this.client?.close();
    this.client = undefined;
  }

  /**
   * One unary call with `timeoutMs` as its deadline; cancelled when `signal` aborts.
   * @throws ResourceManagerClientError mapped from the gRPC status.
   */
  async unary<N extends UnaryName>(method: N, request: RequestOf<N>, timeoutMs: number, signal: AbortSignal): Promise<UnaryResponseOf<N>> {
    const what = method;
    const client = await this.connect(what);
    if (signal.aborted) throw aborted(signal, what);
    return new Promise<UnaryResponseOf<N>>((resolve, reject) => {
      const fn = client[method] as unknown as Unary<RequestOf<N>, UnaryResponseOf<N>>;
      const onAbort = (): void => call.cancel();
      const call = fn.call(client, request, { deadline: new Date(Date.now() + timeoutMs) }, (error, response) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(aborted(signal, what));
        else if (error) reject(toClientError(error, what));
        else resolve(response ?? ({} as UnaryResponseOf<N>));
      });
      signal.addEventListener('abort', onAbort);
    });
  }

  /**
   * Opens a server stream with an optional deadline; the caller reads it (it is async-iterable)
   * and cancels it.
   */
  async stream<N extends StreamName>(method: N, request: RequestOf<N>, deadline: Date | undefined): Promise<grpc.ClientReadableStream<StreamEventOf<N>>> {
    const client = await this.connect(method);
    const fn = client[method] as unknown as ServerStream<RequestOf<N>, StreamEventOf<N>>;
    return fn.call(client, request, deadline === undefined ? {} : { deadline });
  }

  private async connect(what: string): Promise<ResourceManagerStub> {
    if (this.closed) throw new ResourceManagerClientError(ResourceManagerClientErrorCode.CLOSED, `${what}: the resource manager client is closed`);
    if (this.stale || this.client === undefined) {
      let target: string;
      try {
        target = parseTarget(await this.settings.provider());
      } catch (error) {
        // A provider that cannot name the leader yet: the scheduler is unavailable for now.
        const cause = toClientError(error, 'Looking up the resource manager');
        throw new ResourceManagerClientError(ResourceManagerClientErrorCode.UNAVAILABLE, `${what}: ${cause.message}`, undefined, error);
      }
      if (this.closed) throw new ResourceManagerClientError(ResourceManagerClientErrorCode.CLOSED, `${what}: the resource manager client is closed`);
      this.stale = false;
      if (this.client === undefined || target !== this.target) {
        this.client?.close();
        serviceConstructor ??= grpcServiceClient(RESOURCE_MANAGER_GRPC);
        const { initialMs, maxMs } = this.settings.backoff;
        this.client = new serviceConstructor(target, this.settings.credentials, {
          'grpc.initial_reconnect_backoff_ms': Math.min(initialMs, maxMs),
          'grpc.max_reconnect_backoff_ms': maxMs,
          // Our own reconnect timing, not a backoff state shared with other clients of the same target.
          'grpc.use_local_subchannel_pool': 1,
        }) as unknown as ResourceManagerStub;
        this.target = target;
      }
    }
    return this.client;
  }
}

/** The error of an operation stopped by `signal`: `CLOSED` when the client closed, otherwise `CANCELLED`. */
export function aborted(signal: AbortSignal, what: string): ResourceManagerClientError {
  const reason: unknown = signal.reason;
  if (reason instanceof ResourceManagerClientError) return reason;
  return new ResourceManagerClientError(ResourceManagerClientErrorCode.CANCELLED, `${what} was cancelled`);
}
