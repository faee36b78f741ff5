import type { JobSummaryView } from '@mesoflow/web-api';
import { hasEnded, mergeJobs } from './job-list';

function job(id: string, jobName: string, state: JobSummaryView['state'], submittedAtMs: number): JobSummaryView {
  return { jobId: id, submissionId: `s-${id}`, jobName, state, submittedAtMs, startedAtMs: 0, endedAtMs: 0, attempts: 1, failure: '', cancelRequested: false };
}

describe('the jobs list', () => {
  it('takes updates and new jobs, newest first', () => {
    const shown = [job('a', 'WordCount', 'RUNNING', 10), job('b', 'Join', 'RUNNING', 5)];
    const merged = mergeJobs(shown, [job('c', 'WordCount', 'ACCEPTED', 20), job('b', 'Join', 'FINISHED', 5)], {});
    expect(merged.map((entry) => [entry.jobId, entry.state])).toEqual([
      ['c', 'ACCEPTED'],
      ['a', 'RUNNING'],
      ['b', 'FINISHED'],
    ]);
  });

  it('keeps to its filter as jobs change state', () => {
    const shown = [job('a', 'WordCount', 'RUNNING', 10), job('b', 'WordCount', 'RUNNING', 5)];
    const updates = [job('a', 'WordCount', 'FAILED', 10), job('c', 'Join', 'RUNNING', 20), job('d', 'wordcount-2', 'RUNNING', 30)];
    expect(mergeJobs(shown, updates, { state: 'RUNNING', q: 'wordcount' }).map((entry) => entry.jobId)).toEqual(['d', 'b']);
  });

  it('shows at most its limit, and orders jobs of the same millisecond by id', () => {
    const merged = mergeJobs([], [job('b', 'x', 'RUNNING', 1), job('a', 'x', 'RUNNING', 1), job('c', 'x', 'RUNNING', 0)], {}, 2);
    expect(merged.map((entry) => entry.jobId)).toEqual(['a', 'b']);
  });

  it('knows which states are ends', () => {
    expect(['ACCEPTED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED'].filter((state) => hasEnded(state as JobSummaryView['state']))).toEqual(['FINISHED', 'FAILED', 'CANCELED']);
  });
});
