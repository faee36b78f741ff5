import { apiPaths, parseTopics, type JobDetailView, type OverviewView } from '@mesoflow/web-api';
import { formatClock, formatCount, formatDuration, formatElapsed, formatRate, formatTimestamp } from '../shell/format';
import { useFetched, useLiveView, useNow } from '../shell/hooks';
import { Empty, ErrorPanel, Link, Missing, Page, Section, StateBadge } from '../shell/ui';
import { CancelJob } from './cancel-job';
import { JobGraph } from './job-graph';
import { groupTasksByTaskManager } from './task-groups';

function Header({ job, authRequired }: { job: JobDetailView; authRequired: boolean | undefined }) {
  const now = useNow();
  return (
    <div className="card job-header" data-testid="job-header">
      <dl className="facts facts-columns">
        <dt>State</dt>
        <dd>
          <StateBadge state={job.state} testId="job-state" />
          {job.cancelRequested && job.state !== 'CANCELED' && (
            <span className="muted" data-testid="job-cancel-requested">
              {' '}
              cancel requested
            </span>
          )}
        </dd>
        <dt>Job id</dt>
        <dd className="mono" data-testid="job-id">
          {job.jobId}
        </dd>
        <dt>Submission id</dt>
        <dd className="mono ellipsis" title={job.submissionId}>
          {job.submissionId}
        </dd>
        <dt>Attempts</dt>
        <dd data-testid="job-attempts">{job.attempts}</dd>
        <dt>Submitted</dt>
        <dd className="num">{formatTimestamp(job.submittedAtMs)}</dd>
        <dt>Started</dt>
        <dd className="num">{formatTimestamp(job.startedAtMs)}</dd>
        <dt>Ended</dt>
        <dd className="num">{formatTimestamp(job.endedAtMs)}</dd>
        <dt>Duration</dt>
        <dd className="num" data-testid="job-duration">
          {formatElapsed(job.startedAtMs, job.endedAtMs, now)}
        </dd>
      </dl>
      {job.failure !== '' && (
        <div className="failure" data-testid="job-failure">
          {job.failure}
        </div>
      )}
      {/* Cancel needs to know whether to ask for a token; until the overview says, it waits. */}
      {authRequired !== undefined && <CancelJob job={job} authRequired={authRequired} />}
    </div>
  );
}

