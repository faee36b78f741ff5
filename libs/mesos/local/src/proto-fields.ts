/**
 * True when `field` was set on a decoded protobuf message. Generated classes keep proto defaults
 * on their prototype (`""`, `0`, `"*"`…), so reading a field cannot tell "unset" from "default";
 * only own, non-null properties count as set.
 */
export function has(message: object | null | undefined, field: string): boolean {
  return message != null && Object.prototype.hasOwnProperty.call(message, field) && (message as Record<string, unknown>)[field] != null;
}
