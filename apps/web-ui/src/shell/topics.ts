// Which view each live topic carries and where its GET is, so a page asks for a topic and gets
// its view's type.
import { apiPaths, type JobDetailView, type JobSummaryView, type LiveTopic, type MesosView, type OverviewView, type TaskManagerView } from '@mesoflow/web-api';

/** The view a topic's events carry (and its GET answers). */
export type ViewOf<T extends LiveTopic> = T extends 'overview'
  ? OverviewView
  : T extends 'jobs'
    ? readonly JobSummaryView[]
    : T extends 'taskmanagers'
      ? readonly TaskManagerView[]
      : T extends 'mesos'
        ? MesosView
        : JobDetailView;

/** How many jobs the `jobs` topic carries. */
export const LIVE_JOBS_LIMIT = 50;

/** The GET path answering what a topic's events carry. */
export function pathOfTopic(topic: LiveTopic): string {
  switch (topic) {
    case 'overview':
      return apiPaths.overview;
    case 'jobs':
      return apiPaths.jobs({ limit: LIVE_JOBS_LIMIT });
    case 'taskmanagers':
      return apiPaths.taskManagers;
    case 'mesos':
      return apiPaths.mesos;
    default:
      return apiPaths.job(topic.slice('job:'.length));
  }
}