function Tasks({ job }: { job: JobDetailView }) {
  if (job.tasks.length === 0) return <Empty testId="job-no-tasks">No tasks: the job master has not reported any for this attempt.</Empty>;
  return (
    <>
      {groupTasksByTaskManager(job.tasks).map((group) => {
        const groupId = group.taskManagerId ?? 'unassigned';
        return (
          <div key={groupId} className="task-group" data-testid={`task-group-${groupId}`}>
            <h3>
              {group.taskManagerId === undefined ? (
                'Waiting for a slot'
              ) : (
                <Link to={{ page: 'taskmanager', taskId: group.taskManagerId }} testId={`task-group-link-${group.taskManagerId}`}>
                  {group.taskManagerId}
                </Link>
              )}
              <span className="muted">
                {' '}
                · {group.tasks.length} {group.tasks.length === 1 ? 'task' : 'tasks'} · in {formatRate(group.recordsInPerSecond)} · out {formatRate(group.recordsOutPerSecond)}
              </span>
            </h3>
            <table className="table">
              <colgroup>
                <col />
                <col style={{ width: '6rem' }} />
                <col style={{ width: '5rem' }} />
                <col style={{ width: '8rem' }} />
                <col style={{ width: '8.5rem' }} />
                <col style={{ width: '7rem' }} />
                <col style={{ width: '8.5rem' }} />
                <col style={{ width: '7rem' }} />
              </colgroup>
              <thead>
                <tr>
                  <th>Vertex</th>
                  <th className="num">Subtask</th>
                  <th className="num">Attempt</th>
                  <th>State</th>
                  <th className="num">Records in</th>
                  <th className="num">In/s</th>
                  <th className="num">Records out</th>
                  <th className="num">Out/s</th>
                </tr>
              </thead>
              <tbody>
                {group.tasks.map((task) => (
                  <tr key={`${task.vertexId}-${task.subtask}`} data-testid={`task-${task.vertexId}-${task.subtask}`}>
                    <td className="ellipsis" title={task.vertexName}>
                      {task.vertexName}
                    </td>
                    <td className="num">
                      {task.subtask + 1}/{task.parallelism}
                    </td>
                    <td className="num">{task.attempt}</td>
                    <td>
                      <StateBadge state={task.state} testId={`task-state-${task.vertexId}-${task.subtask}`} />
                    </td>
                    <td className="num">{formatCount(task.recordsIn)}</td>
                    <td className="num">{formatRate(task.recordsInPerSecond)}</td>
                    <td className="num">{formatCount(task.recordsOut)}</td>
                    <td className="num">{formatRate(task.recordsOutPerSecond)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </>
  );
}

function Timeline({ job }: { job: JobDetailView }) {
  const [first] = job.timeline;
  if (first === undefined) return <Empty testId="job-no-timeline">No state changes yet.</Empty>;
  return (
    <ol className="timeline">
      {job.timeline.map((entry, index) => (
        <li key={`${entry.atMs}-${index}`} data-testid={`timeline-entry-${index}`}>
          <span className="num timeline-time" title={formatTimestamp(entry.atMs)}>
            {formatClock(entry.atMs)}
          </span>
          <span className="num muted timeline-offset">+{formatDuration(entry.atMs - first.atMs)}</span>
          <StateBadge state={entry.state} />
          <span className="timeline-detail">{entry.detail ?? ''}</span>
        </li>
      ))}
    </ol>
  );
}

function Exceptions({ job }: { job: JobDetailView }) {
  if (job.exceptions.length === 0) return <Empty testId="job-no-exceptions">No task has failed.</Empty>;
  return (
    <table className="table">
      <colgroup>
        <col style={{ width: '11rem' }} />
        <col style={{ width: '20%' }} />
        <col style={{ width: '14%' }} />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th>When</th>
          <th>Operator</th>
          <th>Key</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {job.exceptions.map((exception, index) => {
          const where = exception.operatorName ?? exception.vertexName ?? '';
          const subtask = exception.subtask === undefined ? '' : ` #${exception.subtask}`;
          return (
            <tr key={`${exception.atMs}-${index}`} data-testid={`exception-${index}`}>
              <td className="num">{formatTimestamp(exception.atMs)}</td>
              <td className="ellipsis" title={exception.operatorId ?? where}>
                {where === '' ? <span className="muted">—</span> : `${where}${subtask}`}
              </td>
              <td className="mono ellipsis" title={exception.keyJson}>
                {exception.keyJson ?? <span className="muted">—</span>}
              </td>
              <td>
                <pre className="message">{exception.message}</pre>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Results({ job }: { job: JobDetailView }) {
  if (job.results.length === 0) return <Empty testId="job-no-results">The job has no collect sink, so it has no results to show.</Empty>;
  return (
    <>
      {job.results.map((result) => (
        <div key={result.operatorId} className="result" data-testid={`result-${result.operatorId}`}>
          <h3>
            <span className="mono">{result.operatorId}</span>
            <span className="muted">
              {' '}
              · {formatCount(result.records.length)} {result.records.length === 1 ? 'record' : 'records'}
            </span>
          </h3>
          <pre className="records">{result.records.join('\n')}</pre>
        </div>
      ))}
    </>
  );
}

function JobView({ jobId }: { jobId: string }) {
  const { data: detail, error } = useLiveView(`job:${jobId}`);
  const overview = useFetched<OverviewView>(apiPaths.overview);
  // Without the overview, Cancel goes without a token; a 401 then asks for one.
  const authRequired = overview.data?.authRequired ?? (overview.error === undefined ? undefined : false);
  return (
    <Page title={detail === undefined ? `Job ${jobId}` : <span data-testid="job-name">{detail.jobName}</span>} testId="page-job">
      {detail === undefined ? (
        <Missing error={error} />
      ) : (
        <>
          <Header job={detail} authRequired={authRequired} />
          <Section title="Job graph" testId="job-graph">
            {detail.graph === undefined ? <Empty testId="job-no-graph">The job graph cannot be decoded.</Empty> : <JobGraph graph={detail.graph} tasks={detail.tasks} />}
          </Section>
          <Section title="Tasks per TaskManager" testId="job-tasks">
            <Tasks job={detail} />
          </Section>
          <div className="columns">
            <Section title="Timeline" testId="job-timeline">
              <Timeline job={detail} />
            </Section>
            <Section title="Exceptions" testId="job-exceptions">
              <Exceptions job={detail} />
            </Section>
          </div>
          {detail.state === 'FINISHED' && (
            <Section title="Results" testId="job-results">
              <Results job={detail} />
            </Section>
          )}
        </>
      )}
    </Page>
  );
}

/** A job's page; an id that cannot be a job's is said so rather than asked for. */
export function JobPage({ jobId }: { jobId: string }) {
  if ('error' in parseTopics([`job:${jobId}`])) {
    return (
      <Page title="No such job" testId="page-job">
        <ErrorPanel message={`'${jobId}' is not a job id: job ids are 32 hexadecimal characters.`} />
      </Page>
    );
  }
  return <JobView jobId={jobId} />;
}
