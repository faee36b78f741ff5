// The contract between the dispatcher gateway's `/api/v1` and the web UI.
export { API_BASE, apiPaths, jobMatches, parseTopics } from './live';
export type { JobFilter, LiveTopic } from './live';
export { JOB_STATES } from './views';
export type {
  ConfigEntryView,
  ExceptionView,
  FrameworkView,
  JobDetailView,
  JobGraphView,
  JobStateName,
  JobSummaryView,
  MesosView,
  OverviewView,
  TaskManagerView,
  TaskView,
  TimelineEntry,
} from './views';
