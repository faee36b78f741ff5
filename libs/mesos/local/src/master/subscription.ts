import type { ServerResponse } from 'node:http';
import type { MesosMediaType } from '@mesoflow/mesos-codec';
import { HEARTBEAT, type EventRecord } from './events';

/** Where a subscription stream is in its life. */
type StreamState = { kind: 'open'; heartbeat: NodeJS.Timeout } | { kind: 'closed' };

/**
 * The response of one accepted SUBSCRIBE: a chunked HTTP body of RecordIO events. Each record is
 * written with its own `write()`, so each is its own HTTP chunk as with a real master (the
 * `mesos-framework` client parses one record per chunk).
 */
export class SubscriptionStream {
  private state: StreamState;
  private readonly closeListeners: Array<() => void> = [];

  /**
   * Sends the 200 headers right away and starts heartbeats (the first one follows the first
   * event written, see {@link start}).
   * @param response the SUBSCRIBE response, still without headers.
   * @param streamId the `Mesos-Stream-Id` issued for it.
   * @param mediaType the negotiated event encoding.
   * @param heartbeatIntervalMs time between heartbeats.
   */
  constructor(
    private readonly response: ServerResponse,
    readonly streamId: string,
    readonly mediaType: MesosMediaType,
    heartbeatIntervalMs: number,
  ) {
    response.writeHead(200, { 'Content-Type': mediaType, 'Mesos-Stream-Id': streamId });
    response.flushHeaders();
    const heartbeat = setInterval(() => this.write(HEARTBEAT), heartbeatIntervalMs);
    heartbeat.unref();
    this.state = { kind: 'open', heartbeat };
    // The scheduler closing its connection is how it disconnects.
    response.on('close', () => this.closed());
  }

  /** True until the stream is closed by either side. */
  get isOpen(): boolean {
    return this.state.kind === 'open';
  }

  /** Writes the first event (SUBSCRIBED) and the immediate HEARTBEAT that follows it. */
  start(first: EventRecord): void {
    this.write(first);
    this.write(HEARTBEAT);
  }

  /** Writes one event as one chunk; ignored once closed. */
  write(record: EventRecord): void {
    if (this.state.kind !== 'open') return;
    this.response.write(record.bytes(this.mediaType));
  }

  /** Calls `listener` once when the stream closes, whoever closed it. */
  onClose(listener: () => void): void {
    if (this.state.kind === 'closed') listener();
    else this.closeListeners.push(listener);
  }

  /** Ends the body gracefully, optionally after a last event (e.g. an ERROR). */
  close(last?: EventRecord): void {
    if (this.state.kind !== 'open') return;
    if (last) this.write(last);
    this.response.end();
    this.closed();
  }

  /** Breaks the connection without ending the body, as a crashing master does. */
  abort(): void {
    if (this.state.kind !== 'open') return;
    this.response.destroy();
    this.closed();
  }

  private closed(): void {
    if (this.state.kind !== 'open') return;
    clearInterval(this.state.heartbeat);
    this.state = { kind: 'closed' };
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
