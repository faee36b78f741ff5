// One EventSource for the whole page: the topics the mounted components follow, reopened when
// that set changes. Browsers allow a handful of connections per host, so one stream per
// component would starve the GETs.
import { apiPaths, type LiveTopic } from '@mesoflow/web-api';
import { relativeToPage } from './http';

/** `open` once the stream is up; `retrying` while the browser (or the hub) reconnects. */
export type LiveStatus = 'idle' | 'connecting' | 'open' | 'retrying';

type Listener = (view: unknown) => void;

/** How long to wait before reopening a stream the gateway refused (the browser gives up on those). */
const REOPEN_DELAY_MS = 5_000;

export class LiveHub {
  private readonly listeners = new Map<LiveTopic, Set<Listener>>();
  private readonly latest = new Map<LiveTopic, unknown>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  private source: EventSource | undefined;
  private sourceKey = '';
  private status: LiveStatus = 'idle';
  private reconcileQueued = false;
  private reopenTimer: number | undefined;

  /** Follows a topic; the listener gets every event's view. Returns the unsubscribe. */
  subscribe(topic: LiveTopic, listener: Listener): () => void {
    let topicListeners = this.listeners.get(topic);
    if (topicListeners === undefined) {
      topicListeners = new Set();
      this.listeners.set(topic, topicListeners);
    }
    topicListeners.add(listener);
    this.queueReconcile();
    return () => {
      topicListeners.delete(listener);
      if (topicListeners.size === 0) this.listeners.delete(topic);
      this.queueReconcile();
    };
  }

  /** The last view a topic's events carried, kept after unsubscribing so a page comes back filled. */
  latestOf(topic: LiveTopic): unknown {
    return this.latest.get(topic);
  }

  statusNow(): LiveStatus {
    return this.status;
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  // A page change unsubscribes the old page and subscribes the new one in the same task; waiting
  // for the microtask reopens the stream once, or not at all when the topics stay the same.
  private queueReconcile(): void {
    if (this.reconcileQueued) return;
    this.reconcileQueued = true;
    queueMicrotask(() => {
      this.reconcileQueued = false;
      this.reconcile(false);
    });
  }

  private reconcile(force: boolean): void {
    const topics = [...this.listeners.keys()].sort();
    const key = topics.join('&');
    if (key === this.sourceKey && !force) return;
    this.close();
    this.sourceKey = key;
    if (topics.length === 0) {
      this.setStatus('idle');
      return;
    }
    const source = new EventSource(relativeToPage(apiPaths.events(topics)));
    this.source = source;
    this.setStatus('connecting');
    for (const topic of topics) {
      source.addEventListener(topic, (event: MessageEvent<string>) => {
        const view: unknown = JSON.parse(event.data);
        this.latest.set(topic, view);
        for (const listener of this.listeners.get(topic) ?? []) listener(view);
      });
    }
    source.onopen = () => this.setStatus('open');
    source.onerror = () => {
      this.setStatus('retrying');
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an error status), so we retry.
      if (source.readyState === EventSource.CLOSED) {
        this.reopenTimer = window.setTimeout(() => this.reconcile(true), REOPEN_DELAY_MS);
      }
    };
  }

  private close(): void {
    window.clearTimeout(this.reopenTimer);
    this.source?.close();
    this.source = undefined;
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}
