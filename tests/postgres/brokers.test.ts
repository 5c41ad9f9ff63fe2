/**
 * Two real brokers on one PostgreSQL (issue 14): what one broker's calls do, the other's clients
 * see, woken by `NOTIFY` rather than by polling: a task enqueued through A goes to a worker parked
 * on B; a watcher on A sees the end committed through B; a task purged through B ends its watcher
 * on A (NOT_FOUND: the row is gone before A reads it).
 */
import { Status } from 'nice-grpc';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskStatus } from '@qtasks/proto';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { usePostgresDatabases } from '../helpers/postgres-databases.js';
import { spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const databases = usePostgresDatabases();
const brokers: BrokerProcess[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((broker) => broker.dispose()));
});

/** Two brokers on one fresh database. */
async function twoBrokers(): Promise<[BrokerProcess, BrokerProcess]> {
  const { url } = await databases.fresh();
  const start = async () => {
    const broker = await startBrokerProcess({ args: ['--store', 'postgres', '--database-url', url] });
    brokers.push(broker);
    return broker;
  };
  return [await start(), await start()];
}

/** The statuses a watch on `broker` sees, and how it ends (`done`, or the error's code). */
function watch(broker: BrokerProcess, taskId: string): { states: TaskStatus[]; first: Promise<void>; ended: Promise<string | Status> } {
  const states: TaskStatus[] = [];
  let seen!: () => void;
  const first = new Promise<void>((resolve) => (seen = resolve));
  const ended = (async () => {
    try {
      for await (const { task } of broker.client.watchResult({ taskId })) {
        states.push(task!.status);
        seen();
      }
      return 'done';
    } catch (error) {
      return (error as { code: Status }).code;
    } finally {
      seen();
    }
  })();
  return { states, first, ended };
}

describe.skipIf(databases.skipReason !== undefined)('two brokers on one PostgreSQL', () => {
  it('a task enqueued through A goes to a worker parked on B at once, and A\'s watcher sees the end completed through B', async () => {
    const [a, b] = await twoBrokers();
    const queue = uniqueQueue();
    const parked = b.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, waitMs: 20_000, leaseMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    const [task] = (await a.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const watching = watch(a, task!.id);
    const { tasks: leased } = await parked;
    // Woken by the notification, not at the end of its 20 s wait.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(leased.map((t) => t.task!.id)).toEqual([task!.id]);
    await b.client.complete({ completions: [{ taskId: task!.id, leaseToken: leased[0]!.leaseToken, outcome: { $case: 'success', value: {} } }] });
    expect(await watching.ended).toBe('done');
    expect(watching.states.at(-1)).toBe(TaskStatus.TASK_STATUS_SUCCESS);
  });

  it('a task purged through B ends its watcher on A with NOT_FOUND', async () => {
    const [a, b] = await twoBrokers();
    const queue = uniqueQueue();
    const [task] = (await a.client.enqueue({ tasks: [spec(queue)] })).tasks;
    const watching = watch(a, task!.id);
    // The watch has read the task (its first state came) before the purge removes it.
    await watching.first;
    expect(await b.client.purgeQueue({ queue, statuses: [TaskStatus.TASK_STATUS_NEW] })).toMatchObject({ purged: 1 });
    expect(await watching.ended).toBe(Status.NOT_FOUND);
    expect(watching.states).toEqual([TaskStatus.TASK_STATUS_NEW]);
  });
});
