/**
 * The dashboard's live views, as event streams: the task list's (`GET /api/events`: the rows of
 * tasks as they change) and the queues page's (`GET /api/queues/events`: every queue's counts as
 * they change). Both are woken by the core's commits (`Broker.onEveryTransition`), never by a
 * polling timer, and both coalesce: a broker running 20,000 transitions a second must not send
 * a browser 20,000 events a second, nor keep them for one that reads slowly. So a change arms one
 * short timer (the window below); what changes in that window goes out as one event; a client
 * still reading the last one gets the next once it has; and past {@link MAX_PENDING_ROWS}
 * distinct tasks waiting, the rows are dropped for a `reset` event (the page reloads its list).
 */
import { ResourceExhaustedError } from '../domain/errors.js';
import type { TaskRecord } from '../domain/task.js';
import type { Broker } from '../core/broker.js';
import type { EventStream } from './sse.js';
import { queueJson, taskRowJson, type TaskRowJson } from './task-json.js';

/** How long changes gather before they are sent: at most this many events a second, ×1000. */
export const FEED_WINDOW_MS = 150;
/** Distinct tasks whose rows may wait for one client; past it, it gets a `reset`. */
export const MAX_PENDING_ROWS = 1000;
/**
 * Live streams open at once. Each one hears every transition of the broker (a map write per
 * transition), so they are few by design: a dashboard is for operators, not for every client.
 */
export const MAX_LIVE_STREAMS = 64;
/**
 * A queue's `completedLastMinute` falls as time passes with no event at all; one more snapshot
 * this long after the last change shows it settled (a due time, as the broker's own timers sleep
 * until one).
 */
const SETTLE_MS = 61_000;

/** The core's side of a feed. */
export type FeedBroker = Pick<Broker, 'onEveryTransition' | 'closingSignal' | 'listQueues'>;

/** Counts the live streams open, and refuses one past {@link MAX_LIVE_STREAMS}. */
export class LiveStreams {
  private open = 0;

  constructor(private readonly max = MAX_LIVE_STREAMS) {}

  /**
   * Counts one more stream; returns its uncount.
   * @throws ResourceExhaustedError past the limit (429)
   */
  enter(): () => void {
    if (this.open >= this.max) {
      throw new ResourceExhaustedError('TOO_MANY_WATCHERS', `the dashboard has ${this.open} live streams open, its limit; close a dashboard tab`);
    }
    this.open++;
    let left = false;
    return () => {
      if (!left) this.open--;
      left = true;
    };
  }
}

/**
 * Wakes the queues streams when a queue's settings change under the page's own actions (pause,
 * resume): those are no task transitions, so the core's commits do not tell of them.
 */
export class Nudges {
  private readonly listeners = new Set<() => void>();

  /** Calls `listener` on each {@link nudge}; returns the unsubscribe. */
  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Wakes every listener. */
  nudge(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * Streams the rows of tasks as they change (of one queue, with `queue`): first a `ready` event
 * (fetch the list after it, and no change is missed), then `tasks` events (`TaskRowJson[]` with
 * `version`, newest state of each task in the window) or a `reset`. Resolves when the client
 * goes away or the broker shuts down.
 */
export async function streamTaskChanges(broker: FeedBroker, stream: EventStream, queue: string | undefined): Promise<void> {
  // Rows, not records: a reader that stalls must not keep up to MAX_PENDING_ROWS tasks' args and
  // results alive, only what the list shows.
  const pending = new Map<string, TaskRowJson & { version: number }>();
  let overflowed = false;
  await runFeed(broker, stream, {
    start: () => stream.send('ready', {}),
    hear(task) {
      if (queue !== undefined && task.queue !== queue) return false;
      if (overflowed) return true;
      pending.set(task.id, { ...taskRowJson(task), version: task.version });
      if (pending.size > MAX_PENDING_ROWS) {
        overflowed = true;
        pending.clear();
      }
      return true;
    },
    async flush() {
      if (overflowed) {
        overflowed = false;
        await stream.send('reset', { reason: `more than ${MAX_PENDING_ROWS} tasks changed at once` });
        return;
      }
      const rows = [...pending.values()];
      pending.clear();
      await stream.send('tasks', rows);
    },
  });
}

/**
 * Streams every queue's state: one `queues` event (`QueueJson[]`) at once, then one after each
 * window in which a task changed or `nudges` woke it, and one more a minute after the last, for
 * the rate to settle. Pausing and resuming are no transitions: the page's own actions nudge it,
 * those made elsewhere (gRPC, the CLI) show with the next change. Resolves when the client goes away or the broker shuts down.
 */
export async function streamQueueChanges(broker: FeedBroker, stream: EventStream, nudges: Nudges): Promise<void> {
  let settle: NodeJS.Timeout | undefined;
  const snapshot = async (): Promise<void> => {
    if (broker.closingSignal.aborted) return;
    await stream.send('queues', (await broker.listQueues()).map(queueJson));
  };
  try {
    await runFeed(broker, stream, {
      start: snapshot,
      hear: () => true,
      nudges,
      async flush() {
        clearTimeout(settle);
        await snapshot();
        settle = setTimeout(() => void snapshot().catch(() => stream.end()), SETTLE_MS);
        settle.unref();
      },
    });
  } finally {
    clearTimeout(settle);
  }
}

/** What a feed does with the transitions it hears. */
interface FeedHandlers {
  /** Sends what the client needs first, once the feed listens (so that no change falls between). */
  start(): Promise<void>;
  /** Notes a transition; returns true if it is of interest (a flush is then due). Must be cheap. */
  hear(task: TaskRecord): boolean;
  /** Sends what was noted; resolves once the client can take more. */
  flush(): Promise<void>;
  /** Wake-ups that are no transition (a flush is then due). */
  nudges?: Nudges;
}

/**
 * Subscribes `handlers` to every transition and flushes one window after the first change heard,
 * never while the previous flush waits for the client; until the client goes or the broker closes.
 */
async function runFeed(broker: FeedBroker, stream: EventStream, handlers: FeedHandlers): Promise<void> {
  let due = false;
  let flushing = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = async (): Promise<void> => {
    timer = undefined;
    if (flushing || stream.isClosed) return;
    flushing = true;
    due = false;
    try {
      await handlers.flush();
    } catch {
      // Only a broker shutting down under the flush gets here: the stream ends, as it would anyway.
      stream.end();
    } finally {
      flushing = false;
    }
    // Changes heard while the client was catching up go out now, in a window of their own.
    if (due && !stream.isClosed) arm();
  };
  const arm = (): void => {
    timer ??= setTimeout(() => void flush(), FEED_WINDOW_MS);
  };
  const wake = (): void => {
    due = true;
    if (!flushing) arm();
  };
  const unsubscribe = broker.onEveryTransition((task) => {
    if (handlers.hear(task)) wake();
  });
  const unnudge = handlers.nudges?.on(wake);
  try {
    await handlers.start();
    const closing = broker.closingSignal;
    await new Promise<void>((resolve) => {
      if (closing.aborted || stream.isClosed) return resolve();
      // Removed with the stream: the broker's closing signal outlives every client.
      closing.addEventListener('abort', () => resolve(), { once: true, signal: stream.signal });
      stream.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    unsubscribe();
    unnudge?.();
    clearTimeout(timer);
    stream.end();
  }
}
