import { expect, test } from 'vitest';
import { Broker } from '../core/broker.js';
import { newTask } from '../core/new-task.fixture.js';
import { useTempBroker } from '../core/temp-broker.fixture.js';
import { TaskStore } from '../store/task-store.js';
import { LiveStreams, MAX_PENDING_ROWS, Nudges, streamQueueChanges, streamTaskChanges } from './live-feeds.js';
import type { EventStream } from './sse.js';

let store: TaskStore;
let broker: Broker;
useTempBroker((made) => ({ store, broker } = made));

/** An EventStream that records what it is sent; `nextEvent()` waits for the next one. */
function recordingStream() {
  const events: { event: string; data: unknown }[] = [];
  const closed = new AbortController();
  let read = 0;
  let wake: (() => void) | undefined;
  const stream = {
    get signal() {
      return closed.signal;
    },
    get isClosed() {
      return closed.signal.aborted;
    },
    async send(event: string, data: unknown) {
      events.push({ event, data });
      wake?.();
    },
    end: () => closed.abort(),
  };
  return {
    stream: stream as unknown as EventStream,
    events,
    close: () => closed.abort(),
    async nextEvent(): Promise<{ event: string; data: unknown }> {
      while (read >= events.length) await new Promise<void>((resolve) => (wake = resolve));
      return events[read++]!;
    },
  };
}

test('a burst of transitions reaches a task feed as one event, of its queue only', async () => {
  const client = recordingStream();
  const done = streamTaskChanges(broker, client.stream, 'mine');
  expect(await client.nextEvent()).toEqual({ event: 'ready', data: {} });
  await broker.enqueue([...Array.from({ length: 100 }, () => newTask('mine')), newTask('theirs')]);
  const { event, data } = await client.nextEvent();
  expect(event).toBe('tasks');
  expect((data as { queue: string; status: string }[]).length).toBe(100);
  expect(new Set((data as { queue: string }[]).map((row) => row.queue))).toEqual(new Set(['mine']));
  client.close();
  await done;
});

test(`past ${MAX_PENDING_ROWS} distinct tasks waiting, a task feed sends a reset instead of rows`, async () => {
  const client = recordingStream();
  const done = streamTaskChanges(broker, client.stream, undefined);
  await client.nextEvent();
  await broker.enqueue(Array.from({ length: MAX_PENDING_ROWS + 1 }, () => newTask('many')));
  expect((await client.nextEvent()).event).toBe('reset');
  client.close();
  await done;
});

test('a queue feed sends every queue at once and after a nudge; both feeds end when the broker shuts down', async () => {
  await broker.enqueue([newTask('a'), newTask('b')]);
  const nudges = new Nudges();
  const queues = recordingStream();
  const tasks = recordingStream();
  const queuesDone = streamQueueChanges(broker, queues.stream, nudges);
  const tasksDone = streamTaskChanges(broker, tasks.stream, undefined);
  const first = await queues.nextEvent();
  expect(first.event).toBe('queues');
  expect((first.data as { name: string }[]).map((q) => q.name)).toEqual(['a', 'b']);
  await broker.pauseQueue('a');
  nudges.nudge();
  const second = await queues.nextEvent();
  expect((second.data as { name: string; paused: boolean }[]).find((q) => q.name === 'a')?.paused).toBe(true);
  broker.shutdown();
  await Promise.all([queuesDone, tasksDone]);
  expect(queues.stream.isClosed && tasks.stream.isClosed).toBe(true);
});

test('live streams past the limit are refused with RESOURCE_EXHAUSTED; leaving frees a place once', () => {
  const streams = new LiveStreams(2);
  const leave = streams.enter();
  streams.enter();
  expect(() => streams.enter()).toThrow(expect.objectContaining({ reason: 'TOO_MANY_WATCHERS' }));
  leave();
  leave();
  streams.enter();
  expect(() => streams.enter()).toThrow();
});
