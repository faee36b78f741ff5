// A minimal typed facade over `mesos-framework` 0.5.3 (plain JS, no types of its own): only
// what mesos-framework-launcher.ts uses, written from the package's README and
// lib/scheduler.js. Event payloads are Mesos' JSON mapping as the master sends it (snake_case,
// enums as names, bytes as base64), which the library passes through untouched.
declare module 'mesos-framework' {
  import type { ClientRequest } from 'node:http';
  import type { EventEmitter } from 'node:events';

  /** A protobufjs 5 message built by the package's own `mesos` builder. */
  export interface ProtoMessage {
    readonly $type: unknown;
  }

  /** The constructors of the package's Mesos 0.28.2 messages that we build. */
  export interface MesosMessages {
    /** Positional: uris, environment, shell, value, arguments, user (null for absent). */
    CommandInfo: new (
      uris: null,
      environment: null,
      shell: boolean,
      value: string,
      args: null,
      user: string | null,
    ) => ProtoMessage;
  }

  export interface TaskResources {
    cpus: number;
    mem: number;
    /** Must be a number (0 for none): `undefined` never matches an offer. */
    disk: number;
    /** How many ports; must be a number (0 for none), like `disk`. */
    ports: number;
    staticPorts?: number[];
  }

  export interface TaskDefinition {
    instances?: number;
    priority?: number;
    allowScaling?: boolean;
    commandInfo: ProtoMessage;
    resources: TaskResources;
  }

  export type LogLevel = 'error' | 'warn' | 'info' | 'verbose' | 'debug' | 'silly';

  export interface SchedulerOptions {
    masterUrl: string;
    port: number;
    frameworkName?: string;
    /** Undocumented; the FrameworkInfo user. @default "root" */
    user?: string;
    /** TaskStates whose tasks are launched again. @default ["TASK_FAILED","TASK_LOST","TASK_ERROR"] */
    restartStates?: string[];
    /** Seconds of silence on the subscription before it gives up on the master. @default 10 */
    masterConnectionTimeout?: number;
    /** Seconds. @default 604800 */
    frameworkFailoverTimeout?: number;
    exponentialBackoffMinimum?: number;
    exponentialBackoffMaximum?: number;
    useZk?: boolean;
    /** `path` and `fileName` together choose the log file; otherwise `./logs/mesos-framework.log`. */
    logging?: { path?: string; fileName?: string; level?: LogLevel };
    tasks?: Record<string, TaskDefinition>;
  }

  export interface IdValue {
    value: string;
  }

  export interface TaskStatusJson {
    task_id: IdValue;
    state: string;
    agent_id?: IdValue;
    executor_id?: IdValue;
    message?: string;
    reason?: string;
    source?: string;
    /** Base64; present when the update must be acknowledged. */
    uuid?: string;
  }

  export interface UpdateJson {
    status: TaskStatusJson;
  }

  export interface OffersJson {
    offers: unknown[];
  }

  /** What the library emits as "error": an Error, a `{ message }` object, or a bare string. */
  export type SchedulerError = Error | { message: string; stack?: string } | string;

  /** The winston 2 logger the scheduler writes to. */
  export interface WinstonLogger {
    transports: Record<string, unknown>;
    remove(transportName: string): WinstonLogger;
    close(): void;
  }

  export class Scheduler extends EventEmitter {
    constructor(options: SchedulerOptions);
    readonly logger: WinstonLogger;
    readonly frameworkId: string | null;
    readonly mesosStreamId: string | null | undefined;
    /** The SUBSCRIBE request; an empty object until the first subscribe. */
    readonly httpRequest: ClientRequest | Record<string, never>;
    subscribe(): void;
    teardown(): void;

    on(event: 'ready', listener: () => void): this;
    on(event: 'subscribed', listener: (info: { frameworkId: string; mesosStreamId: string }) => void): this;
    on(event: 'offers', listener: (offers: OffersJson) => void): this;
    on(event: 'update', listener: (update: UpdateJson) => void): this;
    on(event: 'error', listener: (error: SchedulerError) => void): this;
    on(
      event: 'sent_subscribe' | 'sent_accept' | 'sent_decline' | 'sent_acknowledge' | 'sent_teardown',
      listener: () => void,
    ): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export const Mesos: { getMesos(): MesosMessages };
}
