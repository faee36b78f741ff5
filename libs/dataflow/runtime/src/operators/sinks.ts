// SINK_PRINT, SINK_TEXT_FILE and SINK_COLLECT: the ends of chains.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamRecord } from '../records';
import type { ChainOperator, OperatorContext } from './operator';

/** A record as one line of text: strings as they are, anything else as JSON. */
export function formatRecord(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

abstract class SinkOperator implements ChainOperator {
  constructor(protected readonly ctx: OperatorContext) {}

  abstract processRecord(record: StreamRecord): void;

  processWatermark(): void {
    // Sinks have no one to tell.
  }

  endInput(): void {
    this.dispose();
  }

  dispose(): void {
    // Nothing held.
  }
}

/** SINK_PRINT: `subtask> record` with the 1-based subtask when parallel, just the record otherwise (Flink's format). */
export class PrintSink extends SinkOperator {
  processRecord(record: StreamRecord): void {
    this.ctx.services.counters.recordsOut++;
    const text = formatRecord(record.value);
    this.ctx.services.stdout(this.ctx.parallelism > 1 ? `${this.ctx.subtaskIndex + 1}> ${text}` : text);
  }
}

/**
 * SINK_TEXT_FILE: one line per record. With parallelism 1 the path is the file; otherwise it is
 * a directory holding one file per subtask named by its 1-based index (Flink's layout). The
 * file is created (truncated) when the subtask starts, so an empty result is an empty file.
 */
export class TextFileSink extends SinkOperator {
  private fd: number | undefined;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const path = ctx.spec.text_file?.path ?? '';
    if (ctx.parallelism > 1) {
      mkdirSync(path, { recursive: true });
      this.fd = openSync(join(path, String(ctx.subtaskIndex + 1)), 'w');
    } else {
      this.fd = openSync(path, 'w');
    }
  }

  processRecord(record: StreamRecord): void {
    this.ctx.services.counters.recordsOut++;
    if (this.fd !== undefined) writeSync(this.fd, `${formatRecord(record.value)}\n`);
  }

  override dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** SINK_COLLECT: hands each record's value to the host. */
export class CollectSinkOperator extends SinkOperator {
  processRecord(record: StreamRecord): void {
    this.ctx.services.counters.recordsOut++;
    this.ctx.services.collect(this.ctx.id, this.ctx.subtaskIndex, record.value);
  }
}
