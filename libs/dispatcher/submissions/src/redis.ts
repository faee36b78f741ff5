import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { SubmissionError, SubmissionErrorCode } from './errors';

/** Where Redis is: a `redis://` URL or ioredis options. Each class opens its own connections from it. */
export type RedisLocation = { redisUrl: string; connection?: never } | { connection: RedisOptions; redisUrl?: never };

/** ioredis options for a location; `redis://user:password@host:port/db` or `rediss://` for TLS. */
export function redisOptionsOf(location: RedisLocation): RedisOptions {
  if (location.connection) return { ...location.connection };
  let url: URL;
  try {
    url = new URL(location.redisUrl);
  } catch (cause) {
    throw new SubmissionError(SubmissionErrorCode.INVALID_ARGUMENT, `Redis URL '${location.redisUrl}' is not a URL`, { cause });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new SubmissionError(
      SubmissionErrorCode.INVALID_ARGUMENT,
      `Redis URL '${location.redisUrl}' has protocol '${url.protocol}': expected redis: or rediss:`,
    );
  }
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

const CLUSTER = /^[A-Za-z0-9._-]{1,64}$/;

/** BullMQ's key prefix for every Mesoflow queue. */
export const KEY_PREFIX = 'mesoflow';

/** The Redis names used for one cluster's submissions. */
export interface ClusterKeys {
  /** BullMQ queue name (under {@link KEY_PREFIX}). */
  queueName: string;
  /** Hash: job id → epoch ms of its cancel request. */
  cancelRequests: string;
  /** Pub/sub channel on which cancel requests are announced to runners (job id as message). */
  cancelChannel: string;
  /** Sorted set: job id scored by submission order, for `list`. */
  submitted: string;
  /** Counter giving the submission order. */
  sequence: string;
}

/** The keys of `cluster`; {@link SubmissionErrorCode.INVALID_ARGUMENT} for a name Redis keys should not carry. */
export function clusterKeys(cluster: string): ClusterKeys {
  if (typeof cluster !== 'string' || !CLUSTER.test(cluster)) {
    throw new SubmissionError(
      SubmissionErrorCode.INVALID_ARGUMENT,
      `Cluster name ${JSON.stringify(cluster)} is invalid: expected 1 to 64 characters of [A-Za-z0-9._-]`,
    );
  }
  const queueName = `submissions.${cluster}`;
  const base = `${KEY_PREFIX}:${queueName}`;
  return {
    queueName,
    cancelRequests: `${base}:cancel-requests`,
    cancelChannel: `${base}:cancel`,
    submitted: `${base}:submitted`,
    sequence: `${base}:sequence`,
  };
}

/**
 * The same options typed for BullMQ, whose own `RedisOptions` is a looser copy of ioredis'
 * (ioredis 6 and BullMQ's declaration differ only in callback signatures).
 */
export function bullConnectionOf(options: RedisOptions, extra: RedisOptions = {}): ConnectionOptions {
  return { ...options, ...extra } as ConnectionOptions;
}
