import type { Logger } from 'pino';

/** Stops a listener. */
export type Unsubscribe = () => void;

/** Listeners by event name; a listener that throws is logged and does not stop the others. */
export class Listeners<Events extends { [K in keyof Events]: (payload: never) => void }> {
  private readonly byEvent = new Map<keyof Events, Set<(payload: never) => void>>();

  constructor(private readonly logger: Logger) {}

  on<E extends keyof Events>(event: E, listener: Events[E]): Unsubscribe {
    let set = this.byEvent.get(event);
    if (set === undefined) {
      set = new Set();
      this.byEvent.set(event, set);
    }
    const added = set;
    added.add(listener);
    return () => added.delete(listener);
  }

  emit<E extends keyof Events>(event: E, payload: Parameters<Events[E]>[0]): void {
    for (const listener of [...(this.byEvent.get(event) ?? [])]) {
      try {
        (listener as (payload: Parameters<Events[E]>[0]) => void)(payload);
      } catch (error) {
        this.logger.error({ err: error }, `A '${String(event)}' listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  clear(): void {
    this.byEvent.clear();
  }
}
