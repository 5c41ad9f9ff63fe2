/**
 * Bad input, RPC by RPC, against the real broker process: missing and empty fields, wrong types
 * inside the JSON payloads, invalid UTF-8 (in payloads, and in string fields sent as raw bytes),
 * bytes that are no protobuf message, huge and negative numbers, unknown enum values, over-long
 * names, batches and messages over the limits, clients that vanish in the middle of a call, and a
 * flood of WatchResult streams that are never read.
 *
 * Each refusal carries the right status code and a message starting with the field's path, and the
 * broker's state is read back unchanged after it (every task, field by field, with ListTasks); at
 * the end the broker is stopped and `qtasks-broker --check` must find its data directory
 * consistent. `validation.test.ts` holds the first cases of this kind; these extend it.
 */
import { LEASES_OUTLIVE_BROKER } from '../helpers/test-store.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CancelTaskRequest,
  CompleteRequest,
  CompleteResponse,
  EnqueueRequest,
  EnqueueResponse,
  GetTaskRequest,
  HeartbeatRequest,
  LeaseRequest,
  ListTasksRequest,
  ProduceRequest,
  ProduceResponse,
  ReportProgressRequest,
  Task,
  TaskStatus,
  WatchResultRequest,
  WorkRequest,
  type DeepPartial,
  type LeasedTask,
  type MessageFns,
} from '@qtasks/proto';
import { ClientError, Status } from 'nice-grpc';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { brokerStats, checkStoreOf, median, residentKiB, timed } from '../helpers/broker-inspect.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { INVALID_UTF8_MARK, RawBrokerClient, withInvalidUtf8, type BrokerMethod } from '../helpers/raw-grpc.js';
import { json, listAllTasks, spec, uniqueQueue, workerId } from '../helpers/tasks.js';

const MAX_PAYLOAD = 4096;
const MAX_BATCH = 50;
const MAX_MESSAGE = 64 * 1024;
const LONG_LEASE_MS = 3_600_000;

let broker: BrokerProcess;
let raw: RawBrokerClient;
/** Every task id the broker acknowledged in this file: what `--check` must count at the end. */
const acknowledged = new Set<string>();

/** The seeded tasks every refusal below must leave alone: one NEW, one PROCESS, one SUCCESS. */
let fresh: Task;
let running: LeasedTask;
let finished: Task;
let seedQueue: string;

