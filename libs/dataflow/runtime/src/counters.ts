// What a subtask counts while it runs, for its host's metrics (the TaskManager reports them to
// the job master, which shows records and rates per task).

/**
 * A subtask's record counts, totals since it started. The runtime increments the fields on its
 * record path (no call and no allocation per record); the host reads them whenever it likes,
 * e.g. once a second, from the same thread.
 */
export class SubtaskCounters {
  /** Records taken in: read from the input channels, or made by the subtask's source. */
  recordsIn = 0;
  /**
   * Records sent on: written to an outgoing edge (once per edge, however many consumer
   * subtasks a broadcast reaches; after a combiner, its partial aggregates), or written by a
   * sink (print, text file, collect).
   */
  recordsOut = 0;
}
