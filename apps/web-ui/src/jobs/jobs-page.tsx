import { apiPaths, JOB_STATES, type JobFilter, type JobStateName, type JobSummaryView } from '@mesoflow/web-api';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { formatElapsed, formatTimestamp } from '../shell/format';
import { useLiveTopic, useNow } from '../shell/hooks';
import { ApiError, getJson } from '../shell/http';
import type { PageRoute } from '../shell/route';
import { Empty, Link, Missing, Page, StateBadge } from '../shell/ui';
import { JOBS_LIST_LIMIT, mergeJobs } from './job-list';

/** How long typing in the name search pauses before the list is asked for again. */
const SEARCH_DELAY_MS = 250;

function JobsTable({ jobs, now }: { jobs: readonly JobSummaryView[]; now: number }) {
  return (
    <table className="table" data-testid="jobs-table">
      <colgroup>
        <col style={{ width: '22%' }} />
        <col style={{ width: '9rem' }} />
        <col style={{ width: '8rem' }} />
        <col style={{ width: '11rem' }} />
        <col style={{ width: '7.5rem' }} />
        <col style={{ width: '5rem' }} />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th>Name</th>
          <th>Job id</th>
          <th>State</th>
          <th>Submitted</th>
          <th className="num">Duration</th>
          <th className="num">Attempts</th>
          <th>Failure</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.jobId} data-testid={`job-row-${job.jobId}`}>
            <td className="ellipsis">
              <Link to={{ page: 'job', jobId: job.jobId }} testId={`job-link-${job.jobId}`} title={job.jobName}>
                {job.jobName}
              </Link>
            </td>
            <td className="mono ellipsis" title={job.jobId}>
              {job.jobId}
            </td>
            <td>
              <StateBadge state={job.state} testId={`job-state-${job.jobId}`} />
            </td>
            <td className="num">{formatTimestamp(job.submittedAtMs)}</td>
            <td className="num">{formatElapsed(job.startedAtMs, job.endedAtMs, now)}</td>
            <td className="num">{job.attempts}</td>
            <td className="ellipsis" title={job.failure}>
              {job.cancelRequested && job.failure === '' ? <span className="muted">cancel requested</span> : job.failure}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The jobs, newest first: a filtered GET, then the `jobs` topic's updates merged in. */
export function JobsPage({ state, q, onFilter }: { state: JobStateName | undefined; q: string; onFilter: (route: PageRoute) => void }) {
  const filter = useMemo((): JobFilter => ({ ...(state === undefined ? {} : { state }), q }), [state, q]);
  const [jobs, setJobs] = useState<JobSummaryView[]>();
  const [error, setError] = useState<ApiError>();
  // The topic's last view since the GET went out: newer than the GET's answer, so it wins.
  const liveSinceRequest = useRef<readonly JobSummaryView[]>([]);
  const now = useNow();

  useEffect(() => {
    const abort = new AbortController();
    const timer = window.setTimeout(
      () => {
        liveSinceRequest.current = [];
        getJson<JobSummaryView[]>(apiPaths.jobs({ ...filter, limit: JOBS_LIST_LIMIT }), abort.signal).then(
          (answer) => {
            setJobs(mergeJobs(answer, liveSinceRequest.current, filter));
            setError(undefined);
          },
          (failure: unknown) => {
            if (abort.signal.aborted) return;
            setJobs(undefined);
            setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure)));
          },
        );
      },
      q === '' ? 0 : SEARCH_DELAY_MS,
    );
    return () => {
      window.clearTimeout(timer);
      abort.abort();
    };
  }, [filter, q]);

  useLiveTopic(
    'jobs',
    useCallback(
      (update: readonly JobSummaryView[]) => {
        liveSinceRequest.current = update;
        setJobs((shown) => (shown === undefined ? shown : mergeJobs(shown, update, filter)));
      },
      [filter],
    ),
  );

  const filtered = state !== undefined || q.trim() !== '';
  return (
    <Page title="Jobs" testId="page-jobs">
      <div className="toolbar">
        <label>
          State{' '}
          <select
            data-testid="jobs-filter-state"
            value={state ?? ''}
            onChange={(event) => onFilter({ page: 'jobs', q, ...(event.target.value === '' ? {} : { state: event.target.value as JobStateName }) })}
          >
            <option value="">all</option>
            {JOB_STATES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search{' '}
          <input
            type="search"
            data-testid="jobs-filter-name"
            placeholder="part of the name or id"
            value={q}
            onChange={(event) => onFilter({ page: 'jobs', q: event.target.value, ...(state === undefined ? {} : { state }) })}
          />
        </label>
        <span className="muted count" data-testid="jobs-count">
          {jobs === undefined ? '' : `${jobs.length} ${jobs.length === 1 ? 'job' : 'jobs'}${jobs.length === JOBS_LIST_LIMIT ? ' (the newest)' : ''}`}
        </span>
      </div>
      {jobs === undefined ? (
        <Missing error={error} />
      ) : jobs.length === 0 ? (
        <Empty testId="jobs-empty">{filtered ? 'No job matches the filter.' : 'No job has been submitted yet.'}</Empty>
      ) : (
        <JobsTable jobs={jobs} now={now} />
      )}
    </Page>
  );
}
