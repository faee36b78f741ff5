// What a job master reports while it runs a job, as stored with the job (`progress_json` of
// JobService's Job, the source of the web UI's job page). Written by JobMasterExecution, read by
// the CLI (`phase`, `tasks`) and by the gateway's /api/v1 views (everything).
import type { ExceptionView, TaskView } from '@mesoflow/web-api';

/** One task of the current attempt: the web UI's TaskView without what the graph names. */
export type TaskProgress = Omit<TaskView, 'vertexName' | 'parallelism'>;

/**
 * A failure of a task, with the operator and key when a user function failed; or of a job
 * attempt that failed without a task failing (no slots), without vertex and subtask. The web
 * UI's ExceptionView, with the vertex by id rather than name.
 */
export type TaskException = Omit<ExceptionView, 'vertexName'> & { readonly vertexId?: string };

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
