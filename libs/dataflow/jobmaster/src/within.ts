// Waiting for an answer no longer than a deadline, on the job master's clock (tests move a manual one).
import type { Clock } from '@mesoflow/dataflow-runtime';

/** `promise`, or a rejection with `timedOut()`'s error once `ms` of `clock` time have passed. */
export async function within<T>(clock: Clock, ms: number, promise: Promise<T>, timedOut = (): Error => new Error(`no answer within ${ms} ms`)): Promise<T> {
  let cancelTimer = (): void => undefined;
  const expiry = new Promise<never>((_resolve, reject) => {
    cancelTimer = clock.setTimer(clock.now() + ms, () => reject(timedOut()));
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    cancelTimer();
  }
}
