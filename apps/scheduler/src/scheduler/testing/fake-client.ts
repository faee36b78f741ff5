// Test support: a scheduler client that records calls and lets a test deliver events.
import { MesosClientError, MesosClientErrorCode } from '@mesoflow/mesos-client';
import type { MesosClientEventMap, MesosClientState, SubscribedNotice, Unsubscribe } from '@mesoflow/mesos-client';
import { mesos } from '@mesoflow/proto';
import type { Clock, SchedulerClient } from '../worker-scheduler';

import Call = mesos.v1.scheduler.Call;

/** One recorded call, by name. */
export type RecordedCall =
  | { name: 'accept'; body: Call.Accept.$Properties }
  | { name: 'decline'; body: Call.Decline.$Properties }
  | { name: 'suppress' }
  | { name: 'revive' }
  | { name: 'reconcile'; body: Call.Reconcile.$Properties }
  | { name: 'kill'; body: Call.Kill.$Properties }
  | { name: 'acknowledge'; body: mesos.v1.TaskStatus.$Properties }
  | { name: 'teardown' };

type AnyListener = (payload: never) => void;

export class FakeClient implements SchedulerClient {
  readonly calls: RecordedCall[] = [];
  /** Runs inside `accept`, before it is recorded: lets a test look at the store at that moment. */
  onAccept: ((body: Call.Accept.$Properties) => Promise<void>) | undefined;
  /** Runs inside `kill`, before it is recorded. */
  onKill: ((body: Call.Kill.$Properties) => Promise<void>) | undefined;
  /** Runs inside `acknowledgeStatus`. */
  onAcknowledge: ((status: mesos.v1.TaskStatus.$Properties) => Promise<void>) | undefined;
  /** `subscribed` from the first SUBSCRIBED on; a test sets it to play a broken connection. */
  state: MesosClientState = { name: 'idle' };
  /** When set, `teardown` fails with it. */
  teardownError: MesosClientError | undefined;
  private readonly listeners = new Map<string, Set<AnyListener>>();
  private subscriptions = 0;

  constructor(private readonly frameworkId = 'fw-1') {}

  on<K extends keyof MesosClientEventMap>(name: K, listener: (payload: MesosClientEventMap[K]) => void): Unsubscribe {
    const set = this.listeners.get(name) ?? new Set<AnyListener>();
    set.add(listener);
    this.listeners.set(name, set);
    return () => set.delete(listener);
  }

  once<K extends keyof MesosClientEventMap>(name: K, listener: (payload: MesosClientEventMap[K]) => void): Unsubscribe {
    const off = this.on(name, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  emit<K extends keyof MesosClientEventMap>(name: K, payload: MesosClientEventMap[K]): void {
    for (const listener of this.listeners.get(name) ?? []) (listener as (payload: MesosClientEventMap[K]) => void)(payload);
  }

  /** Delivers SUBSCRIBED as the real client does: the notice, then the event. */
  subscribe(): SubscribedNotice {
    const notice: SubscribedNotice = {
      endpoint: 'http://master:5050',
      streamId: `stream-${++this.subscriptions}`,
      frameworkId: this.frameworkId,
      resubscribed: this.subscriptions > 1,
      heartbeatIntervalSeconds: 15,
      masterInfo: undefined,
    };
    this.state = { name: 'subscribed', endpoint: notice.endpoint, streamId: notice.streamId, frameworkId: notice.frameworkId };
    this.emit('subscribed', notice);
    return notice;
  }

  /** When set, `start` fails with it as the real client does: a `failed` notice, then the rejection. */
  startError: MesosClientError | undefined;

  start(): Promise<SubscribedNotice> {
    if (this.startError) {
      this.state = { name: 'failed', error: this.startError };
      this.emit('failed', this.startError);
      return Promise.reject(this.startError);
    }
    return Promise.resolve(this.subscribe());
  }

  close(): Promise<void> {
    this.state = { name: 'closed' };
    return Promise.resolve();
  }

  /** Like the real client: the client closes itself once the master accepted the TEARDOWN. */
  async teardown(): Promise<void> {
    this.calls.push({ name: 'teardown' });
    if (this.teardownError) throw this.teardownError;
    await this.close();
  }

  async accept(body: Call.Accept.$Properties): Promise<void> {
    await this.onAccept?.(body);
    this.calls.push({ name: 'accept', body });
  }

  decline(body: Call.Decline.$Properties): Promise<void> {
    this.calls.push({ name: 'decline', body });
    return Promise.resolve();
  }

  suppress(): Promise<void> {
    this.calls.push({ name: 'suppress' });
    return Promise.resolve();
  }

  revive(): Promise<void> {
    this.calls.push({ name: 'revive' });
    return Promise.resolve();
  }

  reconcile(body: Call.Reconcile.$Properties = {}): Promise<void> {
    this.calls.push({ name: 'reconcile', body });
    return Promise.resolve();
  }

  async kill(body: Call.Kill.$Properties): Promise<void> {
    await this.onKill?.(body);
    this.calls.push({ name: 'kill', body });
  }

  async acknowledgeStatus(status: mesos.v1.TaskStatus.$Properties): Promise<boolean> {
    if (!status.uuid) return false;
    await this.onAcknowledge?.(status);
    this.calls.push({ name: 'acknowledge', body: status });
    return true;
  }

  named<N extends RecordedCall['name']>(name: N): Extract<RecordedCall, { name: N }>[] {
    return this.calls.filter((call): call is Extract<RecordedCall, { name: N }> => call.name === name);
  }
}

/** A clock whose timers fire only when the test advances it. */
export class ManualClock implements Clock {
  private time = 1_700_000_000_000;
  private timers: Array<{ at: number; callback: () => void }> = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const timer of due) timer.callback();
  }
}

/** An offer of one agent with scalar resources and a port range. */
export function offer(id: string, agent: string, cpus: number, mem: number, ports: [number, number]): mesos.v1.Offer.$Properties {
  const scalar = (name: string, value: number): mesos.v1.Resource.$Properties => ({
    name,
    type: mesos.v1.Value.Type.SCALAR,
    scalar: { value },
    allocation_info: { role: '*' },
  });
  return {
    id: { value: id },
    framework_id: { value: 'fw-1' },
    agent_id: { value: agent },
    hostname: `${agent}.example`,
    allocation_info: { role: '*' },
    resources: [
      scalar('cpus', cpus),
      scalar('mem', mem),
      {
        name: 'ports',
        type: mesos.v1.Value.Type.RANGES,
        ranges: { range: [{ begin: ports[0], end: ports[1] }] },
        allocation_info: { role: '*' },
      },
    ],
  };
}

/** A status update for `taskId`, with a uuid (so it asks for an ACK) unless `uuid` is false. */
export function status(
  taskId: string,
  state: mesos.v1.TaskState,
  agent = 'a1',
  uuid = true,
): mesos.v1.TaskStatus.$Properties {
  return {
    task_id: { value: taskId },
    agent_id: { value: agent },
    state,
    ...(uuid ? { uuid: Buffer.from(`${taskId}-${state}`) } : {}),
  };
}

/** What the client fails with when the master answers SUBSCRIBE with `ERROR "Framework has been removed"`. */
export function frameworkRemoved(): MesosClientError {
  return new MesosClientError(
    MesosClientErrorCode.FRAMEWORK_ERROR,
    "Master 'http://master:5050' sent ERROR 'Framework has been removed'; the client stopped",
    { body: 'Framework has been removed' },
  );
}
