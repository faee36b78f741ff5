import { ExchangeError, ExchangeErrorCode } from './errors';
import type { InputChannel } from './input-channel';
import { LocalInputChannel } from './local-input-channel';
import { resolveInputChannelOptions, type InputChannelOptions, type ResultPartitionOptions } from './options';
import { ResultPartition } from './result-partition';
import { describeTask, taskKey, validateTaskAttemptId, type ResultPartitionId, type TaskAttemptId } from './task-attempt';

interface RegistrationWaiter {
  readonly resolve: (partition: ResultPartition) => void;
}

/**
 * The result partitions one TaskManager produces (Flink's ResultPartitionManager): the exchange
 * server serves remote consumers from it, and local consumers read from it directly. A
 * partition is registered while it can be read and removed once released (fully read, or failed).
 */
export class PartitionRegistry {
  private readonly partitions = new Map<string, ResultPartition>();
  private readonly waiters = new Map<string, Set<RegistrationWaiter>>();
  /** Why recently failed partitions failed, so that a late consumer learns it (oldest first). */
  private readonly failures = new Map<string, ExchangeError>();

  /** Registered partitions. */
  get size(): number {
    return this.partitions.size;
  }

  /**
   * Creates and registers a partition for a producing task attempt.
   * @throws ExchangeError ALREADY_REGISTERED, or INVALID_ARGUMENT
   */
  createPartition(id: ResultPartitionId, numberOfSubpartitions: number, options: ResultPartitionOptions = {}): ResultPartition {
    const partition = new ResultPartition(id, numberOfSubpartitions, options);
    this.register(partition);
    return partition;
  }

  /**
   * Registers a partition until it is released, and hands it to consumers waiting for it.
   * @throws ExchangeError ALREADY_REGISTERED
   */
  register(partition: ResultPartition): void {
    const key = taskKey(partition.id);
    if (this.partitions.has(key)) {
      throw new ExchangeError(ExchangeErrorCode.ALREADY_REGISTERED, `The partition of ${describeTask(partition.id)} is already registered`);
    }
    const state = partition.state.kind;
    if (state === 'failed' || state === 'finished') {
      throw new ExchangeError(ExchangeErrorCode.ILLEGAL_STATE, `The partition of ${describeTask(partition.id)} is ${state}; it cannot be registered`);
    }
    this.partitions.set(key, partition);
    this.failures.delete(key);
    partition.onDispose(() => {
      if (this.partitions.get(key) !== partition) return;
      this.partitions.delete(key);
      const failure = partition.readerFailure;
      if (failure) this.rememberFailure(key, failure);
    });
    const waiters = this.waiters.get(key);
    this.waiters.delete(key);
    for (const waiter of waiters ?? []) waiter.resolve(partition);
  }

  /** The registered partition of a producer, if any. */
  get(id: ResultPartitionId): ResultPartition | undefined {
    return this.partitions.get(taskKey(id));
  }

  /**
   * Why a producer's partition failed, if it failed recently (the last
   * {@link PartitionRegistry.REMEMBERED_FAILURES} failures are kept): a consumer that comes late
   * fails with the producer's error instead of waiting for a partition that will not come.
   */
  failureOf(id: ResultPartitionId): ExchangeError | undefined {
    return this.failures.get(taskKey(id));
  }

  /** How many failed partitions {@link failureOf} remembers. */
  static readonly REMEMBERED_FAILURES = 1024;

  private rememberFailure(key: string, failure: ExchangeError): void {
    this.failures.set(key, failure);
    if (this.failures.size > PartitionRegistry.REMEMBERED_FAILURES) {
      const oldest = this.failures.keys().next();
      if (!oldest.done) this.failures.delete(oldest.value);
    }
  }

  /**
   * Resolves with the partition once it is registered (at once if it is).
   * @param who the waiting consumer, for the timeout message.
   * @returns rejects with PARTITION_NOT_FOUND after `timeoutMs`.
   */
  whenRegistered(id: ResultPartitionId, timeoutMs: number, who = 'a consumer'): Promise<ResultPartition> {
    const key = taskKey(id);
    const registered = this.partitions.get(key);
    if (registered) return Promise.resolve(registered);
    const failure = this.failures.get(key);
    if (failure) return Promise.reject(failure);
    return new Promise<ResultPartition>((resolve, reject) => {
      let waiters = this.waiters.get(key);
      if (!waiters) this.waiters.set(key, (waiters = new Set()));
      const set = waiters;
      const timer = setTimeout(() => {
        set.delete(waiter);
        if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
        reject(partitionNotFound(id, timeoutMs, who));
      }, timeoutMs);
      const waiter: RegistrationWaiter = {
        resolve: (partition) => {
          clearTimeout(timer);
          resolve(partition);
        },
      };
      set.add(waiter);
    });
  }

  /**
   * Opens an input channel to a producer in this process. It waits up to the partition request
   * timeout for the partition to be registered.
   * @throws ExchangeError INVALID_ARGUMENT
   */
  openLocalChannel(partition: ResultPartitionId, subpartition: number, consumer: TaskAttemptId, options: InputChannelOptions = {}): InputChannel {
    const resolved = resolveInputChannelOptions(options);
    validateSubpartitionIndex(subpartition);
    return new LocalInputChannel(
      this,
      validateTaskAttemptId(partition, 'A partition'),
      subpartition,
      validateTaskAttemptId(consumer, 'A consumer'),
      resolved.partitionRequestTimeoutMs,
    );
  }
}

/** The error a consumer fails with when the producer's partition never shows up. */
export function partitionNotFound(id: ResultPartitionId, timeoutMs: number, who: string): ExchangeError {
  return new ExchangeError(
    ExchangeErrorCode.PARTITION_NOT_FOUND,
    `The partition of producer ${describeTask(id)} was not found within ${timeoutMs} ms by ${who}`,
  );
}

/** @throws ExchangeError INVALID_ARGUMENT unless `index` is an integer >= 0. */
export function validateSubpartitionIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > 0xffff_ffff) {
    throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, `A subpartition index must be an integer >= 0, not ${index}`);
  }
}
