import { hrefOf, parseRoute, type PageRoute } from './route';

describe('routes', () => {
  it('reads every page from the hash', () => {
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    expect(parseRoute('#/mesos')).toEqual({ page: 'mesos' });
    expect(parseRoute('#/jobs')).toEqual({ page: 'jobs' });
    expect(parseRoute('#/jobs?state=FAILED&q=word%20count')).toEqual({ page: 'jobs', state: 'FAILED', q: 'word count' });
    expect(parseRoute('#/jobs/abc')).toEqual({ page: 'job', jobId: 'abc' });
    expect(parseRoute('#/taskmanagers/taskmanager-00003')).toEqual({ page: 'taskmanager', taskId: 'taskmanager-00003' });
  });

  it('ignores an unknown state and tells unknown pages apart', () => {
    expect(parseRoute('#/jobs?state=SLEEPING')).toEqual({ page: 'jobs' });
    expect(parseRoute('#/nowhere')).toEqual({ page: 'not-found', path: '/nowhere' });
    expect(parseRoute('#/jobs/a/b')).toEqual({ page: 'not-found', path: '/jobs/a/b' });
  });

  it('writes links that read back as the same page', () => {
    const routes: PageRoute[] = [
      { page: 'overview' },
      { page: 'jobs' },
      { page: 'jobs', state: 'RUNNING', q: 'a&b' },
      { page: 'job', jobId: 'f'.repeat(32) },
      { page: 'taskmanagers' },
      { page: 'taskmanager', taskId: 'taskmanager 1/2' },
      { page: 'mesos' },
      { page: 'config' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toEqual(route);
  });
});
