import type { LiveTopic } from '@mesoflow/web-api';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { toGatewayError } from '../errors';

/** Options of {@link LiveEvents}. */
export interface LiveEventsOptions {
  /** The view of a topic, as its GET answers it; rejects with a GatewayError. */
  view: (topic: LiveTopic) => Promise<unknown>;
  metrics: Registry;
  logger: Logger;
  /** Streams open at once; more are refused. @default 100 */
  maxStreams?: number;
  /** How often each followed view is rebuilt and compared. @default 1000 */
  checkMs?: number;
  /** How often a comment line keeps idle connections (and proxies) from timing out. @default 15000 */
  heartbeatMs?: number;
}

/** A browser slower than this many buffered bytes is cut off rather than buffered for. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** One followed view: built once per check for all its streams, sent only when its JSON changed. */
interface TopicFeed {
  readonly subscribers: Set<(json: string) => void>;
  last: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Server-Sent Events of the /api/v1 views. Each topic followed by any stream is rebuilt about
 * once a second by one loop, however many browsers follow it; a stream gets the current view at
 * once and every changed one after, as `event: <topic>` with the view's JSON (or the `{error}`
 * its GET would answer) as data.
 */
export class LiveEvents {
  private readonly feeds = new Map<LiveTopic, TopicFeed>();
  private readonly streams = new Set<ServerResponse>();
  private readonly maxStreams: number;
  private readonly checkMs: number;
  private readonly heartbeatMs: number;
  private closed = false;

  constructor(private readonly options: LiveEventsOptions) {
    this.maxStreams = options.maxStreams ?? 100;
    this.checkMs = options.checkMs ?? 1_000;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    const streams = this.streams;
    new Gauge({
      name: 'mesoflow_dispatcher_web_event_streams',
      help: 'Server-Sent Event streams of the web UI open on this gateway',
      registers: [options.metrics],
      collect() {
        this.set(streams.size);
      },
    });
  }

  /**
   * Streams the topics on `response` until the client goes away or {@link close}.
   * @returns false, having written nothing, when the gateway is at its stream limit or shutting down.
   */
  open(topics: readonly LiveTopic[], response: ServerResponse): boolean {
    if (this.closed || this.streams.size >= this.maxStreams) return false;
    this.streams.add(response);
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold events back until their buffer fills.
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    const write = (text: string): void => {
      if (response.writableLength > MAX_BUFFERED_BYTES) {
        this.options.logger.info(`An event stream of topics ${topics.join(', ')} is closed: its client reads too slowly`);
        response.destroy();
        return;
      }
      response.write(text);
    };
    const senders = topics.map((topic) => {
      const send = (json: string): void => write(`event: ${topic}\ndata: ${json}\n\n`);
      this.subscribe(topic, send);
      return { topic, send };
    });
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), this.heartbeatMs);
    response.once('close', () => {
      clearInterval(heartbeat);
      for (const { topic, send } of senders) this.unsubscribe(topic, send);
      this.streams.delete(response);
    });
    return true;
  }

  /** Ends every stream and refuses new ones (the gateway is draining). */
  close(): void {
    this.closed = true;
    for (const response of this.streams) response.end();
  }

  private subscribe(topic: LiveTopic, send: (json: string) => void): void {
    const feed = this.feeds.get(topic);
    if (feed !== undefined) {
      feed.subscribers.add(send);
      if (feed.last !== undefined) send(feed.last);
      return;
    }
    const created: TopicFeed = { subscribers: new Set([send]), last: undefined, timer: undefined };
    this.feeds.set(topic, created);
    void this.check(topic, created);
  }

  private unsubscribe(topic: LiveTopic, send: (json: string) => void): void {
    const feed = this.feeds.get(topic);
    if (feed === undefined) return;
    feed.subscribers.delete(send);
    if (feed.subscribers.size > 0) return;
    clearTimeout(feed.timer);
    this.feeds.delete(topic);
  }

  private async check(topic: LiveTopic, feed: TopicFeed): Promise<void> {
    let json: string;
    try {
      json = JSON.stringify(await this.options.view(topic));
    } catch (error) {
      json = JSON.stringify({ error: toGatewayError(error).message });
    }
    // Nobody follows the topic any more: the feed was dropped while the view was built.
    if (this.feeds.get(topic) !== feed) return;
    if (json !== feed.last) {
      feed.last = json;
      for (const send of feed.subscribers) send(json);
    }
    feed.timer = setTimeout(() => void this.check(topic, feed), this.checkMs);
  }
}
