// The collected records a TaskManager keeps for job masters that start watching a job later: one
// that takes over from a job master that died rebuilds the job's result from them. They are meant
// to be small results, but a TaskManager must not hold an unbounded amount of them.
import type { mesoflow } from '@mesoflow/proto';

export type CollectedRecordMessage = mesoflow.dataflow.v1.CollectedRecord.$Properties;

/** What one task collected so far; `undefined` records once they were dropped. */
interface TaskRecords {
  records: CollectedRecordMessage[] | undefined;
  size: number;
}

/**
 * Collected records per task, at most `budget` characters of them (JSON and operator ids) in all.
 * Past the budget, the records of the task that collected first go, all of them, until the new
 * record fits, the collecting task's own included: a task keeps all its records or, from then on,
 * none, so a replay is never silently partial.
 */
export class KeptRecords {
  /** In the order tasks first collected: the oldest first. */
  private readonly tasks = new Map<string, TaskRecords>();
  private size = 0;

  constructor(private readonly budget: number) {}

  keep(taskKey: string, record: CollectedRecordMessage): void {
    let task = this.tasks.get(taskKey);
    if (task === undefined) this.tasks.set(taskKey, (task = { records: [], size: 0 }));
    if (task.records === undefined) return;
    const size = (record.operator_id ?? '').length + (record.json ?? '').length;
    task.records.push(record);
    task.size += size;
    this.size += size;
    for (const oldest of this.tasks.values()) {
      if (this.size <= this.budget) return;
      this.drop(oldest);
    }
  }

  /** The task's records in the order it collected them; `undefined` when some were dropped. */
  recordsOf(taskKey: string): readonly CollectedRecordMessage[] | undefined {
    const task = this.tasks.get(taskKey);
    return task === undefined ? [] : task.records;
  }

  /** The task was pruned: its records go. */
  forget(taskKey: string): void {
    const task = this.tasks.get(taskKey);
    if (task === undefined) return;
    this.drop(task);
    this.tasks.delete(taskKey);
  }

  private drop(task: TaskRecords): void {
    this.size -= task.size;
    task.records = undefined;
    task.size = 0;
  }
}
