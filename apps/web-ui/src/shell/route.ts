// The pages and their addresses. Routing is on the hash (`#/jobs/<id>`) because the gateway
// answers the same paths without one (`GET /jobs/:id` is its REST API), and static serving then
// needs no fallback to index.html.
import { JOB_STATES, type JobStateName } from '@mesoflow/web-api';

export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'jobs'; readonly state?: JobStateName; readonly q?: string }
  | { readonly page: 'job'; readonly jobId: string }
  | { readonly page: 'taskmanagers' }
  | { readonly page: 'taskmanager'; readonly taskId: string }
  | { readonly page: 'mesos' }
  | { readonly page: 'config' }
  | { readonly page: 'not-found'; readonly path: string };

/** A page that can be linked to. */
export type PageRoute = Exclude<Route, { page: 'not-found' }>;

function stateOf(text: string | null): JobStateName | undefined {
  return JOB_STATES.find((state) => state === text);
}

/** The page of `location.hash`; an empty hash is the overview. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter((part) => part !== '').map(decodeURIComponent);
  const [first, second, ...rest] = parts;
  if (rest.length > 0) return { page: 'not-found', path };
  if (first === undefined) return { page: 'overview' };
  if (second === undefined) {
    switch (first) {
      case 'overview':
      case 'taskmanagers':
      case 'mesos':
      case 'config':
        return { page: first };
      case 'jobs': {
        const params = new URLSearchParams(query);
        const state = stateOf(params.get('state'));
        const q = params.get('q') ?? '';
        return { page: 'jobs', ...(state === undefined ? {} : { state }), ...(q === '' ? {} : { q }) };
      }
    }
  } else if (first === 'jobs') return { page: 'job', jobId: second };
  else if (first === 'taskmanagers') return { page: 'taskmanager', taskId: second };
  return { page: 'not-found', path };
}

/** The `href` of a page. */
export function hrefOf(route: PageRoute): string {
  switch (route.page) {
    case 'overview':
    case 'taskmanagers':
    case 'mesos':
    case 'config':
      return `#/${route.page}`;
    case 'jobs': {
      const params = new URLSearchParams();
      if (route.state !== undefined) params.set('state', route.state);
      if (route.q !== undefined && route.q !== '') params.set('q', route.q);
      const query = params.toString();
      return `#/jobs${query === '' ? '' : `?${query}`}`;
    }
    case 'job':
      return `#/jobs/${encodeURIComponent(route.jobId)}`;
    case 'taskmanager':
      return `#/taskmanagers/${encodeURIComponent(route.taskId)}`;
  }
}
