/**
 * Request validation at the edge: protobuf requests in, validated domain inputs out. Every check
 * runs before anything is written, and every refusal names the field it is about
 * (`tasks[2].kwargs: must be a JSON object`), so a rejected request changes nothing.
 */
import { InvalidArgumentError, ResourceExhaustedError } from '../domain/errors.js';
import {
  DEFAULT_RETRY_BACKOFF,
  TASK_STATUSES,
  isFinalStatus,
  type Completion,
  type HeartbeatItem,
  type LeaseOptions,
  type NewTask,
  type ProgressItem,
  type RetryBackoff,
  type TaskError,
  type TaskOutcome,
  type TaskStatus,
  type TraceContext,
} from '../domain/task.js';
import { isListCursor, type ListCursor } from '../store/task-listing.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonNestsDeeperThan } from './json-depth.js';
import { normalizeName } from './names.js';
import { repeatedTaskBytesBound, utf8BytesAtMost } from './task-mapping.js';
import { scanJson, type JsonKind } from './json-scan.js';
import { isUtf8 } from 'node:buffer';
import type {
  CancelTaskRequest,
  CompleteRequest,
  EnqueueRequest,
  HeartbeatRequest,
  LeaseRequest,
  ListTasksRequest,
  ReportProgressRequest,
  TaskSpec,
  WorkStart,
} from '@qtasks/proto';

/** Limits the broker enforces on requests. */
export interface RequestLimits {
  /** Largest payload of one task (args + kwargs, or a result or traceback), in bytes. */
  maxPayloadBytes: number;
  /** Most items in one Enqueue, Heartbeat or Complete. */
  maxBatchSize: number;
  /** Largest gRPC message the broker sends; when set, an Enqueue whose reply could not fit is refused. */
  maxMessageBytes?: number;
  /** Deepest nesting of arrays and objects in any JSON field. @defaultValue {@link DEFAULT_MAX_JSON_DEPTH} */
  maxJsonDepth?: number;
}

/** Longest name (task, queue, worker, tag, key) in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;
/** Longest free text (a cancel reason, an error message, a metadata value) in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 4096;
const MAX_TAGS = 64;
const MAX_METADATA_ENTRIES = 64;
const MAX_RETRIES = 1000;
const MAX_LEASE_QUEUES = 100;
const MAX_LEASE_TASKS = 1000;
/** Most credit one Work request may grant (as many as one Enqueue may add). */
const MAX_WORK_CREDIT = 10_000;
const MAX_WAIT_MS = 300_000;
const DEFAULT_LEASE_MS = 30_000;
const MIN_LEASE_MS = 1000;
const MAX_LEASE_MS = 3_600_000;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const MAX_MULTIPLIER = 1000;
/** Latest accepted eta: the end of year 9999, the range of google.protobuf.Timestamp. */
const MAX_ETA_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const EMPTY_ARRAY_JSON = Buffer.from('[]');
const EMPTY_OBJECT_JSON = Buffer.from('{}');
const NULL_JSON = Buffer.from('null');
/**
 * `ignoreBOM`: a leading byte-order mark stays in the text, where JSON.parse refuses it. Without it
 * the decoder would drop the mark, the payload would pass, and the bytes stored with it would then
 * fail to parse in the workers of other languages (Python's `json.loads` and Go's `encoding/json`
 * refuse a BOM; RFC 8259 forbids sending one).
 */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Validates an EnqueueRequest. */
export function parseEnqueueRequest(request: EnqueueRequest, limits: RequestLimits): NewTask[] {
  checkBatch('tasks', request.tasks.length, limits);
  const tasks: NewTask[] = [];
  for (let i = 0; i < request.tasks.length; i++) {
    try {
      tasks.push(parseTaskSpec(request.tasks[i]!, limits));
    } catch (error) {
      throw underItem(error, 'tasks', i);
    }
  }
  checkEnqueueReplySize(tasks, limits);
  return tasks;
}

/**
 * `error`, a refusal of a field of item `i` of the repeated field `list`, named from the
 * request's root (`name` → `tasks[3].name`). The items of a batch are checked with their fields
 * named relative to the item, and the path is built only here, once one is refused: building
 * every field's path up front (`tasks[3].name`, `tasks[3].queue`, …) was a tenth of what an
 * Enqueue allocated in the broker per task.
 */
