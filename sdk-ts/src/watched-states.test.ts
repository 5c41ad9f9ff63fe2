/** The states of a watched task, as `addTask(…, { timeout })` reads them. */
import { TaskStatus, type Task as ProtoTask } from '@qtasks/proto';
import { describe, expect, test } from 'vitest';
import { WatchedStates } from './watched-states.js';

const state = (status: TaskStatus): ProtoTask => ({ id: 't', status }) as ProtoTask;
const statuses = async (states: AsyncIterable<ProtoTask>, stopAt?: TaskStatus): Promise<TaskStatus[]> => {
  const seen: TaskStatus[] = [];
  for await (const s of states) {
    seen.push(s.status);
    if (s.status === stopAt) break;
  }
  return seen;
};

describe('WatchedStates', () => {
  test('gives the answered state, then the pushed ones, and ends after a final one without stopping the watch', async () => {
    let left = 0;
    const watched = new WatchedStates(state(TaskStatus.TASK_STATUS_NEW), () => left++);
    const reading = statuses(watched.states(new AbortController().signal));
    watched.push(state(TaskStatus.TASK_STATUS_PROCESS));
    watched.push(state(TaskStatus.TASK_STATUS_SUCCESS));
    watched.push(state(TaskStatus.TASK_STATUS_ERROR));
    expect(await reading).toEqual([TaskStatus.TASK_STATUS_NEW, TaskStatus.TASK_STATUS_PROCESS, TaskStatus.TASK_STATUS_SUCCESS]);
    watched.stop();
    expect(left).toBe(0);
  });

  test('a reader that leaves early, or never reads, stops the watch once', async () => {
    let left = 0;
    const early = new WatchedStates(state(TaskStatus.TASK_STATUS_NEW), () => left++);
    early.push(state(TaskStatus.TASK_STATUS_PROCESS));
    expect(await statuses(early.states(new AbortController().signal), TaskStatus.TASK_STATUS_PROCESS)).toHaveLength(2);
    early.stop();
    expect(left).toBe(1);
    new WatchedStates(state(TaskStatus.TASK_STATUS_NEW), () => left++).stop();
    expect(left).toBe(2);
  });

  test('a failed watch rejects its reader; an abort rejects with the signal reason', async () => {
    const failed = new WatchedStates(state(TaskStatus.TASK_STATUS_NEW), () => undefined);
    failed.fail(new Error('stream broke'));
    await expect(statuses(failed.states(new AbortController().signal))).rejects.toThrow('stream broke');
    const waiting = new WatchedStates(state(TaskStatus.TASK_STATUS_NEW), () => undefined);
    await expect(statuses(waiting.states(AbortSignal.timeout(10)))).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
