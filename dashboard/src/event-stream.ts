/**
 * Server-sent events read with `fetch` rather than `EventSource`: `EventSource` cannot send an
 * `Authorization` header, and a token in the URL would end up in logs and history. The broker
 * pushes every event as it happens; nothing here polls. A stream that breaks (the broker
 * restarted, a proxy cut it) is opened again after a pause that doubles up to 10 s; the view
 * then reloads what it shows, so no change is lost across the gap.
 */
import { ApiError, authHeaders, errorOf } from './api.js';

/** What a stream tells its view. */
export interface StreamHandlers {
  /** One event: its name and its JSON data. */
  onEvent(name: string, data: unknown): void;
  /** A refusal (401, 403, 404, …): the stream is not opened again (after a 429 or a 5xx, it is). */
  onRefused(error: ApiError): void;
  /** True once the view has all it needs (the stream ended on purpose): no reconnection then. */
  isDone?(): boolean;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/** Opens the event stream at `path`; returns its close. */
export function openEventStream(path: string, handlers: StreamHandlers): () => void {
  const abort = new AbortController();
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const connect = async (): Promise<void> => {
    try {
      const response = await fetch(path, { headers: { ...authHeaders(), accept: 'text/event-stream' }, signal: abort.signal });
      // 429 and 5xx pass (too many streams, a broker shutting down or restarting): try again.
      if (!response.ok && response.status !== 429 && response.status < 500) {
        handlers.onRefused(await errorOf(response));
        return;
      }
      if (!response.ok) throw await errorOf(response);
      retryMs = FIRST_RETRY_MS;
      await readEvents(response, handlers.onEvent);
    } catch {
      // A network failure, a passing refusal, or our own abort: decided below.
    }
    if (abort.signal.aborted || handlers.isDone?.()) return;
    retryTimer = setTimeout(() => void connect(), retryMs);
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
  };
  void connect();
  return () => {
    clearTimeout(retryTimer);
    abort.abort();
  };
}

/** Reads `event:`/`data:` blocks from the body until it ends. */
async function readEvents(response: Response, onEvent: (name: string, data: unknown) => void): Promise<void> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data !== '') onEvent(name, JSON.parse(data));
    }
  }
}
