/**
 * Awaits `promise` and returns what it rejected with; fails when it resolves. For asserting on
 * a typed error's fields rather than on its message alone.
 */
export async function rejectionOf<E = unknown>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