function underItem(error: unknown, list: string, i: number): unknown {
  const prefix = `${list}[${i}].`;
  if (error instanceof InvalidArgumentError) return new InvalidArgumentError(prefix + error.field, error.problem);
  if (error instanceof ResourceExhaustedError && error.field !== undefined) return new ResourceExhaustedError(error.reason, prefix + error.message, prefix + error.field);
  return error;
}

/**
 * The reply to an Enqueue echoes every task with what the broker adds (id, status, timestamps),
 * so it is larger than the request. A batch that only just fits in a request would be stored and
 * then its reply refused by the transport, and the producer, told RESOURCE_EXHAUSTED ("nothing was
 * changed"), would enqueue it a second time. Such a batch is refused before anything is stored.
 * (A task returned for an idempotency key already used may be larger than its spec; sending that
 * batch again is harmless: it returns the same tasks.)
 */
function checkEnqueueReplySize(tasks: readonly NewTask[], limits: RequestLimits): void {
  if (limits.maxMessageBytes === undefined) return;
  // A bound that reads no text first (three bytes per UTF-16 unit): far from the limit, as nearly
  // every batch is, that settles it; near it, the exact count decides.
  let bytes = 0;
  for (const task of tasks) bytes += repeatedTaskBytesBound(task, utf8BytesAtMost);
  if (bytes <= limits.maxMessageBytes) return;
  bytes = 0;
  for (const task of tasks) bytes += repeatedTaskBytesBound(task);
  if (bytes > limits.maxMessageBytes) {
    throw new ResourceExhaustedError(
      'BATCH_TOO_LARGE',
      `tasks: the reply to these ${tasks.length} tasks could take ${bytes} bytes, over the max message size of ${limits.maxMessageBytes} bytes; send fewer tasks per request`,
      'tasks',
    );
  }
}

/** A TaskSpec, its fields named relative to it (see {@link underItem}). */
function parseTaskSpec(spec: TaskSpec, limits: RequestLimits): NewTask {
  const name = checkName('name', spec.name);
  const queue = spec.queue === '' ? name : checkName('queue', spec.queue);
  const args = spec.args.length === 0 ? EMPTY_ARRAY_JSON : checkJson('args', spec.args, 'array', limits);
  const kwargs = spec.kwargs.length === 0 ? EMPTY_OBJECT_JSON : checkJson('kwargs', spec.kwargs, 'object', limits);
  checkPayloadSize('args', args.length + kwargs.length, limits, 'args and kwargs together are');
  checkRange('max_retries', spec.maxRetries, 0, MAX_RETRIES);
  checkRange('max_time_ms', spec.maxTimeMs, 0, 2 ** 31 - 1);
  checkRange('delay_ms', spec.delayMs, 0, 2 ** 31 - 1);
  if (spec.eta !== undefined && spec.delayMs !== 0) {
    throw new InvalidArgumentError('eta', 'set either eta or delay_ms, not both');
  }
  const task: NewTask = {
    name,
    queue,
    priority: spec.priority,
    args,
    kwargs,
    maxRetries: spec.maxRetries,
    backoff: spec.retryBackoff ? parseBackoff('retry_backoff', spec.retryBackoff) : { ...DEFAULT_RETRY_BACKOFF },
    maxTimeMs: spec.maxTimeMs,
    delayMs: spec.delayMs,
    tags: checkTags('tags', spec.tags),
    metadata: checkMetadata('metadata', spec.metadata),
  };
  if (spec.eta !== undefined) task.runAtMs = checkTimestamp('eta', spec.eta);
  if (spec.idempotencyKey !== '') task.idempotencyKey = checkName('idempotency_key', spec.idempotencyKey);
  if (spec.retentionMs !== undefined) {
    checkRange('retention_ms', spec.retentionMs, 0, 2 ** 31 - 1);
    task.retentionMs = spec.retentionMs;
  }
  if (spec.limitKey !== '') task.limitKey = checkName('limit_key', spec.limitKey);
  if (spec.traceContext !== undefined) {
    const traceContext = checkTraceContext('trace_context', spec.traceContext);
    if (traceContext) task.traceContext = traceContext;
  }
  return task;
}

