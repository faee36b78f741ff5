// The jobs list: a filtered GET, kept current by the unfiltered `jobs` topic.
import { jobMatches, type JobFilter, type JobStateName, type JobSummaryView } from '@mesoflow/web-api';

/** How many jobs the list shows. */
export const JOBS_LIST_LIMIT = 100;

/** The states a job ends in; its Cancel button is disabled then. */
export function hasEnded(state: JobStateName): boolean {
  switch (state) {
    case 'ACCEPTED':
    case 'RUNNING':
      return false;
    case 'FINISHED':
    case 'FAILED':
    case 'CANCELED':
      return true;
  }
}

/** Newest submission first; the id keeps jobs submitted in the same millisecond in place. */
export function newestFirst(a: JobSummaryView, b: JobSummaryView): number {
  return b.submittedAtMs - a.submittedAtMs || a.jobId.localeCompare(b.jobId);
}

/**
 * The list after a live update: updated jobs replace their rows, new ones that pass the filter
 * join, and a job that no longer passes it (its state changed) leaves.
 */
export function mergeJobs(
  shown: readonly JobSummaryView[],
  updates: readonly JobSummaryView[],
  filter: JobFilter,
  limit = JOBS_LIST_LIMIT,
): JobSummaryView[] {
  const byId = new Map(shown.map((job) => [job.jobId, job]));
  for (const job of updates) byId.set(job.jobId, job);
  return [...byId.values()]
    .filter((job) => jobMatches(job, filter))
    .sort(newestFirst)
    .slice(0, limit);
}
