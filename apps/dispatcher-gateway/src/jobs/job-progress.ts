// What a job master reports while it runs a job, as stored with the job (`progress_json` of
// JobService's Job, the source of the web UI's job page). Written by JobMasterExecution, read by
// the CLI (`phase`, `tasks`) and by the gateway's /api/v1 views (everything).

/** One task of the current attempt. */
export interface TaskProgress {
  readonly vertexId: string;
  readonly subtask: number;
  readonly attempt: number;
  /** `CREATED`, `SCHEDULED`, `DEPLOYING`, `RUNNING`, `FINISHED`, `CANCELING`, `CANCELED`, `FAILED`. */
  readonly state: string;
  readonly taskManagerId?: string;
  /**
   * Records taken in (from inputs, or made by a source) and sent on (to outgoing edges, or
   * written by a sink) so far, once the TaskManager reported them (about every second).
   */
  readonly recordsIn?: number;
  readonly recordsOut?: number;
  /** Per second between the TaskManager's last two reports; absent once the task ended. */
  readonly recordsInPerSecond?: number;
  readonly recordsOutPerSecond?: number;
}

/**
 * A failure of a task, with the operator and key when a user function failed; or of a job
 * attempt that failed without a task failing (no slots), without vertex and subtask.
 */
export interface TaskException {
  readonly atMs: number;
  readonly message: string;
  readonly vertexId?: string;
  readonly subtask?: number;
  readonly operatorId?: string;
  readonly operatorName?: string;
  readonly keyJson?: string;
}

export interface JobProgress {
  /** The job master's state, e.g. `RUNNING`, `RESTARTING`. */
  readonly jobMasterState: string;
  /** Its phase: `created`, `waiting-for-slots`, `deploying`, `running`, `canceling-tasks`, `restarting`. */
  readonly phase: string;
  readonly restarts: number;
  /** How many tasks are in each state (what the CLI shows). */
  readonly tasks: Readonly<Record<string, number>>;
  readonly taskList?: readonly TaskProgress[];
  /**
   * Phase changes, oldest first, at most the last 50: `state` is a phase (`created` first), or
   * how the job ended last (`finished`, `failed` with the cause as `detail`, `canceled`).
   */
  readonly timeline?: readonly { readonly atMs: number; readonly state: string; readonly detail?: string }[];
  /** Newest first, at most 20. */
  readonly exceptions?: readonly TaskException[];
}