/** A W3C `traceparent` of version 00: trace id, parent span id and flags, in lowercase hex. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** Longest `tracestate` kept (W3C allows 32 list members; 512 characters is what propagators send). */
const MAX_TRACESTATE_CHARS = 512;
/** `tracestate` is printable ASCII (W3C: keys and values are 0x20–0x7E; tabs are allowed as whitespace). */
const TRACESTATE_CHARS = /^[\t\x20-\x7e]*$/;

/**
 * A task's trace context: `traceparent` of the W3C format (or empty: no trace context at all),
 * `tracestate` of at most {@link MAX_TRACESTATE_CHARS} printable ASCII characters.
 *
 * @returns undefined when the message holds nothing
 * @throws InvalidArgumentError naming `path.traceparent` or `path.tracestate`
 */
function checkTraceContext(path: string, traceContext: { traceparent: string; tracestate: string }): TraceContext | undefined {
  const { traceparent, tracestate } = traceContext;
  if (traceparent === '') {
    if (tracestate !== '') throw new InvalidArgumentError(`${path}.tracestate`, 'needs a traceparent');
    return undefined;
  }
  const ids = TRACEPARENT.exec(traceparent);
  if (!ids || ids[1] === ZERO_TRACE_ID || ids[2] === ZERO_SPAN_ID) {
    throw new InvalidArgumentError(
      `${path}.traceparent`,
      `must be a W3C traceparent, 00-<32 lowercase hex>-<16 lowercase hex>-<2 lowercase hex> with non-zero ids, or empty; got ${JSON.stringify(traceparent.slice(0, 80))}`,
    );
  }
  if (tracestate.length > MAX_TRACESTATE_CHARS) {
    throw new InvalidArgumentError(`${path}.tracestate`, `must be at most ${MAX_TRACESTATE_CHARS} characters, got ${tracestate.length}`);
  }
  if (!TRACESTATE_CHARS.test(tracestate)) throw new InvalidArgumentError(`${path}.tracestate`, 'must be printable ASCII');
  return { traceparent, tracestate };
}

function parseBackoff(path: string, backoff: RetryBackoff): RetryBackoff {
  checkRange(`${path}.initial_ms`, backoff.initialMs, 0, 2 ** 31 - 1);
  checkRange(`${path}.max_ms`, backoff.maxMs, 0, 2 ** 31 - 1);
  const multiplier = backoff.multiplier === 0 ? DEFAULT_RETRY_BACKOFF.multiplier : backoff.multiplier;
  if (!Number.isFinite(multiplier) || multiplier < 1 || multiplier > MAX_MULTIPLIER) {
    throw new InvalidArgumentError(`${path}.multiplier`, `must be 0 (default 2) or between 1 and ${MAX_MULTIPLIER}, got ${backoff.multiplier}`);
  }
  return { initialMs: backoff.initialMs, multiplier, maxMs: backoff.maxMs };
}

/** Validates a LeaseRequest. */
export function parseLeaseRequest(request: LeaseRequest): { options: LeaseOptions; waitMs: number } {
  const worker = parseWorker('', request);
  checkRange('max_tasks', request.maxTasks, 0, MAX_LEASE_TASKS);
  checkRange('wait_ms', request.waitMs, 0, MAX_WAIT_MS);
  return { options: { ...worker, maxTasks: request.maxTasks || 1 }, waitMs: request.waitMs };
}

/** Validates the `start` message of a Work stream: who leases, from which queues, for how long. */
export function parseWorkStart(start: WorkStart | undefined): Omit<LeaseOptions, 'maxTasks'> {
  if (!start) throw new InvalidArgumentError('start', 'the first message of a Work stream must be start, and only the first');
  return parseWorker('start.', start);
}

/** Validates the credit a Work request grants: 0 to {@link MAX_WORK_CREDIT}. */
export function checkWorkCredit(credit: number): number {
  checkRange('credit', credit, 0, MAX_WORK_CREDIT);
  return credit;
}

