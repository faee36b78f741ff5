import { ZkStoreError, ZkStoreErrorCode } from './errors';

/** Name prefix of the participants' nodes; ZooKeeper appends a 10-digit sequence number. */
export const LATCH_PREFIX = 'latch-';

const LATCH_NAME = /^latch-(\d{10})$/;

/** What a participant publishes in its latch node, so standbys know whom to follow. */
export interface LeaderInfo {
  /** The participant's ID, unique among the participants. */
  id: string;
  /** Where the participant serves (e.g. `http://host:port`). */
  address: string;
}

/** Where a participant stands in the election. */
export type LatchPosition =
  | { kind: 'leader' }
  /** Not first: watch `predecessor` (the node just before ours) and nobody else, so a leader's exit wakes one participant, not all. */
  | { kind: 'standby'; predecessor: string }
  /** Our node is not among the children: it was deleted or went with the session. */
  | { kind: 'gone' };

/** The latch nodes among `children` (names), lowest sequence number first; other names are ignored. */
export function sortLatchNodes(children: readonly string[]): string[] {
  return children
    .map((name) => ({ name, match: LATCH_NAME.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .sort((a, b) => Number(a.match[1]) - Number(b.match[1]))
    .map((entry) => entry.name);
}

/** Where the node named `own` stands among `children`. */
export function latchPosition(children: readonly string[], own: string): LatchPosition {
  const order = sortLatchNodes(children);
  const index = order.indexOf(own);
  if (index < 0) return { kind: 'gone' };
  const predecessor = order[index - 1];
  return predecessor === undefined ? { kind: 'leader' } : { kind: 'standby', predecessor };
}

/** The latch node's data: `{ id, address }` as JSON. */
export function encodeLeaderInfo(info: LeaderInfo): Buffer {
  return Buffer.from(JSON.stringify({ id: info.id, address: info.address }), 'utf8');
}

/**
 * Reads a latch node's data.
 * @throws ZkStoreError `CORRUPT_RECORD` naming the path and what was found.
 */
export function decodeLeaderInfo(data: Buffer, path: string): LeaderInfo {
  const text = data.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, `The latch node '${path}' holds '${text}', not JSON`, {
      path,
      cause: error,
    });
  }
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const { id, address } = record;
  if (typeof id !== 'string' || typeof address !== 'string') {
    throw new ZkStoreError(
      ZkStoreErrorCode.CORRUPT_RECORD,
      `The latch node '${path}' holds '${text}'; expected { "id": string, "address": string }`,
      { path },
    );
  }
  return { id, address };
}

/**
 * Reads the leader epoch node's text: the epoch of the latest leadership, `0` before the first.
 * @throws ZkStoreError `CORRUPT_RECORD` when it is not a non-negative integer.
 */
export function parseEpoch(text: string, path: string): number {
  const epoch = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(epoch)) {
    throw new ZkStoreError(
      ZkStoreErrorCode.CORRUPT_RECORD,
      `The leader epoch at '${path}' is '${text}'; expected a non-negative integer`,
      { path },
    );
  }
  return epoch;
}
