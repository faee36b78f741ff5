import { decodeJobGraph } from '@mesoflow/dataflow-api';
import type { JobGraphView } from '@mesoflow/web-api';
import { jobGraphView, MAX_JOBS_LIMIT } from './job-views';

/**
 * The graphs of jobs as views, read from their submissions once and kept: a job's graph never
 * changes, and a job page followed live asks for it every second.
 */
export class SubmittedGraphs {
  // A Map iterates in insertion order: the first key is the least recently used.
  private readonly graphs = new Map<string, JobGraphView | undefined>();

  /**
   * @param load the encoded graph of a job, undefined for an unknown job
   * @param capacity how many graphs are kept. @default as many jobs as a list can show
   */
  constructor(
    private readonly load: (jobId: string) => Promise<Uint8Array | undefined>,
    private readonly capacity = MAX_JOBS_LIMIT,
  ) {}

  /** The graph of `jobId`; undefined for an unknown job or bytes that do not decode. */
  async get(jobId: string): Promise<JobGraphView | undefined> {
    if (this.graphs.has(jobId)) {
      const view = this.graphs.get(jobId);
      this.graphs.delete(jobId);
      this.graphs.set(jobId, view);
      return view;
    }
    const bytes = await this.load(jobId);
    if (bytes === undefined) return undefined;
    const view = viewOf(bytes);
    this.graphs.set(jobId, view);
    const oldest = this.graphs.keys().next();
    if (this.graphs.size > this.capacity && oldest.done !== true) this.graphs.delete(oldest.value);
    return view;
  }
}

function viewOf(jobGraph: Uint8Array): JobGraphView | undefined {
  try {
    return jobGraphView(decodeJobGraph(jobGraph));
  } catch {
    // Submissions are validated before they are queued; a graph that does not decode has no view.
    return undefined;
  }
}
