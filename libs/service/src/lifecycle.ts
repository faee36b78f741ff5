/**
 * Where a service is in its life: `starting` until every port listens, `ready` while it serves,
 * `draining` from a shutdown signal until the last request in flight has finished, `stopped`
 * after. `/healthz` answers 200 only while `ready`.
 */
export type ServiceState = 'starting' | 'ready' | 'draining' | 'stopped';

/** The service's state, shared by the bootstrap, the health endpoint and the service's code. */
export class ServiceLifecycle {
  private current: ServiceState = 'starting';
  private readonly drainListeners: Array<() => void> = [];

  /** The current state. */
  get state(): ServiceState {
    return this.current;
  }

  /** True while the service takes new work. */
  get ready(): boolean {
    return this.current === 'ready';
  }

  /** Every port listens: `starting` → `ready`. */
  markReady(): void {
    if (this.current === 'starting') this.current = 'ready';
  }

  /** A shutdown began: no new work; listeners registered with {@link onDrain} run once. */
  beginDrain(): void {
    if (this.current === 'draining' || this.current === 'stopped') return;
    this.current = 'draining';
    for (const listener of this.drainListeners.splice(0)) listener();
  }

  /** Everything is closed. */
  markStopped(): void {
    this.current = 'stopped';
  }

  /** Runs `listener` when draining begins (at once if it already has). */
  onDrain(listener: () => void): void {
    if (this.current === 'draining' || this.current === 'stopped') listener();
    else this.drainListeners.push(listener);
  }
}