/** The worker, queues and lease length shared by Lease and Work's `start`, their fields under `prefix`. */
function parseWorker(
  prefix: string,
  request: Pick<LeaseRequest, 'workerId' | 'queues' | 'leaseMs'>,
): Omit<LeaseOptions, 'maxTasks'> {
  const workerId = checkName(`${prefix}worker_id`, request.workerId);
  if (request.queues.length === 0) throw new InvalidArgumentError(`${prefix}queues`, 'must name at least one queue');
  if (request.queues.length > MAX_LEASE_QUEUES) {
    throw new InvalidArgumentError(`${prefix}queues`, `at most ${MAX_LEASE_QUEUES} queues, got ${request.queues.length}`);
  }
  const queues = [...new Set(request.queues.map((queue, i) => checkName(`${prefix}queues[${i}]`, queue)))];
  if (request.leaseMs !== 0) checkRange(`${prefix}lease_ms`, request.leaseMs, MIN_LEASE_MS, MAX_LEASE_MS);
  return { workerId, queues, leaseMs: request.leaseMs || DEFAULT_LEASE_MS };
}

/** Validates a HeartbeatRequest. */
export function parseHeartbeatRequest(
  request: HeartbeatRequest,
  limits: RequestLimits,
): { items: HeartbeatItem[]; extendMs: number } {
  checkBatch('items', request.items.length, limits);
  if (request.extendMs !== 0) checkRange('extend_ms', request.extendMs, MIN_LEASE_MS, MAX_LEASE_MS);
  const items: HeartbeatItem[] = [];
  for (let i = 0; i < request.items.length; i++) {
    const item = request.items[i]!;
    try {
      items.push({ taskId: checkTaskId('task_id', item.taskId), leaseToken: checkName('lease_token', item.leaseToken) });
    } catch (error) {
      throw underItem(error, 'items', i);
    }
  }
  return { items, extendMs: request.extendMs };
}

/** Validates a CompleteRequest. */
export function parseCompleteRequest(request: CompleteRequest, limits: RequestLimits): Completion[] {
  checkBatch('completions', request.completions.length, limits);
  const completions: Completion[] = [];
  for (let i = 0; i < request.completions.length; i++) {
    const completion = request.completions[i]!;
    try {
      completions.push({
        taskId: checkTaskId('task_id', completion.taskId),
        leaseToken: checkName('lease_token', completion.leaseToken),
        outcome: parseOutcome(completion.outcome, limits),
      });
    } catch (error) {
      throw underItem(error, 'completions', i);
    }
  }
  return completions;
}

/** A completion's outcome, its fields named relative to the completion (see {@link underItem}). */
function parseOutcome(outcome: CompleteRequest['completions'][number]['outcome'], limits: RequestLimits): TaskOutcome {
  switch (outcome?.$case) {
    case 'success': {
      const raw = outcome.value.result;
      const result = raw.length === 0 ? NULL_JSON : checkJson('success.result', raw, 'any', limits);
      checkPayloadSize('success.result', result.length, limits, 'the result is');
      return { kind: 'success', result };
    }
    case 'failure': {
      const error = outcome.value.error;
      if (!error) throw new InvalidArgumentError('failure.error', 'is required');
      return { kind: 'failure', error: parseTaskError('failure.error', error, limits), retryable: outcome.value.retryable };
    }
    case 'cancelled':
      return { kind: 'cancelled', reason: checkText('cancelled.reason', outcome.value.reason) };
    case 'released':
      return { kind: 'released' };
    default:
      throw new InvalidArgumentError('outcome', 'is required: set success, failure, cancelled or released');
  }
}

/** Validates a ReportProgressRequest. */
export function parseReportProgressRequest(request: ReportProgressRequest, limits: RequestLimits): ProgressItem[] {
  checkBatch('items', request.items.length, limits);
  const items: ProgressItem[] = [];
  for (let i = 0; i < request.items.length; i++) {
    const item = request.items[i]!;
    try {
      if (item.progress.length === 0) throw new InvalidArgumentError('progress', 'must not be empty');
      const progress = checkJson('progress', item.progress, 'any', limits);
      checkPayloadSize('progress', progress.length, limits, 'the progress is');
      items.push({ taskId: checkTaskId('task_id', item.taskId), leaseToken: checkName('lease_token', item.leaseToken), progress });
    } catch (error) {
      throw underItem(error, 'items', i);
    }
  }
  return items;
}

function parseTaskError(path: string, error: TaskError, limits: RequestLimits): TaskError {
  const type = checkName(`${path}.type`, error.type);
  const message = checkText(`${path}.message`, error.message, limits.maxPayloadBytes);
  const traceback = checkText(`${path}.traceback`, error.traceback, limits.maxPayloadBytes);
  return { type, message, traceback };
}

