/** The page's frame: the header (navigation, token field) and the page the hash names. */
import { TokenField } from './components/token-field.js';
import { QueuesPage } from './pages/queues-page.js';
import { TaskPage } from './pages/task-page.js';
import { TasksPage } from './pages/tasks-page.js';
import { hrefOf, useRoute } from './router.js';
import { useToken } from './token.js';

/** The whole dashboard. */
export function App() {
  const route = useRoute();
  const token = useToken();
  return (
    <>
      <header>
        <a class="brand" href={hrefOf({ page: 'queues' })}>
          QTasks broker
        </a>
        <nav>
          <a href={hrefOf({ page: 'queues' })} class={route.page === 'queues' ? 'current' : ''}>
            Queues
          </a>
          <a href={hrefOf({ page: 'tasks', queue: '', status: '' })} class={route.page !== 'queues' ? 'current' : ''}>
            Tasks
          </a>
        </nav>
        <TokenField />
      </header>
      {route.page === 'queues' && <QueuesPage token={token} />}
      {route.page === 'tasks' && <TasksPage queue={route.queue} status={route.status} token={token} />}
      {route.page === 'task' && <TaskPage id={route.id} token={token} />}
    </>
  );
}
