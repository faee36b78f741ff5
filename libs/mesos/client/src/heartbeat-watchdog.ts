/**
 * Detects a silent subscription: once armed with the master's heartbeat interval, it calls
 * `onExpired` when no event at all arrived for `missedHeartbeats × interval`. Every event
 * (not only HEARTBEAT) proves the stream alive and restarts the countdown.
 */
export class HeartbeatWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private timeoutMs = 0;
  private lastEventAt = 0;

  /**
   * @param missedHeartbeats how many intervals may pass without an event.
   * @param onExpired called once per arming when the time is up, with the silence in ms.
   * @param now the clock; injectable for tests.
   */
  constructor(
    private readonly missedHeartbeats: number,
    private readonly onExpired: (silentMs: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while a countdown runs. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** The current allowance of silence in ms (0 when disarmed). */
  get allowanceMs(): number {
    return this.timer === undefined ? 0 : this.timeoutMs;
  }

  /**
   * Starts watching with the interval from SUBSCRIBED. A missing or non-positive interval
   * (very old masters send no heartbeats) disarms the watchdog.
   */
  arm(heartbeatIntervalSeconds: number | null | undefined): void {
    this.disarm();
    if (heartbeatIntervalSeconds === null || heartbeatIntervalSeconds === undefined) return;
    if (!Number.isFinite(heartbeatIntervalSeconds) || heartbeatIntervalSeconds <= 0) return;
    this.timeoutMs = Math.max(1, Math.round(this.missedHeartbeats * heartbeatIntervalSeconds * 1000));
    this.lastEventAt = this.now();
    this.schedule(this.timeoutMs);
  }

  /** Records that an event arrived. Cheap: it does not touch the timer. */
  beat(): void {
    this.lastEventAt = this.now();
  }

  /** Stops watching; no callback follows. */
  disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  // One timer per allowance instead of one per event: when it fires early because events came
  // in meanwhile, it re-schedules for the remaining time.
  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.check(), delayMs);
    this.timer.unref?.();
  }

  private check(): void {
    const silentMs = this.now() - this.lastEventAt;
    if (silentMs >= this.timeoutMs) {
      this.timer = undefined;
      this.onExpired(silentMs);
      return;
    }
    this.schedule(this.timeoutMs - silentMs);
  }
}
