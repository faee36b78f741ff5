import { rejectionOf, waitFor } from '@mesoflow/testing';
import { ExchangeError, ExchangeErrorCode } from './errors';
import { decodeFrames, type ExchangeElement } from './frames';
import { ResultPartition, type SubpartitionReader } from './result-partition';

const PRODUCER = { jobId: 'job-1', vertexId: 'map', subtaskIndex: 3, attempt: 1 };

class RecordingReader implements SubpartitionReader {
  available = 0;
  failure: ExchangeError | undefined;
  notifyAvailable(): void {
    this.available++;
  }
  notifyFailed(error: ExchangeError): void {
    this.failure = error;
  }
}

function drain(partition: ResultPartition, index: number): ExchangeElement[] {
  const out: ExchangeElement[] = [];
  for (let buffer = partition.subpartition(index).poll(); buffer; buffer = partition.subpartition(index).poll()) decodeFrames(buffer, out);
  return out;
}

/** Settles to 'pending' unless the promise settles within a few event-loop turns. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

describe('ResultPartition', () => {
  it('packs records into buffers and keeps their order per subpartition', async () => {
    const partition = new ResultPartition(PRODUCER, 2, { bufferSize: 64, flushTimeoutMs: 1000, maxQueuedBuffers: 100 });
    for (let i = 0; i < 20; i++) await partition.write(Buffer.from([i]), i % 2);
    partition.flush();
    expect(drain(partition, 0)).toEqual(Array.from({ length: 10 }, (_, i) => Buffer.from([2 * i])));
    expect(drain(partition, 1)).toEqual(Array.from({ length: 10 }, (_, i) => Buffer.from([2 * i + 1])));
  });

  it('makes the write that fills the queue wait until the reader takes a buffer (credit)', async () => {
    const partition = new ResultPartition(PRODUCER, 1, { bufferSize: 64, flushTimeoutMs: 1000, maxQueuedBuffers: 2 });
    const record = Buffer.alloc(25);
    // 30 bytes per frame: two frames per 64-byte buffer.
    let pending: Promise<void> | undefined;
    let written = 0;
    while (!pending) {
      const write = partition.write(record, 0);
      written++;
      if (await isPending(write)) pending = write;
    }
    expect(written).toBe(5); // the fifth frame finished the second buffer
    expect(partition.isBackpressured).toBe(true);
    expect(partition.subpartition(0).backlog).toBe(2);
    expect(partition.bufferedBytes).toBeLessThanOrEqual(3 * 64);
    const second = await rejectionOf<ExchangeError>(partition.write(record, 0));
    expect(second.code).toBe(ExchangeErrorCode.ILLEGAL_STATE);
    partition.subpartition(0).poll();
    await pending;
    expect(partition.isBackpressured).toBe(false);
  });

  it('sends a large record in a buffer of its own', async () => {
    const partition = new ResultPartition(PRODUCER, 1, { bufferSize: 64, flushTimeoutMs: 1000 });
    await partition.write(Buffer.from('small'), 0);
    await partition.write(Buffer.alloc(1000, 9), 0);
    expect(partition.subpartition(0).backlog).toBe(2);
    expect(drain(partition, 0)).toEqual([Buffer.from('small'), Buffer.alloc(1000, 9)]);
  });

  it('flushes a partly filled buffer after the flush timeout', async () => {
    const partition = new ResultPartition(PRODUCER, 1, { flushTimeoutMs: 5 });
    const reader = new RecordingReader();
    partition.subpartition(0).attach(reader);
    await partition.write(Buffer.from('x'), 0);
    expect(partition.subpartition(0).backlog).toBe(0);
    await waitFor(() => partition.subpartition(0).backlog === 1, { timeoutMs: 1000, description: 'the flush' });
    expect(reader.available).toBe(1);
  });

  it('sends every record at once with a flush timeout of 0', async () => {
    const partition = new ResultPartition(PRODUCER, 1, { flushTimeoutMs: 0, maxQueuedBuffers: 10 });
    await partition.write(Buffer.from('x'), 0);
    await partition.write(Buffer.from('y'), 0);
    expect(partition.subpartition(0).backlog).toBe(2);
  });

  it('emits watermarks in order on every subpartition and flushes them', async () => {
    const partition = new ResultPartition(PRODUCER, 2, { flushTimeoutMs: 1000 });
    await partition.write(Buffer.from('a'), 1);
    await partition.emitWatermark(42);
    expect(drain(partition, 0)).toEqual([{ kind: 'watermark', timestamp: 42 }]);
    expect(drain(partition, 1)).toEqual([Buffer.from('a'), { kind: 'watermark', timestamp: 42 }]);
  });

  it('finishes once every subpartition is read to the end', async () => {
    const partition = new ResultPartition(PRODUCER, 2);
    let disposed = false;
    partition.onDispose(() => (disposed = true));
    await partition.write(Buffer.from('a'), 0);
    const finished = partition.finish();
    expect(await isPending(finished)).toBe(true);
    expect(drain(partition, 0)).toEqual([Buffer.from('a'), { kind: 'end-of-partition' }]);
    expect(drain(partition, 1)).toEqual([{ kind: 'end-of-partition' }]);
    partition.subpartition(0).release();
    expect(await isPending(finished)).toBe(true);
    partition.subpartition(1).release();
    await finished;
    expect(partition.state.kind).toBe('finished');
    expect(disposed).toBe(true);
    expect((await rejectionOf<ExchangeError>(partition.write(Buffer.from('late'), 0))).code).toBe(ExchangeErrorCode.ILLEGAL_STATE);
  });

  it('fails readers, pending writes and finish with an error naming the producer', async () => {
    const partition = new ResultPartition(PRODUCER, 1, { bufferSize: 64, maxQueuedBuffers: 1 });
    const reader = new RecordingReader();
    partition.subpartition(0).attach(reader);
    let write: Promise<void> = Promise.resolve();
    while (!(await isPending(write))) write = partition.write(Buffer.alloc(40), 0);
    partition.fail(new Error('disk on fire'));
    const error = await rejectionOf<ExchangeError>(write);
    expect(error.code).toBe(ExchangeErrorCode.PRODUCER_FAILED);
    expect(error.message).toBe("Producer job 'job-1' vertex 'map' subtask 3 attempt 1 failed: disk on fire");
    expect(reader.failure?.message).toBe(error.message);
    expect(partition.bufferedBytes).toBe(0);
    expect((await rejectionOf<ExchangeError>(partition.finish())).message).toBe(error.message);
  });

  it('fails when a reader goes away, and tells the other readers', () => {
    const partition = new ResultPartition(PRODUCER, 2);
    const other = new RecordingReader();
    partition.subpartition(0).attach(new RecordingReader());
    partition.subpartition(1).attach(other);
    partition.subpartition(0).detach(new ExchangeError(ExchangeErrorCode.CONSUMER_FAILED, "Consumer job 'job-1' vertex 'sink' subtask 0 attempt 0 went away"));
    expect(partition.failure?.code).toBe(ExchangeErrorCode.CONSUMER_FAILED);
    expect(other.failure?.code).toBe(ExchangeErrorCode.PRODUCER_FAILED);
    expect(other.failure?.message).toMatch(/Producer job 'job-1' vertex 'map' subtask 3 attempt 1 failed: Consumer .* went away/);
  });

  it('lets one reader attach to a subpartition', () => {
    const partition = new ResultPartition(PRODUCER, 1);
    partition.subpartition(0).attach(new RecordingReader());
    expect(() => partition.subpartition(0).attach(new RecordingReader())).toThrow(/already being read/);
  });

  it('validates its arguments', async () => {
    expect(() => new ResultPartition(PRODUCER, 0)).toThrow(/1 to 65536 subpartitions/);
    expect(() => new ResultPartition({ ...PRODUCER, jobId: '' }, 1)).toThrow(/job ID/);
    expect(() => new ResultPartition(PRODUCER, 1, { bufferSize: 10 })).toThrow(/bufferSize/);
    const partition = new ResultPartition(PRODUCER, 2);
    expect((await rejectionOf<ExchangeError>(partition.write(Buffer.from('x'), 2))).message).toMatch(/subpartitions 0..1, not 2/);
  });
});
