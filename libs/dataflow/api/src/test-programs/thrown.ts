/** What `fn` throws, for `expect(thrownBy(fn)).toMatchObject({ code, message })`; fails when it returns. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('Expected the call to throw, but it returned');
}
