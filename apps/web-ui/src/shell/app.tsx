// The frame of every page: the header with the navigation and the live stream's status, and the
// page of the current hash.
import { useCallback, useEffect, useState } from 'react';
import { ConfigPage } from '../config/config-page';
import { JobPage } from '../job/job-page';
import { JobsPage } from '../jobs/jobs-page';
import { MesosPage } from '../mesos/mesos-page';
import { OverviewPage } from '../overview/overview-page';
import { TaskManagerPage } from '../taskmanagers/taskmanager-page';
import { TaskManagersPage } from '../taskmanagers/taskmanagers-page';
import { useLiveStatus } from './hooks';
import type { LiveStatus } from './live-hub';
import { hrefOf, parseRoute, type PageRoute, type Route } from './route';
import { Link, Page } from './ui';

const NAV: readonly { readonly label: string; readonly route: PageRoute; readonly pages: readonly Route['page'][] }[] = [
  { label: 'Overview', route: { page: 'overview' }, pages: ['overview'] },
  { label: 'Jobs', route: { page: 'jobs' }, pages: ['jobs', 'job'] },
  { label: 'TaskManagers', route: { page: 'taskmanagers' }, pages: ['taskmanagers', 'taskmanager'] },
  { label: 'Mesos', route: { page: 'mesos' }, pages: ['mesos'] },
  { label: 'Configuration', route: { page: 'config' }, pages: ['config'] },
];

const STATUS_TEXT: Readonly<Record<LiveStatus, string>> = {
  idle: 'not live',
  connecting: 'connecting…',
  open: 'live',
  retrying: 'reconnecting…',
};

function useRoute(): [Route, (route: PageRoute) => void] {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onHashChange = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);
  // Filters typed into a page replace the history entry rather than add one per keystroke.
  const replace = useCallback((next: PageRoute) => {
    window.history.replaceState(null, '', hrefOf(next));
    setRoute(next);
  }, []);
  return [route, replace];
}

function CurrentPage({ route, replace }: { route: Route; replace: (route: PageRoute) => void }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'jobs':
      return <JobsPage state={route.state} q={route.q ?? ''} onFilter={replace} />;
    case 'job':
      return <JobPage key={route.jobId} jobId={route.jobId} />;
    case 'taskmanagers':
      return <TaskManagersPage />;
    case 'taskmanager':
      return <TaskManagerPage key={route.taskId} taskId={route.taskId} />;
    case 'mesos':
      return <MesosPage />;
    case 'config':
      return <ConfigPage />;
    case 'not-found':
      return (
        <Page title="No such page" testId="page-not-found">
          <p>
            There is no page <code>{route.path}</code>. <Link to={{ page: 'overview' }}>Go to the overview.</Link>
          </p>
        </Page>
      );
  }
}

export function App() {
  const [route, replace] = useRoute();
  const status = useLiveStatus();
  return (
    <>
      <header className="header">
        <a className="brand" href={hrefOf({ page: 'overview' })}>
          Mesoflow
        </a>
        <nav className="nav">
          {NAV.map((entry) => (
            <Link key={entry.label} to={entry.route} testId={`nav-${entry.route.page}`} className={entry.pages.includes(route.page) ? 'nav-link active' : 'nav-link'}>
              {entry.label}
            </Link>
          ))}
        </nav>
        <span className={`live live-${status}`} data-testid="live-status" title="Pages update by themselves while the stream is live">
          {STATUS_TEXT[status]}
        </span>
      </header>
      <CurrentPage route={route} replace={replace} />
    </>
  );
}
