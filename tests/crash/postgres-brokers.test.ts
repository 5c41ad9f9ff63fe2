/**
 * Three brokers on one PostgreSQL (issue 14), under load, while brokers are SIGKILLed in a loop
 * and PostgreSQL itself restarts once. Producers and workers speak raw gRPC, spread over the three
 * brokers; when their broker dies they move to the next address, as the clients given several
 * addresses do. Brokers 1 and 2 are killed in turn and started again on their port; broker 0
 * stays, and holds a `WatchResult` on every acknowledged task. Then:
 *
 * - every task whose Enqueue was acknowledged exists and ends in SUCCESS;
 * - the watchers on the surviving broker saw every end, committed through any broker;
 * - outcomes sent through a broker that died are accepted through the next (a lease is a row).
 *
 * `QTASKS_PG_KILL_CYCLES` (default 20, what CI runs) sets the number of kills.
 */
import { Status } from 'nice-grpc';
import { afterEach, expect, test } from 'vitest';
import { TaskStatus, type Task } from '@qtasks/proto';
import { startBrokerProcess, type BrokerClient, type BrokerProcess } from '../helpers/broker-process.js';
import { intFromEnv, seededRandom, sleep } from '../helpers/crash.js';
import { usePostgresDatabases } from '../helpers/postgres-databases.js';
import { json, uniqueQueue } from '../helpers/tasks.js';

const CYCLES = intFromEnv('QTASKS_PG_KILL_CYCLES', 20);
const SEED = intFromEnv('QTASKS_CRASH_SEED', 20_261_204);
const LEASE_MS = 1000;
/** Lease expiries count as attempts; a task may be caught by many kills. */
const MAX_RETRIES = 1000;
const TIMEOUT_MS = 90_000 + CYCLES * 3_000;

const databases = usePostgresDatabases();
const running: BrokerProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((broker) => broker.dispose()));
});

/** The brokers by place, each replaced by its restart; a client reads `brokers[i].client` afresh at each call. */
class Cluster {
  readonly brokers: BrokerProcess[] = [];
  /** What a broker that exited without being killed wrote last: a crash of ours, never a fault injected. */
  readonly crashes: string[] = [];
  private killing: BrokerProcess | undefined;

  constructor(private readonly url: string) {}

  async start(count: number): Promise<void> {
    for (let i = 0; i < count; i++) this.brokers.push(this.keep(await startBrokerProcess({ args: ['--store', 'postgres', '--database-url', this.url] })));
  }

  /** SIGKILLs broker `i` and starts it again on its port. */
  async kill(i: number): Promise<void> {
    this.killing = this.brokers[i];
    this.brokers[i] = this.keep(await this.brokers[i]!.restart(undefined, { samePort: true }));
  }

  /** The client of the broker at `place` (mod the count). */
  client(place: number): BrokerClient {
    return this.brokers[place % this.brokers.length]!.client;
  }

  private keep(broker: BrokerProcess): BrokerProcess {
    running.push(broker);
    broker.child.once('exit', (code, signal) => {
      if (broker !== this.killing && running.includes(broker)) this.crashes.push(`exit ${code ?? signal}: ${broker.stderr().slice(-2000)}`);
    });
    return broker;
  }
}