beforeAll(async () => {
  broker = await startBrokerProcess({
    args: ['--max-payload-bytes', String(MAX_PAYLOAD), '--max-batch-size', String(MAX_BATCH), '--max-message-bytes', String(MAX_MESSAGE)],
  });
  raw = new RawBrokerClient(broker.address);
  seedQueue = uniqueQueue('seed');
  const created = (await broker.client.enqueue({ tasks: [spec(seedQueue, { priority: 1 }), spec(seedQueue), spec(seedQueue)] })).tasks;
  created.forEach((task) => acknowledged.add(task.id));
  const leased = (await broker.client.lease({ workerId: workerId(), queues: [seedQueue], maxTasks: 2, leaseMs: LONG_LEASE_MS })).tasks;
  running = leased[0]!;
  const done = leased[1]!;
  finished = (await broker.client.complete({ completions: [{ taskId: done.task!.id, leaseToken: done.leaseToken, outcome: { $case: 'success', value: { result: json(7) } } }] })).results[0]!.task!;
  fresh = (await broker.client.getTask({ taskId: created[0]!.id })).task!;
  expect(fresh.status).toBe(TaskStatus.TASK_STATUS_NEW);
  expect(running!.task!.status).toBe(TaskStatus.TASK_STATUS_PROCESS);
  expect(finished.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
});

afterAll(async () => {
  raw?.close();
  await broker?.dispose();
});

/** A good item for the PROCESS seed task: put first in a batch, it must not be applied when a later item is bad. */
const goodHeartbeat = () => ({ taskId: running.task!.id, leaseToken: running.leaseToken });
const goodCompletion = () => ({ ...goodHeartbeat(), outcome: { $case: 'success' as const, value: { result: json('done') } } });
const goodProgress = () => ({ ...goodHeartbeat(), progress: json({ step: 1 }) });

/** Escapes a field path for a RegExp. */
function field(path: string): string {
  return path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `call` must fail with `code` and a message matching `message`, and leave every task as it was. */
async function expectRefused(call: () => Promise<unknown>, code: Status, message: RegExp): Promise<void> {
  const before = await listAllTasks(broker.client);
  const outcome = await call().then(
    (reply) => ({ reply }),
    (error: unknown) => ({ error }),
  );
  expect('error' in outcome, `expected ${Status[code]}, got a reply: ${JSON.stringify('reply' in outcome ? outcome.reply : undefined)?.slice(0, 300)}`).toBe(true);
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(ClientError);
  expect({ code: Status[(error as ClientError).code], details: (error as ClientError).details }).toEqual({ code: Status[code], details: expect.stringMatching(message) });
  expect(await listAllTasks(broker.client)).toEqual(before);
}

/** A raw call must fail with `code` and a message matching `message`, and leave every task as it was. */
async function expectRawRefused(method: BrokerMethod, bytes: Uint8Array, code: Status, message: RegExp): Promise<void> {
  const before = await listAllTasks(broker.client);
  const reply = method === 'WatchResult' ? await raw.watchToEnd(bytes).then((r) => ({ ok: r.code === 0, ...r })) : await raw.unary(method, bytes);
  expect(reply.ok, `expected ${Status[code]}`).toBe(false);
  const failed = reply as { code: number; details: string };
  expect({ code: Status[failed.code], details: failed.details }).toEqual({ code: Status[code], details: expect.stringMatching(message) });
  expect(await listAllTasks(broker.client)).toEqual(before);
}

const longName = 'n'.repeat(256);
/** 128 characters, 256 bytes: limits count UTF-8 bytes, not characters. */
const longWideName = 'é'.repeat(128);
const bytesOf = (...values: number[]) => Buffer.from(values);

describe('Enqueue', () => {
  type Case = [string, DeepPartial<EnqueueRequest['tasks'][number]>, Status, RegExp];
  const q = uniqueQueue('enqueue');
  const cases: Case[] = [
    ['a name of 256 bytes in 128 characters', { name: longWideName }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.name: must be at most 255 bytes, got 256$/],
    ['an over-long queue', { name: 'a', queue: longName }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.queue: must be at most 255 bytes/],
    ['a NUL in the name', { name: 'a\u0000b' }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.name: must not contain control characters$/],
    ['a DEL in the idempotency key', { name: 'a', idempotencyKey: 'k\u007f' }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.idempotency_key: must not contain control characters$/],
    ['65 tags', { name: 'a', tags: Array.from({ length: 65 }, (_, i) => `t${i}`) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.tags: at most 64 tags, got 65$/],
    ['an over-long tag', { name: 'a', tags: ['ok', longName] }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.tags\[1\]: must be at most 255 bytes/],
    ['65 metadata entries', { name: 'a', metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.metadata: at most 64 entries, got 65$/],
    ['an empty metadata key', { name: 'a', metadata: { '': 'v' } }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.metadata\[""\]: must not be empty$/],
    ['a metadata key with a newline', { name: 'a', metadata: { 'a\nb': 'v' } }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.metadata\["a\\nb"\]: must not contain control characters$/],
    ['a metadata value of 4097 bytes', { name: 'a', metadata: { k: 'v'.repeat(4097) } }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.metadata\["k"\]: must be at most 4096 bytes, got 4097$/],
    ['args that are a JSON string holding an array (encoded twice)', { name: 'a', args: json(JSON.stringify([1, 2])) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.args: must be a JSON array$/],
    ['args that are a number', { name: 'a', args: json(42) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.args: must be a JSON array$/],
    ['args that are null', { name: 'a', args: json(null) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.args: must be a JSON array$/],
    ['kwargs that are a JSON string', { name: 'a', kwargs: json('{}') }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.kwargs: must be a JSON object$/],
    ['kwargs that are true', { name: 'a', kwargs: json(true) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.kwargs: must be a JSON object$/],
    ['args behind a byte-order mark', { name: 'a', args: Buffer.from('\ufeff[1]') }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.args: is not valid JSON/],
    ['kwargs behind a byte-order mark', { name: 'a', kwargs: Buffer.from('\ufeff{}') }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.kwargs: is not valid JSON/],
    ['args with trailing garbage', { name: 'a', args: Buffer.from('[1] [2]') }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.args: is not valid JSON/],
    ['args with NaN (Python json.dumps allows it)', { name: 'a', args: Buffer.from('[NaN]') }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.args: is not valid JSON/],
    ['args of whitespace only', { name: 'a', args: Buffer.from(' ') }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.args: is not valid JSON/],
    ['args with an overlong UTF-8 encoding', { name: 'a', args: bytesOf(0x5b, 0x22, 0xc0, 0xaf, 0x22, 0x5d) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.args: is not valid UTF-8$/],
    ['kwargs with a UTF-16 surrogate in UTF-8', { name: 'a', kwargs: bytesOf(0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.kwargs: is not valid UTF-8$/],
    ['kwargs cut in the middle of a character', { name: 'a', kwargs: bytesOf(0x7b, 0x22, 0xe2, 0x82) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.kwargs: is not valid UTF-8$/],
    ['args and kwargs each under the payload limit, together over it', { name: 'a', args: json(['a'.repeat(2100)]), kwargs: json({ k: 'b'.repeat(2100) }) }, Status.RESOURCE_EXHAUSTED, /^tasks\[1\]\.args: args and kwargs together are \d+ bytes, over the limit of 4096 bytes$/],
    ['a backoff multiplier of NaN', { name: 'a', retryBackoff: { multiplier: NaN } }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.retry_backoff\.multiplier: must be 0 \(default 2\) or between 1 and 1000, got NaN$/],
    ['a backoff multiplier of Infinity', { name: 'a', retryBackoff: { multiplier: Infinity } }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.retry_backoff\.multiplier: .* got Infinity$/],
    ['a negative backoff multiplier', { name: 'a', retryBackoff: { multiplier: -2 } }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.retry_backoff\.multiplier: .* got -2$/],
    ['a backoff multiplier of 1e308', { name: 'a', retryBackoff: { multiplier: 1e308 } }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.retry_backoff\.multiplier: .* got 1e\+308$/],
    ['a negative backoff max_ms', { name: 'a', retryBackoff: { maxMs: -1 } }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.retry_backoff\.max_ms: must be between 0 and 2147483647, got -1$/],
    ['the most negative delay_ms', { name: 'a', delayMs: -(2 ** 31) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.delay_ms: must be between 0 and 2147483647, got -2147483648$/],
    ['the most negative max_time_ms', { name: 'a', maxTimeMs: -(2 ** 31) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.max_time_ms: must be between 0 and 2147483647, got -2147483648$/],
    ['max_retries of 1001', { name: 'a', maxRetries: 1001 }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.max_retries: must be between 0 and 1000, got 1001$/],
    ['an eta in the year 10000', { name: 'a', eta: new Date(Date.UTC(10000, 0, 1)) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.eta: must be between 1970-01-01 and 9999-12-31$/],
    ['an eta before 1970', { name: 'a', eta: new Date(-1000) }, Status.INVALID_ARGUMENT, /^tasks\[1\]\.eta: must be between 1970-01-01 and 9999-12-31$/],
  ];

  test.each(cases)('refuses %s (after a good task) and stores neither', async (_label, bad, code, message) => {
    await expectRefused(() => broker.client.enqueue({ tasks: [spec(q), bad] }), code, message);
  });

  test('refuses a batch whose 50th task is bad, storing none of the 49 good ones', async () => {
    const tasks = [...Array.from({ length: 49 }, () => spec(q)), spec(q, { name: '' })];
    await expectRefused(() => broker.client.enqueue({ tasks }), Status.INVALID_ARGUMENT, /^tasks\[49\]\.name: must not be empty$/);
  });

  test('refuses an eta whose seconds are beyond any date (a raw int64)', async () => {
    // TaskSpec{name: "a", eta: Timestamp{seconds: 2^62}}, written by hand: valid protobuf, but no date.
    const eta = Buffer.concat([bytesOf(0x08), encodeVarint(2n ** 62n)]);
    const taskSpec = Buffer.concat([bytesOf(0x0a, 1), Buffer.from('a'), bytesOf(0x4a, eta.length), eta]);
    const request = Buffer.concat([bytesOf(0x0a, taskSpec.length), taskSpec]);
    await expectRawRefused('Enqueue', request, Status.INVALID_ARGUMENT, /^tasks\[0\]\.eta: must be between 1970-01-01 and 9999-12-31$/);
  });

  test('takes U+FFFD sent as valid UTF-8 as the character it is', async () => {
    const [task] = (await broker.client.enqueue({ tasks: [spec(q, { name: 'caf\ufffd', tags: ['\ufffd'], metadata: { k: '\ufffd' } })] })).tasks;
    acknowledged.add(task!.id);
    expect((await broker.client.getTask({ taskId: task!.id })).task).toMatchObject({ name: 'caf\ufffd', tags: ['\ufffd'], metadata: { k: '\ufffd' } });
  });
});

describe('GetTask, WatchResult, CancelTask', () => {
  const watch = (taskId: string) => async () => {
    for await (const _ of broker.client.watchResult({ taskId })) void _;
  };

  test.each([
    ['GetTask', (taskId: string) => () => broker.client.getTask({ taskId })],
    ['WatchResult', watch],
    ['CancelTask', (taskId: string) => () => broker.client.cancelTask({ taskId })],
  ] as const)('%s refuses an over-long task_id and answers NOT_FOUND for an unknown one', async (_rpc, call) => {
    await expectRefused(call(longWideName), Status.INVALID_ARGUMENT, /^task_id: must be at most 255 bytes$/);
    await expectRefused(call('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'), Status.NOT_FOUND, /^task 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b not found$/);
  });

  test('CancelTask refuses a reason of 4097 bytes, and a finished task, changing nothing', async () => {
    await expectRefused(() => broker.client.cancelTask({ taskId: fresh.id, reason: 'r'.repeat(4097) }), Status.INVALID_ARGUMENT, /^reason: must be at most 4096 bytes, got 4097$/);
    await expectRefused(() => broker.client.cancelTask({ taskId: finished.id, reason: 'late' }), Status.FAILED_PRECONDITION, /already ended in success/);
  });
});

describe('ListTasks', () => {
  const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  test.each([
    ['a negative page_size', { pageSize: -1 }, /^page_size: must be between 0 and 1000, got -1$/],
    ['a page_size of 1001', { pageSize: 1001 }, /^page_size: must be between 0 and 1000, got 1001$/],
    ['the status just past the last one', { status: 7 }, /^status: unknown TaskStatus value 7$/],
    ['a negative status', { status: -1 }, /^status: unknown TaskStatus value -1$/],
    ['the largest status', { status: 2 ** 31 - 1 }, /^status: unknown TaskStatus value 2147483647$/],
    ['an over-long queue', { queue: longName }, /^queue: must be at most 255 bytes/],
    ['a queue with a tab', { queue: 'a\tb' }, /^queue: must not contain control characters$/],
    ['a page_token holding a JSON object', { pageToken: token({ after: 'x' }) }, /^page_token: is not a token returned by ListTasks$/],
    ['a page_token of four parts', { pageToken: token([1, 'q', 'id', 4]) }, /^page_token: is not a token returned by ListTasks$/],
    ['a page_token with a nested array', { pageToken: token([[1]]) }, /^page_token: is not a token returned by ListTasks$/],
    ['an empty page_token array', { pageToken: token([]) }, /^page_token: is not a token returned by ListTasks$/],
    ['a page_token of 10 KB of noise', { pageToken: 'A'.repeat(10_000) }, /^page_token: is not a token returned by ListTasks$/],
  ] as Array<[string, DeepPartial<ListTasksRequest>, RegExp]>)('refuses %s', async (_label, request, message) => {
    await expectRefused(() => broker.client.listTasks(request), Status.INVALID_ARGUMENT, message);
  });
});

describe('Lease', () => {
  const base = () => ({ workerId: workerId(), queues: [seedQueue], leaseMs: LONG_LEASE_MS });
  test.each([
    ['an over-long worker_id', { workerId: longWideName }, /^worker_id: must be at most 255 bytes, got 256$/],
    ['a worker_id with a newline', { workerId: 'w\n1' }, /^worker_id: must not contain control characters$/],
    ['101 queues', { queues: Array.from({ length: 101 }, (_, i) => `q${i}`) }, /^queues: at most 100 queues, got 101$/],
    ['an over-long queue', { queues: ['ok', longName] }, /^queues\[1\]: must be at most 255 bytes/],
    ['a NUL in a queue', { queues: ['ok', 'ok2', 'a\u0000'] }, /^queues\[2\]: must not contain control characters$/],
    ['max_tasks of 1001', { maxTasks: 1001 }, /^max_tasks: must be between 0 and 1000, got 1001$/],
    ['the most negative max_tasks', { maxTasks: -(2 ** 31) }, /^max_tasks: must be between 0 and 1000, got -2147483648$/],
    ['a negative wait_ms', { waitMs: -1 }, /^wait_ms: must be between 0 and 300000, got -1$/],
    ['a lease_ms of 3600001', { leaseMs: 3_600_001 }, /^lease_ms: must be between 1000 and 3600000, got 3600001$/],
    ['a negative lease_ms', { leaseMs: -1 }, /^lease_ms: must be between 1000 and 3600000, got -1$/],
  ] as Array<[string, DeepPartial<LeaseRequest>, RegExp]>)('refuses %s and leases nothing', async (_label, bad, message) => {
    // The seeded NEW task is ready in the queue asked for: a lease that got through would take it.
    await expectRefused(() => broker.client.lease({ ...base(), ...bad }), Status.INVALID_ARGUMENT, message);
  });
});

describe('Heartbeat, Complete, ReportProgress', () => {
  test.each([
    ['a missing task_id', () => ({ items: [goodHeartbeat(), { leaseToken: 'x' }] }), Status.INVALID_ARGUMENT, /^items\[1\]\.task_id: must not be empty$/],
    ['an over-long task_id', () => ({ items: [goodHeartbeat(), { taskId: longName, leaseToken: 'x' }] }), Status.INVALID_ARGUMENT, /^items\[1\]\.task_id: must be at most 255 bytes$/],
    ['an over-long lease_token', () => ({ items: [goodHeartbeat(), { taskId: 't', leaseToken: longName }] }), Status.INVALID_ARGUMENT, /^items\[1\]\.lease_token: must be at most 255 bytes/],
    ['an extend_ms of 999', () => ({ items: [goodHeartbeat()], extendMs: 999 }), Status.INVALID_ARGUMENT, /^extend_ms: must be between 1000 and 3600000, got 999$/],
    ['an extend_ms of 3600001', () => ({ items: [goodHeartbeat()], extendMs: 3_600_001 }), Status.INVALID_ARGUMENT, /^extend_ms: must be between 1000 and 3600000, got 3600001$/],
    ['the most negative extend_ms', () => ({ items: [goodHeartbeat()], extendMs: -(2 ** 31) }), Status.INVALID_ARGUMENT, /^extend_ms: .* got -2147483648$/],
    ['51 items', () => ({ items: Array.from({ length: 51 }, goodHeartbeat) }), Status.RESOURCE_EXHAUSTED, /^items: 51 items is over the limit of 50 per request$/],
  ] as Array<[string, () => DeepPartial<HeartbeatRequest>, Status, RegExp]>)('Heartbeat refuses %s', async (_label, request, code, message) => {
    await expectRefused(() => broker.client.heartbeat(request()), code, message);
  });

  const outcome = <C extends 'success' | 'failure' | 'cancelled'>($case: C, value: object) => ({ ...goodHeartbeat(), outcome: { $case, value } });
  test.each([
    ['a missing lease_token', () => ({ taskId: running.task!.id, outcome: { $case: 'released', value: {} } }), Status.INVALID_ARGUMENT, /^completions\[1\]\.lease_token: must not be empty$/],
    ['an over-long task_id', () => ({ ...goodCompletion(), taskId: longWideName }), Status.INVALID_ARGUMENT, /^completions\[1\]\.task_id: must be at most 255 bytes$/],
    ['an over-long error type', () => outcome('failure', { error: { type: longName } }), Status.INVALID_ARGUMENT, /^completions\[1\]\.failure\.error\.type: must be at most 255 bytes/],
    ['an error type with a newline', () => outcome('failure', { error: { type: 'Value\nError' } }), Status.INVALID_ARGUMENT, /^completions\[1\]\.failure\.error\.type: must not contain control characters$/],
    ['an error message over the payload limit', () => outcome('failure', { error: { type: 'E', message: 'm'.repeat(MAX_PAYLOAD + 1) } }), Status.INVALID_ARGUMENT, /^completions\[1\]\.failure\.error\.message: must be at most 4096 bytes, got 4097$/],
    ['a traceback over the payload limit', () => outcome('failure', { error: { type: 'E', traceback: 't'.repeat(MAX_PAYLOAD + 1) } }), Status.INVALID_ARGUMENT, /^completions\[1\]\.failure\.error\.traceback: must be at most 4096 bytes, got 4097$/],
    ['a cancel reason of 4097 bytes', () => outcome('cancelled', { reason: 'r'.repeat(4097) }), Status.INVALID_ARGUMENT, /^completions\[1\]\.cancelled\.reason: must be at most 4096 bytes, got 4097$/],
    ['a result behind a byte-order mark', () => outcome('success', { result: Buffer.from('\ufeff1') }), Status.INVALID_ARGUMENT, /^completions\[1\]\.success\.result: is not valid JSON/],
    ['a result that is not UTF-8', () => outcome('success', { result: bytesOf(0x22, 0xff, 0x22) }), Status.INVALID_ARGUMENT, /^completions\[1\]\.success\.result: is not valid UTF-8$/],
    ['a result of bare words', () => outcome('success', { result: Buffer.from('done') }), Status.INVALID_ARGUMENT, /^completions\[1\]\.success\.result: is not valid JSON/],
  ] as Array<[string, () => unknown, Status, RegExp]>)('Complete refuses %s and records nothing, not even the good item before it', async (_label, bad, code, message) => {
    await expectRefused(() => broker.client.complete({ completions: [goodCompletion(), bad() as ReturnType<typeof goodCompletion>] }), code, message);
  });

  test('Complete refuses 51 completions', async () => {
    await expectRefused(() => broker.client.complete({ completions: Array.from({ length: 51 }, goodCompletion) }), Status.RESOURCE_EXHAUSTED, /^completions: 51 items is over the limit of 50 per request$/);
  });

  test.each([
    ['a missing progress', () => ({ ...goodHeartbeat() }), Status.INVALID_ARGUMENT, /^items\[1\]\.progress: must not be empty$/],
    ['progress that is not JSON', () => ({ ...goodProgress(), progress: Buffer.from('{step') }), Status.INVALID_ARGUMENT, /^items\[1\]\.progress: is not valid JSON/],
    ['progress that is not UTF-8', () => ({ ...goodProgress(), progress: bytesOf(0x22, 0xc3, 0x22) }), Status.INVALID_ARGUMENT, /^items\[1\]\.progress: is not valid UTF-8$/],
    ['progress over the payload limit', () => ({ ...goodProgress(), progress: json('p'.repeat(MAX_PAYLOAD)) }), Status.RESOURCE_EXHAUSTED, /^items\[1\]\.progress: the progress is \d+ bytes, over the limit of 4096 bytes$/],
    ['a missing task_id', () => ({ ...goodProgress(), taskId: '' }), Status.INVALID_ARGUMENT, /^items\[1\]\.task_id: must not be empty$/],
    ['a missing lease_token', () => ({ ...goodProgress(), leaseToken: '' }), Status.INVALID_ARGUMENT, /^items\[1\]\.lease_token: must not be empty$/],
  ] as Array<[string, () => object, Status, RegExp]>)('ReportProgress refuses %s and records nothing', async (_label, bad, code, message) => {
    await expectRefused(() => broker.client.reportProgress({ items: [goodProgress(), bad() as ReturnType<typeof goodProgress>] }), code, message);
  });

  test('ReportProgress refuses 51 items', async () => {
    await expectRefused(() => broker.client.reportProgress({ items: Array.from({ length: 51 }, goodProgress) }), Status.RESOURCE_EXHAUSTED, /^items: 51 items is over the limit of 50 per request$/);
  });
});

/** How to encode each RPC's request. */
const REQUEST_TYPES: Record<BrokerMethod, MessageFns<object>> = {
  Enqueue: EnqueueRequest,
  GetTask: GetTaskRequest,
  CancelTask: CancelTaskRequest,
  ListTasks: ListTasksRequest,
  WatchResult: WatchResultRequest,
  Lease: LeaseRequest,
  Heartbeat: HeartbeatRequest,
  Complete: CompleteRequest,
  ReportProgress: ReportProgressRequest,
} as Record<BrokerMethod, MessageFns<object>>;

function encode(method: BrokerMethod, request: object): Uint8Array {
  const type = REQUEST_TYPES[method];
  return type.encode(type.fromPartial(request)).finish();
}

describe('raw bytes', () => {
  const M = INVALID_UTF8_MARK;
  const q = uniqueQueue('raw');
  // Each request is valid but for the one string field holding invalid UTF-8 (written in place
  // of the mark), which the error must name. In a batch, the good items come first.
  const cases: Array<[BrokerMethod, string, () => object]> = [
    ['Enqueue', 'tasks[1].name', () => ({ tasks: [spec(q), spec(q, { name: M })] })],
    ['Enqueue', 'tasks[1].queue', () => ({ tasks: [spec(q), spec(M)] })],
    ['Enqueue', 'tasks[0].tags[1]', () => ({ tasks: [spec(q, { tags: ['ok', M] })] })],
    ['Enqueue', 'tasks[0].metadata', () => ({ tasks: [spec(q, { metadata: { [M]: 'value' } })] })],
    ['Enqueue', 'tasks[0].metadata["key"]', () => ({ tasks: [spec(q, { metadata: { key: M } })] })],
    ['Enqueue', 'tasks[0].idempotency_key', () => ({ tasks: [spec(q, { idempotencyKey: M })] })],
    ['GetTask', 'task_id', () => ({ taskId: M })],
    ['CancelTask', 'task_id', () => ({ taskId: M })],
    ['CancelTask', 'reason', () => ({ taskId: fresh.id, reason: `why ${M}` })],
    ['ListTasks', 'queue', () => ({ queue: M })],
    ['ListTasks', 'page_token', () => ({ pageToken: M })],
    ['WatchResult', 'task_id', () => ({ taskId: M })],
    ['Lease', 'worker_id', () => ({ workerId: M, queues: [seedQueue] })],
    ['Lease', 'queues[1]', () => ({ workerId: 'w', queues: [seedQueue, M] })],
    ['Heartbeat', 'items[0].task_id', () => ({ items: [{ taskId: M, leaseToken: 'x' }] })],
    ['Heartbeat', 'items[1].lease_token', () => ({ items: [goodHeartbeat(), { taskId: 't', leaseToken: M }] })],
    ['Complete', 'completions[1].task_id', () => ({ completions: [goodCompletion(), { ...goodCompletion(), taskId: M }] })],
    ['Complete', 'completions[1].lease_token', () => ({ completions: [goodCompletion(), { ...goodCompletion(), leaseToken: M }] })],
    ['Complete', 'completions[1].failure.error.type', () => ({ completions: [goodCompletion(), outcome('failure', { error: { type: M } })] })],
    ['Complete', 'completions[1].failure.error.message', () => ({ completions: [goodCompletion(), outcome('failure', { error: { type: 'E', message: M } })] })],
    ['Complete', 'completions[1].failure.error.traceback', () => ({ completions: [goodCompletion(), outcome('failure', { error: { type: 'E', traceback: M } })] })],
    ['Complete', 'completions[1].cancelled.reason', () => ({ completions: [goodCompletion(), outcome('cancelled', { reason: M })] })],
    ['ReportProgress', 'items[1].task_id', () => ({ items: [goodProgress(), { ...goodProgress(), taskId: M }] })],
    ['ReportProgress', 'items[0].lease_token', () => ({ items: [{ ...goodProgress(), leaseToken: M }] })],
  ];
  function outcome($case: string, value: object): object {
    return { ...goodHeartbeat(), outcome: { $case, value } };
  }

  test.each(cases)('%s refuses invalid UTF-8 in %s', async (method, path, request) => {
    await expectRawRefused(method, withInvalidUtf8(encode(method, request())), Status.INVALID_ARGUMENT, new RegExp(`^${field(path)}: must be valid UTF-8$`));
  });

  const empties: Array<[BrokerMethod, RegExp]> = [
    ['Enqueue', /^tasks: must hold at least one item$/],
    ['GetTask', /^task_id: must not be empty$/],
    ['CancelTask', /^task_id: must not be empty$/],
    ['WatchResult', /^task_id: must not be empty$/],
    ['Lease', /^worker_id: must not be empty$/],
    ['Heartbeat', /^items: must hold at least one item$/],
    ['Complete', /^completions: must hold at least one item$/],
    ['ReportProgress', /^items: must hold at least one item$/],
  ];
  test.each(empties)('%s refuses an empty request (zero bytes: every field missing)', async (method, message) => {
    await expectRawRefused(method, new Uint8Array(0), Status.INVALID_ARGUMENT, message);
  });

  test('ListTasks takes an empty request: every field has a meaningful default', async () => {
    const reply = await raw.unary('ListTasks', new Uint8Array(0));
    expect(reply.ok).toBe(true);
  });

  const methods: BrokerMethod[] = ['Enqueue', 'GetTask', 'CancelTask', 'ListTasks', 'WatchResult', 'Lease', 'Heartbeat', 'Complete', 'ReportProgress'];
  test.each(methods)('%s refuses bytes that are no protobuf message as INVALID_ARGUMENT, not INTERNAL', async (method) => {
    const message = new RegExp(`^request: is not a valid qtasks\\.broker\\.v1\\.${method}Request message`);
    // A length-delimited field 1 whose length runs past the end; then a field with wire type 7, which does not exist.
    await expectRawRefused(method, bytesOf(0x0a, 0xff, 0xff, 0xff), Status.INVALID_ARGUMENT, message);
    await expectRawRefused(method, bytesOf(0x0f, 0x01), Status.INVALID_ARGUMENT, message);
  });
});

describe('raw bytes on the Work and Produce streams', () => {
  const M = INVALID_UTF8_MARK;
  const q = uniqueQueue('raw-stream');
  const start = (workerId: string) => WorkRequest.encode(WorkRequest.fromPartial({ kind: { $case: 'start', value: { workerId, queues: [q] } } })).finish();
  const enqueue = (name: string) => ProduceRequest.encode(ProduceRequest.fromPartial({ requestId: 1, kind: { $case: 'enqueue', value: { tasks: [spec(q), spec(q, { name })] } } })).finish();

  /** The stream ends INVALID_ARGUMENT with `message`, a rich details trailer, and no task changed. */
  async function expectStreamRefused(method: 'Work' | 'Produce', requests: Uint8Array[], message: RegExp): Promise<void> {
    const before = await listAllTasks(broker.client);
    const ended = await raw.bidiToEnd(method, requests);
    expect({ code: Status[ended.code], details: ended.details }).toEqual({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(message) });
    expect(ended.trailers).toHaveProperty('grpc-status-details-bin');
    expect(ended.messages).toEqual([]);
    expect(await listAllTasks(broker.client)).toEqual(before);
  }

  test('a Work stream whose start holds invalid UTF-8 fails naming the field', async () => {
    await expectStreamRefused('Work', [withInvalidUtf8(start(M))], /^start\.worker_id: must be valid UTF-8$/);
  });

  test('a Produce stream whose enqueue holds invalid UTF-8 fails naming the field, before any task of it is stored', async () => {
    await expectStreamRefused('Produce', [withInvalidUtf8(enqueue(M))], /^enqueue\.tasks\[1\]\.name: must be valid UTF-8$/);
  });

  test('the requests sent before a refused one are still taken and answered, in order, before the stream fails', async () => {
    const good = (requestId: number) => ProduceRequest.encode(ProduceRequest.fromPartial({ requestId, kind: { $case: 'enqueue', value: { tasks: [spec(q)] } } })).finish();
    const requests = Array.from({ length: 20 }, (_, i) => good(i + 1));
    const ended = await raw.bidiToEnd('Produce', [...requests, withInvalidUtf8(enqueue(M))]);
    expect({ code: Status[ended.code], details: ended.details }).toEqual({ code: 'INVALID_ARGUMENT', details: expect.stringMatching(/^enqueue\.tasks\[1\]\.name: must be valid UTF-8$/) });
    const answers = ended.messages.map((bytes) => ProduceResponse.decode(bytes));
    expect(answers.map((answer) => answer.kind?.$case)).toEqual(Array(20).fill('enqueued'));
    expect(answers.map((answer) => answer.requestId).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const answer of answers) if (answer.kind?.$case === 'enqueued') for (const task of answer.kind.value.tasks) acknowledged.add(task.id);
  });

  test.each(['Work', 'Produce'] as const)('a %s stream refuses bytes that are no protobuf message as INVALID_ARGUMENT', async (method) => {
    await expectStreamRefused(method, [bytesOf(0x0a, 0xff, 0xff, 0xff)], new RegExp(`^request: is not a valid qtasks\\.broker\\.v1\\.${method}Request message`));
  });
});

describe('messages over the size limit', () => {
  test('requests over --max-message-bytes are RESOURCE_EXHAUSTED and change nothing', async () => {
    const big = 'x'.repeat(MAX_MESSAGE);
    // gRPC refuses these before any broker code runs, so no field can be named.
    await expectRefused(() => broker.client.enqueue({ tasks: [spec(seedQueue, { args: json([big]) })] }), Status.RESOURCE_EXHAUSTED, /Received message larger than max/);
    await expectRefused(() => broker.client.complete({ completions: [{ ...goodCompletion(), outcome: { $case: 'success', value: { result: json(big) } } }] }), Status.RESOURCE_EXHAUSTED, /Received message larger than max/);
    await expectRefused(() => broker.client.reportProgress({ items: [{ ...goodProgress(), progress: json(big) }] }), Status.RESOURCE_EXHAUSTED, /Received message larger than max/);
    await expectRefused(() => broker.client.cancelTask({ taskId: fresh.id, reason: big }), Status.RESOURCE_EXHAUSTED, /Received message larger than max/);
  });

  /** Tasks of nearly the payload limit: about 15 of them fill a 64 KiB message. */
  const bulky = (queue: string) => spec(queue, { args: json(['z'.repeat(MAX_PAYLOAD - 200)]) });

  test('an Enqueue that fits but whose reply would not is refused before anything is stored', async () => {
    const queue = uniqueQueue('reply');
    // A full batch whose request only just fits: the ~100 bytes the broker adds to each task
    // (id, status, timestamps) take its reply over the limit.
    const batch = (argsBytes: number) => Array.from({ length: MAX_BATCH }, () => spec(queue, { args: json(['z'.repeat(argsBytes)]) }));
    let argsBytes = 100;
    while (EnqueueRequest.encode(EnqueueRequest.fromPartial({ tasks: batch(argsBytes + 10) })).finish().length < MAX_MESSAGE - 100) argsBytes += 10;
    const tasks = batch(argsBytes);
    // The premise: the reply, with what the broker adds to each task, is over the limit.
    const stored = Task.fromPartial({ ...tasks[0], id: '01890a5d-ac96-774b-bcce-b302099a8057', status: 1, createdAt: new Date(), updatedAt: new Date(), eta: new Date() });
    expect(EnqueueResponse.encode({ tasks: Array.from({ length: MAX_BATCH }, () => stored) }).finish().length).toBeGreaterThan(MAX_MESSAGE);
    await expectRefused(() => broker.client.enqueue({ tasks }), Status.RESOURCE_EXHAUSTED, /^tasks: the reply to these 50 tasks could take \d+ bytes, over the max message size of 65536 bytes; send fewer tasks per request$/);
    // Half of it goes through.
    const half = (await broker.client.enqueue({ tasks: tasks.slice(0, MAX_BATCH / 2) })).tasks;
    half.forEach((t) => acknowledged.add(t.id));
    expect(half).toHaveLength(MAX_BATCH / 2);
  });

  test('a Lease whose tasks would not fit in one reply leases fewer; the rest stay ready', async () => {
    const queue = uniqueQueue('lease-size');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      for (const task of (await broker.client.enqueue({ tasks: Array.from({ length: 10 }, () => bulky(queue)) })).tasks) ids.push(task.id), acknowledged.add(task.id);
    }
    const worker = workerId();
    const leased: LeasedTask[] = [];
    for (let call = 0; leased.length < ids.length; call++) {
      expect(call, 'every task is leased within a few calls').toBeLessThan(10);
      const { tasks } = await broker.client.lease({ workerId: worker, queues: [queue], maxTasks: 1000, leaseMs: LONG_LEASE_MS });
      expect(tasks.length).toBeGreaterThan(0);
      expect(tasks.length).toBeLessThan(16);
      leased.push(...tasks);
    }
    // Every task leased once, in FIFO order, each on its first attempt: none was lost in a reply.
    expect(leased.map((t) => t.task!.id)).toEqual(ids);
    expect(leased.every((t) => t.task!.attempt === 1)).toBe(true);
    // Give them back, so that the final check sees them as NEW again.
    await broker.client.complete({ completions: leased.slice(0, MAX_BATCH).map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken, outcome: { $case: 'released', value: {} } })) });

    // A ListTasks page stops where the next task would not fit, and the pages cover every task once.
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await broker.client.listTasks({ queue, pageSize: 1000, pageToken });
      seen.push(...page.tasks.map((t) => t.id));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBeGreaterThan(2);
    expect([...seen].sort()).toEqual([...ids].sort());
  });
});

describe('clients that go away in the middle of a call', () => {
  test('a WatchResult stream cancelled after its first message is released; the task carries on', async () => {
    const queue = uniqueQueue('watch-cancel');
    const [task] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
    acknowledged.add(task!.id);
    const abort = new AbortController();
    const stream = broker.client.watchResult({ taskId: task!.id }, { signal: abort.signal });
    const first = await stream[Symbol.asyncIterator]().next();
    expect(first.value?.task?.status).toBe(TaskStatus.TASK_STATUS_NEW);
    expect((await brokerStats(broker)).watchedTasks).toBeGreaterThan(0);
    abort.abort();
    await waitFor(async () => (await brokerStats(broker)).watchedTasks === 0, 'the watcher to be released');
    // Transitions after the client left reach no one and disturb nothing.
    const [leased] = (await broker.client.lease({ workerId: workerId(), queues: [queue], leaseMs: LONG_LEASE_MS })).tasks;
    await broker.client.reportProgress({ items: [{ taskId: task!.id, leaseToken: leased!.leaseToken, progress: json(1) }] });
    const done = await broker.client.complete({ completions: [{ taskId: task!.id, leaseToken: leased!.leaseToken, outcome: { $case: 'success', value: {} } }] });
    expect(done.results[0]!.task!.status).toBe(TaskStatus.TASK_STATUS_SUCCESS);
  });

  test('a parked Lease cancelled by its client takes nothing that arrives later', async () => {
    const queue = uniqueQueue('lease-cancel');
    const abort = new AbortController();
    const parked = broker.client.lease({ workerId: workerId(), queues: [queue], waitMs: 20_000 }, { signal: abort.signal }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    expect(await parked).toMatchObject({ name: 'AbortError' });
    await expectNoGhostLease(queue);
  });

  test('a killed client process releases its WatchResult streams and its parked Lease', async () => {
    const queue = uniqueQueue('killed');
    const watched = (await broker.client.enqueue({ tasks: Array.from({ length: 5 }, () => spec(uniqueQueue('watched'))) })).tasks;
    watched.forEach((t) => acknowledged.add(t.id));
    const client = await startClientProcess(broker.address, { watch: watched.map((t) => t.id), streamsPerTask: 20, leaseQueue: queue });
    expect((await brokerStats(broker)).watchedTasks).toBeGreaterThanOrEqual(5);
    client.kill('SIGKILL');
    await waitFor(async () => (await brokerStats(broker)).watchedTasks === 0, 'the watchers of the killed client to be released');
    await expectNoGhostLease(queue);
  });
});

/** A task enqueued in `queue` now is not taken by a Lease whose client went away: it stays untouched until a live worker leases it. */
async function expectNoGhostLease(queue: string): Promise<void> {
  const [task] = (await broker.client.enqueue({ tasks: [spec(queue)] })).tasks;
  acknowledged.add(task!.id);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const now = (await broker.client.getTask({ taskId: task!.id })).task!;
  // Not even leased and given back: the record was never touched.
  expect(now).toEqual(task);
  const [leased] = (await broker.client.lease({ workerId: workerId(), queues: [queue] })).tasks;
  expect(leased!.task).toMatchObject({ id: task!.id, attempt: 1 });
  await broker.client.complete({ completions: [{ taskId: task!.id, leaseToken: leased!.leaseToken, outcome: { $case: 'released', value: {} } }] });
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Where the child clients load their modules from: the repository root. */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A client in a process of its own (so that it can be killed), speaking HTTP/2 directly: it opens
 * `streamsPerTask` WatchResult streams on each task over `connections` connections and never
 * reads them (its streams are paused, so no flow-control credit goes back and the broker's sends
 * stall, as with a client that is stuck or malicious), and parks a Lease on `leaseQueue`. It
 * resolves once the broker has answered every stream's headers.
 */
async function startClientProcess(
  address: string,
  options: { watch: string[]; streamsPerTask: number; leaseQueue?: string; connections?: number },
): Promise<ChildProcess> {
  const script = `
    import http2 from 'node:http2';
    import { LeaseRequest, WatchResultRequest } from '@qtasks/proto';
    const { address, watch, streamsPerTask, leaseQueue, connections } = JSON.parse(process.argv[1]);
    const frame = (bytes) => { const out = Buffer.alloc(5 + bytes.length); out.writeUInt32BE(bytes.length, 1); out.set(bytes, 5); return out; };
    const headers = (method) => ({ ':method': 'POST', ':path': '/qtasks.broker.v1.BrokerService/' + method, 'content-type': 'application/grpc', te: 'trailers' });
    const sessions = Array.from({ length: connections }, () => http2.connect('http://' + address).on('error', () => {}));
    const total = watch.length * streamsPerTask;
    let answered = 0;
    for (let i = 0; i < total; i++) {
      const stream = sessions[i % connections].request(headers('WatchResult'));
      stream.on('error', () => {});
      stream.on('response', () => { if (++answered === total) console.log('ready'); });
      stream.end(frame(WatchResultRequest.encode({ taskId: watch[i % watch.length] }).finish()));
      stream.pause();
    }
    if (leaseQueue) {
      const stream = sessions[0].request(headers('Lease'));
      stream.on('error', () => {});
      stream.end(frame(LeaseRequest.encode({ workerId: 'doomed', queues: [leaseQueue], maxTasks: 1, waitMs: 60000, leaseMs: 60000 }).finish()));
      stream.pause();
    }
    if (total === 0) console.log('ready');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify({ address, connections: 1, ...options })], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the client process did not get its streams in time:\n${stderr}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('ready')) clearTimeout(timer), resolve();
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the client process exited (${code}):\n${stderr}`))));
  });
  // The parked Lease is sent last; give it a moment to reach the broker and park.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return child;
}

describe('a flood of WatchResult streams that are never read', () => {
  const STREAMS = 3000;
  const TASKS = 100;
  const ROUNDS = 3;
  let flooded: BrokerProcess;
  const clients: ChildProcess[] = [];
  beforeAll(async () => {
    flooded = await startBrokerProcess();
  });
  afterAll(async () => {
    for (const client of clients) client.kill('SIGKILL');
    await flooded?.dispose();
  });

  /** Median and worst latency of a mix of ordinary calls, each with a deadline. */
  async function latencies(queue: string, probe: string): Promise<{ median: number; max: number }> {
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      const signal = AbortSignal.timeout(5000);
      samples.push(await timed(() => flooded.client.getTask({ taskId: probe }, { signal })));
      samples.push(await timed(() => flooded.client.listTasks({ queue, pageSize: 10 }, { signal })));
      samples.push(
        await timed(async () => {
          const [task] = (await flooded.client.enqueue({ tasks: [spec(queue)] }, { signal })).tasks;
          const [leased] = (await flooded.client.lease({ workerId: 'probe', queues: [queue] }, { signal })).tasks;
          await flooded.client.complete({ completions: [{ taskId: task!.id, leaseToken: leased!.leaseToken, outcome: { $case: 'success', value: {} } }] }, { signal });
        }),
      );
    }
    return { median: median(samples), max: Math.max(...samples) };
  }

  test(`${STREAMS} streams on ${TASKS} tasks: other calls keep their latency, memory stays bounded, and all is released when the clients go away`, { timeout: 120_000 }, async () => {
    const pid = flooded.child.pid!;
    const probeQueue = uniqueQueue('probe');
    const watchedQueue = uniqueQueue('watched');
    const tasks = (await flooded.client.enqueue({ tasks: Array.from({ length: TASKS }, () => spec(watchedQueue, { args: json(['w'.repeat(2000)]) })) })).tasks;
    const [probe] = (await flooded.client.enqueue({ tasks: [spec(probeQueue)] })).tasks;
    await latencies(probeQueue, probe!.id); // warm up
    const baseline = await latencies(probeQueue, probe!.id);
    const baselineKiB = residentKiB(pid);
    const peaks: number[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const client = await startClientProcess(flooded.address, { watch: tasks.map((t) => t.id), streamsPerTask: STREAMS / TASKS, connections: STREAMS / 500 }); // under the 1,000 streams per connection of --max-concurrent-streams
      clients.push(client);
      expect((await brokerStats(flooded)).watchedTasks).toBe(TASKS);
      // Transitions to push to every stream, whose client reads nothing: the broker must not
      // buffer without bound nor stall on them.
      const leased = (await flooded.client.lease({ workerId: 'w', queues: [watchedQueue], maxTasks: TASKS, leaseMs: LONG_LEASE_MS })).tasks;
      for (let i = 0; i < 3; i++) {
        await flooded.client.reportProgress({ items: leased.map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken, progress: json(['p'.repeat(2000), i]) })) });
      }
      const during = await latencies(probeQueue, probe!.id);
      expect(during.max, `worst call latency with ${STREAMS} unread streams open (baseline ${JSON.stringify(baseline)})`).toBeLessThan(1000);
      expect(during.median, `median call latency with ${STREAMS} unread streams open (baseline ${JSON.stringify(baseline)})`).toBeLessThan(Math.max(50, baseline.median * 5));
      peaks.push(residentKiB(pid));

      client.kill('SIGKILL');
      await waitFor(async () => (await brokerStats(flooded)).watchedTasks === 0, 'the flood to be released', 20_000);
      // Back to NEW (attempt not counted) for the next round.
      await flooded.client.complete({ completions: leased.slice(0, 100).map((t) => ({ taskId: t.task!.id, leaseToken: t.leaseToken, outcome: { $case: 'released', value: {} } })) });
    }
    console.log(`flood: baseline RSS ${baselineKiB} KiB, peaks ${peaks.join(', ')} KiB; latency ms baseline ${JSON.stringify(baseline)}`);
    // Measured here: ~200 MB for the first flood (~60 KiB per stream, most of it HTTP/2 and gRPC
    // state plus the messages queued for clients that do not read), then a plateau near +90 MB as
    // the heap settles. Streams kept after their clients left would add a flood's worth per round.
    const firstFlood = peaks[0]! - baselineKiB;
    expect(firstFlood, `RSS growth with ${STREAMS} streams open, KiB`).toBeLessThan(400 * 1024);
    expect(peaks.at(-1)! - peaks[0]!, `RSS growth over ${ROUNDS - 1} more floods, each released, KiB`).toBeLessThan(firstFlood);
  });

  test('SIGTERM with unread streams still open: the broker exits cleanly and its data is consistent', { timeout: 60_000 }, async () => {
    const queue = uniqueQueue('term');
    const tasks = (await flooded.client.enqueue({ tasks: Array.from({ length: 20 }, () => spec(queue, { args: json(['w'.repeat(2000)]) })) })).tasks;
    const client = await startClientProcess(flooded.address, { watch: tasks.map((t) => t.id), streamsPerTask: 50, connections: 2 });
    clients.push(client);
    const started = Date.now();
    expect(await flooded.stop('SIGTERM')).toBe(0);
    // Graceful shutdown waits up to 10 s for calls in flight, then cancels what is left: these
    // streams can never end on their own, their status is queued behind data no one reads.
    expect(Date.now() - started).toBeLessThan(20_000);
    const report = await checkStoreOf(flooded);
    expect(report).toMatchObject({ consistent: true, exitCode: 0, problems: [] });
  });
});

describe('batches of many items naming one large task', () => {
  const ITEMS = 10_000; // the default --max-batch-size
  let big: BrokerProcess;
  let bigRaw: RawBrokerClient;
  let leased: LeasedTask;
  beforeAll(async () => {
    big = await startBrokerProcess();
    // Replies here are large (a Complete reply carries tasks): let this client take them.
    bigRaw = new RawBrokerClient(big.address, { 'grpc.max_receive_message_length': -1 });
    const queue = uniqueQueue('big');
    await big.client.enqueue({ tasks: [spec(queue, { args: json(['a'.repeat(1_000_000)]) })] });
    [leased] = (await big.client.lease({ workerId: workerId(), queues: [queue], leaseMs: LONG_LEASE_MS })).tasks as [LeasedTask];
  });
  afterAll(async () => {
    bigRaw?.close();
    await big?.dispose();
  });

  /** Runs `call`, sampling the broker's RSS meanwhile; resolves to its reply, duration and RSS growth. */
  async function measured<T>(call: () => Promise<T>): Promise<{ reply: T; ms: number; growthKiB: number }> {
    const pid = big.child.pid!;
    const before = residentKiB(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, residentKiB(pid))), 10);
    const started = performance.now();
    try {
      const reply = await call();
      return { reply, ms: performance.now() - started, growthKiB: Math.max(peak, residentKiB(pid)) - before };
    } finally {
      clearInterval(sampler);
    }
  }

  // Each item used to decode a full copy of the 1 MiB record: 3,000 progress items took 3 GB and
  // 8 s, and 10,000 would exhaust the memory.
  test(`${ITEMS} heartbeats of one task with 1 MiB of args: fast, and no copy per item`, async () => {
    const item = { taskId: leased.task!.id, leaseToken: leased.leaseToken };
    const { reply, ms, growthKiB } = await measured(() => big.client.heartbeat({ items: Array.from({ length: ITEMS }, () => item) }));
    expect(reply.results.every((r) => r.ok)).toBe(true);
    expect(ms).toBeLessThan(5000);
    expect(growthKiB).toBeLessThan(300 * 1024);
  });

  test(`${ITEMS} refused completions of it: fast, bounded, and the reply still goes out`, async () => {
    const completion = { taskId: leased.task!.id, leaseToken: 'forged-token', outcome: { $case: 'released' as const, value: {} } };
    const bytes = CompleteRequest.encode(CompleteRequest.fromPartial({ completions: Array.from({ length: ITEMS }, () => completion) })).finish();
    const { reply, ms, growthKiB } = await measured(() => bigRaw.unary('Complete', bytes));
    if (!reply.ok) throw new Error(`Complete failed: ${Status[reply.code]} ${reply.details}`);
    const { results } = CompleteResponse.decode(reply.bytes);
    expect(results).toHaveLength(ITEMS);
    expect(results.every((r) => !r.accepted && /stale lease/.test(r.reason))).toBe(true);
    // Past the reply budget (--max-message-bytes, 64 MiB by default), results come without their task.
    expect(results.filter((r) => r.task).length).toBeLessThan(64);
    expect(ms).toBeLessThan(5000);
    expect(growthKiB).toBeLessThan(600 * 1024);
  });

  test(`${ITEMS} progress reports of it: fast and bounded, and the last one is stored`, async () => {
    const taskId = leased.task!.id;
    const items = Array.from({ length: ITEMS }, (_, i) => ({ taskId, leaseToken: leased.leaseToken, progress: json(i) }));
    const { reply, ms, growthKiB } = await measured(() => big.client.reportProgress({ items }));
    expect(reply.results.every((r) => r.ok)).toBe(true);
    expect(ms).toBeLessThan(5000);
    expect(growthKiB).toBeLessThan(300 * 1024);
    expect(JSON.parse(Buffer.from((await big.client.getTask({ taskId })).task!.progress).toString())).toBe(ITEMS - 1);
  });

  test(`${ITEMS} progress reports in one batch each reach a watcher, in order (progress is kept in memory, never written)`, async () => {
    const queue = uniqueQueue('small');
    await big.client.enqueue({ tasks: [spec(queue)] });
    const [small] = (await big.client.lease({ workerId: workerId(), queues: [queue], leaseMs: LONG_LEASE_MS })).tasks;
    const taskId = small!.task!.id;
    const stream = big.client.watchResult({ taskId })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.task?.id).toBe(taskId);
    await big.client.reportProgress({ items: Array.from({ length: ITEMS }, (_, i) => ({ taskId, leaseToken: small!.leaseToken, progress: json(i) })) });
    for (let i = 0; i < ITEMS; i++) {
      const { value } = await stream.next();
      if (JSON.parse(Buffer.from(value!.task!.progress).toString()) !== i) throw new Error(`progress ${i} missing from the watch stream`);
    }
    await stream.return?.();
    await big.client.complete({ completions: [{ taskId, leaseToken: small!.leaseToken, outcome: { $case: 'success', value: {} } }] });
  });

  test('the broker stops cleanly and its data is consistent', async () => {
    expect(await big.stop('SIGTERM')).toBe(0);
    // The task still leased is stored NEW where leases live in memory (LMDB), PROCESS where they outlive the broker.
    const stillLeased = LEASES_OUTLIVE_BROKER ? { new: 0, process: 1 } : { new: 1, process: 0 };
    expect(await checkStoreOf(big)).toMatchObject({ consistent: true, exitCode: 0, tasks: 2, byStatus: { ...stillLeased, success: 1 } });
  });
});

