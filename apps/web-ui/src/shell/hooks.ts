// The pages' data: a view fetched once, a view kept live, the live stream's status, a ticking
// clock for durations of running things.
import type { LiveTopic } from '@mesoflow/web-api';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { ApiError, getJson } from './http';
import { LiveHub, type LiveStatus } from './live-hub';
import { pathOfTopic, type ViewOf } from './topics';

/** A view as a page has it: the data once there, or why it is not (data may be older then). */
export interface Loaded<T> {
  readonly data?: T;
  readonly error?: ApiError;
}

/** The page's one live stream. */
const hub = new LiveHub();

function apiErrorOf(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, error instanceof Error ? error.message : String(error));
}

/** GETs a view once per path (for what has no topic: the configuration, the auth setting). */
export function useFetched<T>(path: string): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({});
  useEffect(() => {
    const abort = new AbortController();
    getJson<T>(path, abort.signal).then(
      (data) => setLoaded({ data }),
      (error: unknown) => {
        if (!abort.signal.aborted) setLoaded({ error: apiErrorOf(error) });
      },
    );
    return () => abort.abort();
  }, [path]);
  return loaded;
}

/** Calls `onView` with each view a topic's events carry, while mounted. */
export function useLiveTopic<T extends LiveTopic>(topic: T, onView: (view: ViewOf<T>) => void): void {
  useEffect(() => hub.subscribe(topic, (view) => onView(view as ViewOf<T>)), [topic, onView]);
}

/**
 * A topic's view: GET at once (whose error says why a view is missing), then every event. A GET
 * answer arriving after an event is older than it and dropped; an event clears an error.
 */
export function useLiveView<T extends LiveTopic>(topic: T): Loaded<ViewOf<T>> {
  const [loaded, setLoaded] = useState<Loaded<ViewOf<T>>>(() => ({ data: hub.latestOf(topic) as ViewOf<T> | undefined }));
  useEffect(() => {
    const abort = new AbortController();
    let live = false;
    const unsubscribe = hub.subscribe(topic, (view) => {
      live = true;
      setLoaded({ data: view as ViewOf<T> });
    });
    getJson<ViewOf<T>>(pathOfTopic(topic), abort.signal).then(
      (data) => {
        if (!live) setLoaded({ data });
      },
      (error: unknown) => {
        if (!live && !abort.signal.aborted) setLoaded((previous) => ({ ...previous, error: apiErrorOf(error) }));
      },
    );
    return () => {
      abort.abort();
      unsubscribe();
    };
  }, [topic]);
  return loaded;
}

const subscribeToStatus = (onChange: () => void): (() => void) => hub.onStatus(onChange);
const statusNow = (): LiveStatus => hub.statusNow();

/** The live stream's status, for the indicator in the header. */
export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(subscribeToStatus, statusNow);
}

/** Now, renewed every `intervalMs`, for the durations of things still running. */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