test.skipIf(databases.skipReason !== undefined)(
  `3 brokers on one PostgreSQL: ${CYCLES} SIGKILLs and a restart of the database under load lose nothing; every task ends, and the surviving broker's watchers see every end`,
  async () => {
    const { url } = await databases.fresh();
    const cluster = new Cluster(url);
    await cluster.start(3);
    const random = seededRandom(SEED);
    const queue = uniqueQueue();
    const acknowledged = new Set<string>();
    const watched = new Map<string, Promise<TaskStatus | undefined>>();
    let producing = true;
    let working = true;
    let refusedEnqueues = 0;
    let acknowledgedAtRestart = Infinity;
    let movedOutcomes = 0;

    // The surviving broker watches each acknowledged task to its end (a watch cut by the database's
    // restart is opened again: it starts from the task's current state).
    const watch = async (taskId: string): Promise<TaskStatus | undefined> => {
      for (;;) {
        try {
          let last: TaskStatus | undefined;
          for await (const { task } of cluster.client(0).watchResult({ taskId })) last = task!.status;
          return last;
        } catch (error) {
          // Only the database's restart may cut a watch (UNAVAILABLE); anything else is a failure to see.
          if ((error as { code?: Status }).code !== Status.UNAVAILABLE) throw error;
          await sleep(100);
        }
      }
    };

    const producers = Array.from({ length: 3 }, async (_, producer) => {
      let place = producer;
      for (let batch = 0; producing; batch++) {
        try {
          const { tasks } = await cluster.client(place).enqueue({
            tasks: Array.from({ length: 5 }, (_, i) => ({ name: queue, args: json([producer, batch, i]), maxRetries: MAX_RETRIES })),
          });
          for (const task of tasks) {
            acknowledged.add(task.id);
            watched.set(task.id, watch(task.id));
          }
        } catch {
          // Not acknowledged: the broker died under it, or the database is away. Next address.
          refusedEnqueues++;
          place++;
          await sleep(20);
        }
        // ~150 tasks a second in all: every one is watched, within the broker's 10,000 watchers.
        await sleep(100);
      }
    });

    const workers = Array.from({ length: 3 }, async (_, worker) => {
      let place = worker + 1;
      while (working) {
        let leased: { task?: Task; leaseToken: string }[];
        try {
          ({ tasks: leased } = await cluster.client(place).lease({ workerId: `w${worker}`, queues: [queue], maxTasks: 10, waitMs: 200, leaseMs: LEASE_MS }));
        } catch {
          place++;
          await sleep(20);
          continue;
        }
        const completions = leased.map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken, outcome: { $case: 'success' as const, value: { result: json('ok') } } }));
        // An outcome whose broker died goes through the next one: the lease is a row.
        for (let attempt = 0; completions.length > 0 && attempt < 3; attempt++) {
          try {
            await cluster.client(place).complete({ completions });
            break;
          } catch {
            place++;
            movedOutcomes++;
            await sleep(50);
          }
        }
      }
    });

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await sleep(150 + Math.floor(random() * 350));
      await cluster.kill(1 + (cycle % 2));
      // Once, midway: the database itself restarts under the load, and every broker recovers by itself.
      if (cycle === Math.floor(CYCLES / 2)) {
        await databases.restartCluster();
        acknowledgedAtRestart = acknowledged.size;
      }
    }
    producing = false;
    await Promise.all(producers);

    console.log(`[pg-brokers] kills done: ${acknowledged.size} acknowledged`);
    // Every acknowledged task ends, and the surviving broker's watchers see its end.
    const settled = new Set<string>();
    const report = setInterval(() => {
      if (cluster.crashes.length > 0) console.log(`[pg-brokers] a broker crashed: ${cluster.crashes.join('\n')}`);
      const waiting = [...acknowledged].filter((id) => !settled.has(id));
      void Promise.all(waiting.slice(0, 5).map((id) => cluster.client(0).getTask({ taskId: id }).then((r) => `${r.task!.status}/${r.task!.attempt}`, (e: Error) => e.message))).then((states) =>
        console.log(`[pg-brokers] ${waiting.length} not ended yet: ${states.join(' ')}`),
      );
    }, 5000);
    const ends = await Promise.all([...acknowledged].map(async (id) => [id, await watched.get(id)!.finally(() => settled.add(id))] as const));
    clearInterval(report);
    working = false;
    await Promise.all(workers);
    console.log(`[pg-brokers] ${CYCLES} kills, ${acknowledged.size} tasks acknowledged, ${refusedEnqueues} enqueues refused, ${movedOutcomes} outcomes moved to another broker (seed ${SEED})`);
    expect(cluster.crashes).toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(100);
    // The brokers took writes again after the database's restart, by themselves.
    expect(acknowledged.size).toBeGreaterThan(acknowledgedAtRestart + 50);
    expect(ends.filter(([, status]) => status !== TaskStatus.TASK_STATUS_SUCCESS)).toEqual([]);
    for (const id of acknowledged) {
      const { task } = await cluster.client(0).getTask({ taskId: id });
      expect(task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
    }
  },
  TIMEOUT_MS,
);
