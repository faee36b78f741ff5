import { HeartbeatWatchdog } from './heartbeat-watchdog';

// Pure timer logic: Jest's fake timers drive both setTimeout and Date.now.
describe('HeartbeatWatchdog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires after missedHeartbeats × interval of silence, once', () => {
    const expired = jest.fn();
    const watchdog = new HeartbeatWatchdog(5, expired);
    watchdog.arm(15);
    expect(watchdog.allowanceMs).toBe(75_000);
    jest.advanceTimersByTime(74_999);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(expired).toHaveBeenCalledWith(75_000);
    expect(watchdog.armed).toBe(false);
    jest.advanceTimersByTime(500_000);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('every event restarts the countdown', () => {
    const expired = jest.fn();
    const watchdog = new HeartbeatWatchdog(3, expired);
    watchdog.arm(1);
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(2_900);
      watchdog.beat();
    }
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(2_999);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('supports fractional counts and intervals', () => {
    const expired = jest.fn();
    const watchdog = new HeartbeatWatchdog(2.5, expired);
    watchdog.arm(0.1);
    jest.advanceTimersByTime(249);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('stays disarmed without a usable interval (masters that send no heartbeats)', () => {
    const expired = jest.fn();
    const watchdog = new HeartbeatWatchdog(5, expired);
    for (const interval of [undefined, null, 0, -1, Number.NaN]) {
      watchdog.arm(interval);
      expect(watchdog.armed).toBe(false);
    }
    jest.advanceTimersByTime(10_000_000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('disarm and re-arm cancel the previous countdown', () => {
    const expired = jest.fn();
    const watchdog = new HeartbeatWatchdog(5, expired);
    watchdog.arm(1);
    jest.advanceTimersByTime(4_000);
    watchdog.arm(2);
    jest.advanceTimersByTime(9_999);
    expect(expired).not.toHaveBeenCalled();
    watchdog.disarm();
    jest.advanceTimersByTime(100_000);
    expect(expired).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});
