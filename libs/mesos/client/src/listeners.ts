/** Removes the listener it was returned for. */
export type Unsubscribe = () => void;

/**
 * A tiny typed event registry: `on(name, listener)` gets the payload type of `name` from `M`.
 * A listener that throws does not stop the others; the error goes to `onListenerError`.
 */
export class Listeners<M extends object> {
  private readonly byName = new Map<keyof M, Set<(payload: never) => void>>();

  /** @param onListenerError receives what a listener threw, with the event name. */
  constructor(private readonly onListenerError: (name: string, error: unknown) => void) {}

  /** Calls `listener` for every `name` notification until the returned function is called. */
  on<K extends keyof M>(name: K, listener: (payload: M[K]) => void): Unsubscribe {
    let set = this.byName.get(name);
    if (!set) {
      set = new Set();
      this.byName.set(name, set);
    }
    const entry = listener as (payload: never) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Calls `listener` for the next `name` notification only. */
  once<K extends keyof M>(name: K, listener: (payload: M[K]) => void): Unsubscribe {
    const off = this.on(name, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** True when someone listens to `name`. */
  has(name: keyof M): boolean {
    return (this.byName.get(name)?.size ?? 0) > 0;
  }

  /** Notifies the listeners of `name`, in registration order. */
  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const set = this.byName.get(name);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: M[K]) => void)(payload);
      } catch (error) {
        this.onListenerError(String(name), error);
      }
    }
  }

  /** Forgets every listener. */
  clear(): void {
    this.byName.clear();
  }
}
