import { formatDuration, formatTimestamp } from '../shell/format';
import { useLiveView } from '../shell/hooks';
import { Empty, ErrorPanel, Link, Missing, Page, Section, StateBadge } from '../shell/ui';
import { resourcesText, slotsText } from './taskmanager-text';

/** One worker and its TaskManager, from the `taskmanagers` topic. */
export function TaskManagerPage({ taskId }: { taskId: string }) {
  const { data: taskManagers, error } = useLiveView('taskmanagers');
  const entry = taskManagers?.find((candidate) => candidate.taskId === taskId);
  return (
    <Page title={<span className="mono">{taskId}</span>} testId="page-taskmanager" aside={<Link to={{ page: 'taskmanagers' }}>All TaskManagers</Link>}>
      {taskManagers === undefined ? (
        <Missing error={error} unavailable="The scheduler cannot be reached" />
      ) : entry === undefined ? (
        <ErrorPanel message={`The scheduler has no worker '${taskId}': it was never launched, or was released and forgotten.`} />
      ) : (
        <>
          <div className="card" data-testid="taskmanager-detail">
            <dl className="facts facts-columns">
              <dt>Worker</dt>
              <dd>
                <StateBadge state={entry.workerState} testId="taskmanager-worker-state" />
              </dd>
              <dt>Mesos state</dt>
              <dd>
                <StateBadge state={entry.taskState} testId="taskmanager-task-state" />
              </dd>
              <dt>Agent</dt>
              <dd className="mono ellipsis" title={entry.agentId}>
                {entry.hostname === '' ? '—' : `${entry.hostname} (${entry.agentId})`}
              </dd>
              <dt>Resources</dt>
              <dd>{resourcesText(entry.resources)}</dd>
              <dt>Ports</dt>
              <dd className="mono">{entry.ports.length === 0 ? '—' : entry.ports.join(', ')}</dd>
              <dt>Launched</dt>
              <dd className="num">{formatTimestamp(entry.launchedAtMs)}</dd>
              <dt>Failures</dt>
              <dd className="num">{entry.failureCount}</dd>
              <dt>Sandbox</dt>
              <dd>
                {entry.sandboxUrl === undefined ? (
                  <span className="muted">unknown</span>
                ) : (
                  <a href={entry.sandboxUrl} target="_blank" rel="noreferrer" data-testid="taskmanager-sandbox-link">
                    Mesos sandbox
                  </a>
                )}
              </dd>
            </dl>
          </div>
          <Section title="TaskManager" testId="taskmanager-registration">
            {entry.taskManager === undefined ? (
              <Empty testId="taskmanager-unregistered">No TaskManager has registered for this worker.</Empty>
            ) : (
              <dl className="facts facts-columns card">
                <dt>RPC address</dt>
                <dd className="mono">{entry.taskManager.rpcAddress}</dd>
                <dt>Data address</dt>
                <dd className="mono">{entry.taskManager.dataAddress}</dd>
                <dt>Slots</dt>
                <dd className="num" data-testid="taskmanager-slots">
                  {slotsText(entry.taskManager)}
                </dd>
                <dt>Heartbeat</dt>
                <dd className="num">{formatDuration(entry.taskManager.heartbeatAgeMs)} ago</dd>
                <dt>Registered</dt>
                <dd className="num">{formatTimestamp(entry.taskManager.registeredAtMs)}</dd>
              </dl>
            )}
          </Section>
          <Section title="State history" testId="taskmanager-history">
            {entry.history.length === 0 ? (
              <Empty testId="taskmanager-no-history">No states recorded yet.</Empty>
            ) : (
              <table className="table">
                <colgroup>
                  <col style={{ width: '12rem' }} />
                  <col style={{ width: '12rem' }} />
                  <col />
                </colgroup>
                <thead>
                  <tr>
                    <th>When</th>
                    <th>State</th>
                    <th>Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {entry.history.map((change, index) => (
                    <tr key={`${change.atMs}-${index}`} data-testid={`taskmanager-history-${index}`}>
                      <td className="num">{formatTimestamp(change.atMs)}</td>
                      <td>
                        <StateBadge state={change.state} />
                      </td>
                      <td className="ellipsis" title={change.detail}>
                        {change.detail ?? ''}
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