describe('after all of it', () => {
  test('the broker stops cleanly, and --check finds every acknowledged task and nothing else', async () => {
    const before = await listAllTasks(broker.client);
    expect(new Set(before.map((t) => t.id))).toEqual(acknowledged);
    expect(await broker.stop('SIGTERM')).toBe(0);
    const report = await checkStoreOf(broker);
    expect(report).toMatchObject({ consistent: true, exitCode: 0, problems: [], tasks: acknowledged.size });
    expect(report.byStatus.success).toBe(before.filter((t) => t.status === TaskStatus.TASK_STATUS_SUCCESS).length);
    // The seeded running task, untouched by every refusal: stored NEW where leases live in memory
    // (LMDB), PROCESS where they outlive the broker (PostgreSQL).
    const running = before.filter((t) => t.status === TaskStatus.TASK_STATUS_PROCESS).length;
    const ready = before.filter((t) => t.status === TaskStatus.TASK_STATUS_NEW).length;
    expect(report.byStatus.process).toBe(LEASES_OUTLIVE_BROKER ? running : 0);
    expect(report.byStatus.new).toBe(LEASES_OUTLIVE_BROKER ? ready : ready + running);
  });
});

function encodeVarint(value: bigint): Buffer {
  const out: number[] = [];
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
  return Buffer.from(out);
}