/** Validates a task id (GetTask, WatchResult, CancelTask). */
export function checkTaskId(field: string, taskId: string): string {
  if (taskId === '') throw new InvalidArgumentError(field, 'must not be empty');
  if (Buffer.byteLength(taskId) > MAX_NAME_BYTES) throw new InvalidArgumentError(field, `must be at most ${MAX_NAME_BYTES} bytes`);
  return taskId;
}

/** Validates a CancelTaskRequest. */
export function parseCancelRequest(request: CancelTaskRequest): { taskId: string; reason: string } {
  return { taskId: checkTaskId('task_id', request.taskId), reason: checkText('reason', request.reason) };
}

/** Validates a ListTasksRequest. */
export function parseListRequest(request: ListTasksRequest): {
  queue?: string;
  status?: TaskStatus;
  limit: number;
  after?: ListCursor;
  finishedAfterMs?: number;
} {
  const filter: { queue?: string; status?: TaskStatus; limit: number; after?: ListCursor; finishedAfterMs?: number } = {
    limit: request.pageSize || DEFAULT_PAGE_SIZE,
  };
  checkRange('page_size', request.pageSize, 0, MAX_PAGE_SIZE);
  if (request.queue !== '') filter.queue = checkName('queue', request.queue);
  if (request.status !== 0) {
    const status = TASK_STATUSES[request.status - 1];
    if (!status) throw new InvalidArgumentError('status', `unknown TaskStatus value ${request.status}`);
    filter.status = status;
  }
  if (request.pageToken !== '') filter.after = decodePageToken(request.pageToken);
  if (request.finishedAfter !== undefined) {
    if (filter.status === undefined || !isFinalStatus(filter.status)) {
      throw new InvalidArgumentError('finished_after', 'needs a status filter of SUCCESS, ERROR or CANCEL (only ended tasks have an end time)');
    }
    filter.finishedAfterMs = checkTimestamp('finished_after', request.finishedAfter);
  }
  return filter;
}

/** The page token handed to clients: the cursor, as base64url JSON. */
export function encodePageToken(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodePageToken(token: string): ListCursor {
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    cursor = undefined;
  }
  const isName = (part: unknown): boolean => typeof part === 'string' && part !== '' && Buffer.byteLength(part) <= MAX_NAME_BYTES;
  if (!isListCursor(cursor, isName)) throw new InvalidArgumentError('page_token', 'is not a token returned by ListTasks');
  return cursor;
}

function checkBatch(field: string, size: number, limits: RequestLimits): void {
  if (size === 0) throw new InvalidArgumentError(field, 'must hold at least one item');
  if (size > limits.maxBatchSize) {
    throw new ResourceExhaustedError('BATCH_TOO_LARGE', `${field}: ${size} items is over the limit of ${limits.maxBatchSize} per request`, field);
  }
}

/**
 * Names: non-empty, no control characters (C0 cannot be part of an LMDB key; C1, like NEL, breaks
 * lines in logs), no invisible or bidi control characters, normalized to NFC (`names.ts`), and at
 * most 255 bytes once normalized.
 * Invalid UTF-8 never gets here: `request-decoding.ts` refuses it from the raw bytes (U+FFFD sent
 * as valid UTF-8 is an ordinary character, so it is not refused here).
 */
/**
 * A name (queue, task name, key…), NFC-normalized, checked for length and for characters that
 * cannot be told apart or stored.
 *
 * @throws InvalidArgumentError naming `field`
 */
export function checkName(field: string, value: string): string {
  if (value === '') throw new InvalidArgumentError(field, 'must not be empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) throw new InvalidArgumentError(field, 'must not contain control characters');
  // A bound before normalizing, so that a huge string is refused without being normalized: NFC
  // shrinks UTF-8 at most threefold (three Hangul jamo, 9 bytes, become one 3-byte syllable).
  checkNameBytes(field, value, 4 * MAX_NAME_BYTES);
  return checkNameBytes(field, normalizeName(field, value), MAX_NAME_BYTES);
}

function checkNameBytes(field: string, value: string, limit: number): string {
  const bytes = Buffer.byteLength(value);
  if (bytes > limit) throw new InvalidArgumentError(field, `must be at most ${MAX_NAME_BYTES} bytes, got ${bytes}`);
  return value;
}

function checkText(field: string, value: string, maxBytes = MAX_TEXT_BYTES): string {
  const bytes = Buffer.byteLength(value);
  if (bytes > maxBytes) throw new InvalidArgumentError(field, `must be at most ${maxBytes} bytes, got ${bytes}`);
  return value;
}

/** @throws InvalidArgumentError naming `field` unless `min` ≤ `value` ≤ `max` */
export function checkRange(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `must be between ${min} and ${max}, got ${value}`);
  }
}

