import { JOB_STATES, type OverviewView } from '@mesoflow/web-api';
import { formatCount, formatTimestamp } from '../shell/format';
import { useLiveView } from '../shell/hooks';
import { Empty, ErrorPanel, Link, Missing, Page, Section, Stat } from '../shell/ui';

function FrameworkCard({ overview }: { overview: OverviewView }) {
  const { framework, schedulerError } = overview;
  return (
    <div className="card card-wide" data-testid="overview-framework">
      <h2>Framework</h2>
      {framework === undefined ? (
        <ErrorPanel testId="overview-scheduler-error" title="The scheduler cannot be reached" message={schedulerError ?? 'The gateway did not say why.'} />
      ) : (
        <dl className="facts">
          <dt>Name</dt>
          <dd data-testid="overview-framework-name">{framework.name}</dd>
          <dt>Framework id</dt>
          <dd className="mono" data-testid="overview-framework-id">
            {framework.id === '' ? <span className="muted">not subscribed yet</span> : framework.id}
          </dd>
          <dt>Mesos master</dt>
          <dd className="mono" data-testid="overview-master">
            {framework.master}
          </dd>
          <dt>Leading master</dt>
          <dd className="mono" data-testid="overview-leader">
            {framework.leader === '' ? <span className="muted">none: not subscribed</span> : framework.leader}
          </dd>
          <dt>Subscribed</dt>
          <dd data-testid="overview-subscribed">
            {framework.subscribed ? 'yes' : <span className="error-text">no: the scheduler is not subscribed to a master</span>}
          </dd>
        </dl>
      )}
    </div>
  );
}

function SlotsBar({ total, free }: { total: number; free: number }) {
  const usedPercent = total === 0 ? 0 : ((total - free) / total) * 100;
  return (
    <div className="bar" title={`${total - free} of ${total} slots used`}>
      <div className="bar-fill" style={{ width: `${usedPercent}%` }} />
    </div>
  );
}

export function OverviewPage() {
  const { data: overview, error } = useLiveView('overview');
  return (
    <Page title="Overview" testId="page-overview" aside={overview === undefined ? undefined : <span className="muted">cluster {overview.cluster}</span>}>
      {overview === undefined ? (
        <Missing error={error} />
      ) : (
        <>
          <div className="cards">
            <FrameworkCard overview={overview} />
            <div className="card" data-testid="overview-taskmanagers">
              <h2>TaskManagers</h2>
              <div className="stats">
                <Stat label="Registered" testId="overview-taskmanagers-registered">
                  {formatCount(overview.taskManagers.registered)}
                </Stat>
                <Stat label="Slots used" testId="overview-slots-used">
                  {formatCount(overview.taskManagers.slotsTotal - overview.taskManagers.slotsFree)}
                </Stat>
                <Stat label="Slots free" testId="overview-slots-free">
                  {formatCount(overview.taskManagers.slotsFree)}
                </Stat>
              </div>
              <SlotsBar total={overview.taskManagers.slotsTotal} free={overview.taskManagers.slotsFree} />
            </div>
            <div className="card" data-testid="overview-workers">
              <h2>Workers</h2>
              <div className="stats">
                <Stat label="Desired" testId="overview-workers-desired">
                  {formatCount(overview.workers.desired)}
                </Stat>
                <Stat label="Launched" testId="overview-workers-launched">
                  {formatCount(overview.workers.launched)}
                </Stat>
                <Stat label="Pending" testId="overview-workers-pending">
                  {formatCount(overview.workers.pending)}
                </Stat>
              </div>
            </div>
            <div className="card card-wide" data-testid="overview-jobs">
              <h2>Jobs</h2>
              <div className="stats">
                {JOB_STATES.map((state) => (
                  <Stat key={state} label={state}>
                    <Link to={{ page: 'jobs', state }} testId={`overview-jobs-${state}`}>
                      {formatCount(overview.jobsByState[state])}
                    </Link>
                  </Stat>
                ))}
              </div>
            </div>
          </div>
          <Section title="Recent failures" testId="overview-recent-failures">
            {overview.recentFailures.length === 0 ? (
              <Empty testId="overview-no-failures">No job has failed.</Empty>
            ) : (
              <table className="table">
                <colgroup>
                  <col style={{ width: '24%' }} />
                  <col style={{ width: '12rem' }} />
                  <col />
                </colgroup>
                <thead>
                  <tr>
                    <th>Job</th>
                    <th>Ended</th>
                    <th>Failure</th>
                  </tr>
                </thead>
                <tbody>
                  {overview.recentFailures.map((job) => (
                    <tr key={job.jobId} data-testid={`failure-row-${job.jobId}`}>
                      <td className="ellipsis">
                        <Link to={{ page: 'job', jobId: job.jobId }} testId={`failure-link-${job.jobId}`} title={job.jobId}>
                          {job.jobName}
                        </Link>
                      </td>
                      <td className="num">{formatTimestamp(job.endedAtMs)}</td>
                      <td className="ellipsis" title={job.failure}>
                        {job.failure}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
        </>
      )}
    </Page>
  );
}
