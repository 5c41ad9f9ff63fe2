import { Status } from 'nice-grpc';
import { describe, expect, it } from 'vitest';
import { Task as ProtoTask, TaskStatus } from '@qtasks/proto';
import { BrokerCallError } from './errors.js';
import { watchTask } from './task-watch.js';

const state = (status: TaskStatus): ProtoTask => ({ ...ProtoTask.fromPartial({ id: 't1', name: 'n', queue: 'q' }), status, updatedAt: new Date(1) });

describe('watchTask', () => {
  it('reconnects after a transient failure, then gives up once reconnectForMs has passed', async () => {
    let opened = 0;
    const conn = {
      async *watch(): AsyncGenerator<ProtoTask> {
        opened++;
        if (opened === 1) yield state(TaskStatus.TASK_STATUS_NEW);
        throw new BrokerCallError(Status.UNAVAILABLE, 'the broker is gone', 'WatchResult');
      },
    };
    const seen: string[] = [];
    const watching = (async () => {
      for await (const task of watchTask(conn as never, 't1', { reconnectForMs: 300 })) seen.push(task.status);
    })();
    await expect(watching).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(seen).toEqual(['new']);
    // The first stream, then reopened with backoff until 300 ms had passed.
    expect(opened).toBeGreaterThanOrEqual(2);
  });
});