function checkPayloadSize(field: string, bytes: number, limits: RequestLimits, what: string): void {
  if (bytes > limits.maxPayloadBytes) {
    throw new ResourceExhaustedError('PAYLOAD_TOO_LARGE', `${field}: ${what} ${bytes} bytes, over the limit of ${limits.maxPayloadBytes} bytes`, field);
  }
}

/**
 * Checks that bytes are UTF-8 JSON of the expected shape, nested no deeper than the limit; returns
 * them unchanged (as a Buffer). The depth is scanned first: a refusal then costs no parse.
 */
function checkJson(field: string, bytes: Uint8Array, shape: 'array' | 'object' | 'any', limits: RequestLimits): Buffer {
  const maxDepth = limits.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  // Scanned, not parsed: the value is never used here (`json-scan.ts`), and the one pass also
  // measures the nesting. A refused payload is checked again in the order the checks have always
  // run (depth, UTF-8, syntax), so that its refusal names the same problem.
  const scanned = scanJson(bytes, maxDepth);
  if (scanned === 'too-deep' || (scanned === undefined && jsonNestsDeeperThan(bytes, maxDepth))) {
    throw new InvalidArgumentError(field, `nests arrays and objects more than ${maxDepth} levels deep (the broker's --max-json-depth), which workers' JSON decoders may refuse`);
  }
  if (!isUtf8(bytes)) throw new InvalidArgumentError(field, 'is not valid UTF-8');
  const kind = scanned ?? kindOfParsed(field, bytes);
  if (shape === 'array' && kind !== 'array') throw new InvalidArgumentError(field, 'must be a JSON array');
  if (shape === 'object' && kind !== 'object') throw new InvalidArgumentError(field, 'must be a JSON object');
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
}

/**
 * The kind of a payload the scanner refused, by `JSON.parse`: its refusal says where the text goes
 * wrong, and the client reads that message. (Were the parse ever to accept what the scanner
 * refused, the parse would be right: `json-scan.test.ts` compares the two.)
 */
function kindOfParsed(field: string, bytes: Uint8Array): JsonKind {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch (error) {
    throw new InvalidArgumentError(field, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'scalar';
}

function checkTimestamp(field: string, date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_ETA_MS) {
    throw new InvalidArgumentError(field, 'must be between 1970-01-01 and 9999-12-31');
  }
  return Math.floor(ms);
}

function checkTags(field: string, tags: string[]): string[] {
  if (tags.length > MAX_TAGS) throw new InvalidArgumentError(field, `at most ${MAX_TAGS} tags, got ${tags.length}`);
  // Most tasks have none: the request's own empty array, not a copy.
  return tags.length === 0 ? tags : tags.map((tag, i) => checkName(`${field}[${i}]`, tag));
}

function checkMetadata(field: string, metadata: Record<string, string>): Record<string, string> {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return metadata; // the request's own empty object, as for tags
  if (entries.length > MAX_METADATA_ENTRIES) {
    throw new InvalidArgumentError(field, `at most ${MAX_METADATA_ENTRIES} entries, got ${entries.length}`);
  }
  const normalized = new Map<string, string>();
  for (const [key, value] of entries) {
    const name = checkName(`${field}[${JSON.stringify(key)}]`, key);
    // Two keys that differ only by normalization would silently overwrite one another.
    if (normalized.has(name)) throw new InvalidArgumentError(`${field}[${JSON.stringify(key)}]`, 'is the same key as another once normalized to NFC');
    normalized.set(name, checkText(`${field}[${JSON.stringify(key)}]`, value));
  }
  // fromEntries defines own properties, where assignment would hit the __proto__ setter.
  return Object.fromEntries(normalized);
}
