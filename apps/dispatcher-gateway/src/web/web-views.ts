import type { MesoflowConfig } from '@mesoflow/config';
import type { JobRecord } from '@mesoflow/dispatcher-submissions';
import type { ConfigEntryView, JobDetailView, JobGraphView, JobSummaryView, LiveTopic, MesosView, OverviewView, TaskManagerView } from '@mesoflow/web-api';
import { GatewayError, GatewayErrorCode } from '../errors';
import type { ClusterSource } from './cluster-source';
import { mesosView, overviewView, taskManagerView, type SchedulerReading } from './cluster-views';
import { configEntryViews } from './config-view';
import { DEFAULT_JOBS_LIMIT, filterJobs, jobDetailView, jobsByState, jobSummaryView, MAX_JOBS_LIMIT, narrows, type JobListQuery } from './job-views';

/** The jobs as the views read them: the gateway's own calls, which throw GatewayErrors. */
export interface JobReader {
  /** The newest jobs first. */
  list(limit: number): Promise<JobRecord[]>;
  /** The job, or a NOT_FOUND GatewayError. */
  get(jobId: string): Promise<JobRecord>;
}

/** Where the views come from. */
export interface WebViewsOptions {
  jobs: JobReader;
  /** The graph of a job, when known. */
  graphOf: (jobId: string) => Promise<JobGraphView | undefined>;
  cluster: ClusterSource;
  config: MesoflowConfig;
  /** The queue's cluster name. */
  clusterName: string;
  authRequired: boolean;
}

const RECENT_FAILURES = 10;

/**
 * Builds each view of `/api/v1` from the queue, the scheduler and the configuration. Every
 * error it throws is a {@link GatewayError}: NOT_FOUND for an unknown job, UNAVAILABLE when the
 * scheduler cannot be read.
 */
export class WebViews {
  private readonly configView: ConfigEntryView[];

  constructor(private readonly options: WebViewsOptions) {
    // The configuration is immutable; its masked display is made once.
    this.configView = configEntryViews(options.config);
  }

  async overview(): Promise<OverviewView> {
    const [jobs, scheduler] = await Promise.all([this.options.jobs.list(MAX_JOBS_LIMIT), this.schedulerReading()]);
    return overviewView(
      this.options.clusterName,
      this.options.authRequired,
      { jobsByState: jobsByState(jobs), recentFailures: jobs.filter((job) => job.state === 'FAILED').slice(0, RECENT_FAILURES).map(jobSummaryView) },
      scheduler,
    );
  }

  async jobs(filter: JobListQuery = { limit: DEFAULT_JOBS_LIMIT }): Promise<JobSummaryView[]> {
    // A filter looks at as many jobs as the overview counts, then keeps `limit` of the matches.
    return filterJobs(await this.options.jobs.list(narrows(filter) ? MAX_JOBS_LIMIT : filter.limit), filter);
  }

  async job(jobId: string): Promise<JobDetailView> {
    const [record, graph] = await Promise.all([this.options.jobs.get(jobId), this.options.graphOf(jobId)]);
    return jobDetailView(record, graph);
  }

  async taskManagers(): Promise<TaskManagerView[]> {
    const [workers, status] = await Promise.all([this.scheduler(() => this.options.cluster.workers()), this.scheduler(() => this.options.cluster.status())]);
    return workers.workers.map((worker) => taskManagerView(worker, status));
  }

  async mesos(): Promise<MesosView> {
    return mesosView(await this.scheduler(() => this.options.cluster.status()));
  }

  config(): ConfigEntryView[] {
    return this.configView;
  }

  /** The view a live topic follows: what its GET answers. */
  topic(topic: LiveTopic): Promise<unknown> {
    switch (topic) {
      case 'overview':
        return this.overview();
      case 'jobs':
        return this.jobs();
      case 'taskmanagers':
        return this.taskManagers();
      case 'mesos':
        return this.mesos();
      default:
        return this.job(topic.slice('job:'.length));
    }
  }

  private async schedulerReading(): Promise<SchedulerReading> {
    try {
      const [status, workers] = await Promise.all([this.options.cluster.status(), this.options.cluster.workers()]);
      return { status, workers };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  private async scheduler<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.UNAVAILABLE, error instanceof Error ? error.message : String(error), { cause: error });
    }
  }
}
