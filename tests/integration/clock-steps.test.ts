/**
 * The real broker process under libfaketime, its wall clock stepped while leases run: +2 h must
 * not expire a live worker's lease (its heartbeat and outcome are accepted), and −1 h must not
 * keep a dead worker's 1 s lease for an hour. The monotonic clock is left alone
 * (`FAKETIME_DONT_FAKE_MONOTONIC`), as NTP and `date -s` leave it.
 *
 * libfaketime comes from Debian's `faketime` package, which `.ci/run` installs; where it is
 * missing, the tests are skipped with that reason.
 */
import { TEST_STORE } from '../helpers/test-store.js';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskStatus, type Task } from '@qtasks/proto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { json, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const missing = existsSync(LIBFAKETIME) ? undefined : `libfaketime is not installed (${LIBFAKETIME}): apt-get install faketime`;
if (missing) console.warn(`[clock-steps] skipped: ${missing}`);

// On PostgreSQL, lease deadlines are wall times every broker reads (docs/decisions.md): a stepped
// wall clock moves them, by design; these tests hold the LMDB store's steady-time leases to it.
describe.skipIf(missing !== undefined || TEST_STORE === 'postgres')('a stepped wall clock (libfaketime)', () => {
  let dir: string;
  let offsetFile: string;
  let broker: BrokerProcess;
  /** Moves the broker's wall clock to `offset` from the real one ("+2h", "-1h", "+0"). */
  const stepWallClock = (offset: string): Promise<void> => writeFile(offsetFile, `${offset}\n`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qtasks-faketime-'));
    offsetFile = join(dir, 'offset');
    await stepWallClock('+0');
    broker = await startBrokerProcess({
      env: {
        LD_PRELOAD: LIBFAKETIME,
        FAKETIME_TIMESTAMP_FILE: offsetFile,
        // Read the file on every clock call, so that a step takes effect at once.
        FAKETIME_NO_CACHE: '1',
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      },
    });
  });
  afterAll(async () => {
    await broker?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const leaseOne = async (queue: string, leaseMs: number) => {
    await broker.client.enqueue({ tasks: [spec(queue)] });
    const { tasks } = await broker.client.lease({ workerId: workerId(), queues: [queue], maxTasks: 1, leaseMs });
    return tasks[0]!;
  };

  test('2 h forward: a live lease stays alive, its heartbeat and outcome are accepted', async () => {
    await stepWallClock('+0');
    const leased = await leaseOne(uniqueQueue('forward'), 30_000);
    await stepWallClock('+2h');

    const { results } = await broker.client.heartbeat({ items: [{ taskId: leased.task!.id, leaseToken: leased.leaseToken }] });
    expect(results[0]).toMatchObject({ ok: true, reason: '' });
    // The deadline is told on the broker's (stepped) wall clock, about a lease length ahead.
    const aheadMs = results[0]!.leaseDeadline!.getTime() - (Date.now() + 2 * 3_600_000);
    expect(aheadMs).toBeGreaterThan(20_000);
    expect(aheadMs).toBeLessThan(40_000);

    const done = await broker.client.complete({
      completions: [{ taskId: leased.task!.id, leaseToken: leased.leaseToken, outcome: { $case: 'success', value: { result: json('done') } } }],
    });
    expect(done.results[0]).toMatchObject({ accepted: true });
    expect((await broker.client.getTask({ taskId: leased.task!.id })).task?.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
  });

  test("1 h back: a dead worker's 1 s lease expires on time, not an hour later", async () => {
    await stepWallClock('+0');
    const leased = await leaseOne(uniqueQueue('back'), 1_000);
    await stepWallClock('-1h');

    let last: Task | undefined;
    // Ends when the task reaches a final status: only the reaper can get it there.
    for await (const { task } of broker.client.watchResult({ taskId: leased.task!.id })) last = task;
    expect(last).toMatchObject({ status: TaskStatus.TASK_STATUS_ERROR, error: { type: 'LeaseExpired' } });
  }, 15_000);
});
