/** The outcome of parsing one raw configuration value: the typed value, or why it was rejected. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** A successful {@link ParseResult}. */
export function parsed<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

/** A failed {@link ParseResult}; `reason` is a clause such as `'six' is not a number`. */
export function rejected<T>(reason: string): ParseResult<T> {
  return { ok: false, reason };
}
