import { formatDuration } from '../shell/format';
import { useLiveView } from '../shell/hooks';
import { Empty, Link, Missing, Page, StateBadge } from '../shell/ui';
import { resourcesText, slotsText } from './taskmanager-text';

export function TaskManagersPage() {
  const { data: taskManagers, error } = useLiveView('taskmanagers');
  return (
    <Page title="TaskManagers" testId="page-taskmanagers">
      {taskManagers === undefined ? (
        <Missing error={error} unavailable="The scheduler cannot be reached" />
      ) : taskManagers.length === 0 ? (
        <Empty testId="taskmanagers-empty">No TaskManagers: the scheduler has not launched any worker.</Empty>
      ) : (
        <table className="table" data-testid="taskmanagers-table">
          <colgroup>
            <col style={{ width: '11rem' }} />
            <col />
            <col style={{ width: '19rem' }} />
            <col style={{ width: '8rem' }} />
            <col style={{ width: '7.5rem' }} />
            <col style={{ width: '9rem' }} />
            <col style={{ width: '7rem' }} />
            <col style={{ width: '7rem' }} />
          </colgroup>
          <thead>
            <tr>
              <th>Mesos task</th>
              <th>Agent host</th>
              <th>Resources</th>
              <th>Ports</th>
              <th>Worker</th>
              <th>Mesos state</th>
              <th className="num">Heartbeat</th>
              <th className="num">Slots</th>
            </tr>
          </thead>
          <tbody>
            {taskManagers.map((entry) => (
              <tr key={entry.taskId} data-testid={`taskmanager-${entry.taskId}`}>
                <td className="mono ellipsis">
                  <Link to={{ page: 'taskmanager', taskId: entry.taskId }} testId={`taskmanager-link-${entry.taskId}`} title={entry.taskId}>
                    {entry.taskId}
                  </Link>
                </td>
                <td className="ellipsis" title={`agent ${entry.agentId}`}>
                  {entry.hostname === '' ? <span className="muted">not placed yet</span> : entry.hostname}
                </td>
                <td className="ellipsis">{resourcesText(entry.resources)}</td>
                <td className="mono ellipsis">{entry.ports.join(', ')}</td>
                <td>
                  <StateBadge state={entry.workerState} />
                </td>
                <td>
                  <StateBadge state={entry.taskState} />
                </td>
                <td className="num">{entry.taskManager === undefined ? <span className="muted">unregistered</span> : formatDuration(entry.taskManager.heartbeatAgeMs)}</td>
                <td className="num">{slotsText(entry.taskManager)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
