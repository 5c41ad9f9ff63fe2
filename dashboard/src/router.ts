/**
 * The page's routes, in the URL's hash so that the broker serves one file for all of them:
 * `#/queues`, `#/tasks?queue=…&status=…`, `#/tasks/ID`.
 */
import { useEffect, useState } from 'preact/hooks';

/** Where the page is. */
export type Route =
  | { page: 'queues' }
  | { page: 'tasks'; queue: string; status: string }
  | { page: 'task'; id: string };

/** The route of a hash (`#/tasks?queue=q`). */
export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'tasks' && parts[1] !== undefined) return { page: 'task', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'tasks') return { page: 'tasks', queue: query.get('queue') ?? '', status: query.get('status') ?? '' };
  return { page: 'queues' };
}

/** The hash of a route (for links). */
export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'queues':
      return '#/queues';
    case 'task':
      return `#/tasks/${encodeURIComponent(route.id)}`;
    case 'tasks': {
      const query = new URLSearchParams();
      if (route.queue !== '') query.set('queue', route.queue);
      if (route.status !== '') query.set('status', route.status);
      const search = query.toString();
      return search === '' ? '#/tasks' : `#/tasks?${search}`;
    }
  }
}

/** The current route, following the hash. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
