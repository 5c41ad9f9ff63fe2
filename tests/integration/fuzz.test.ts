/**
 * Property-based fuzzing of the real broker process (fast-check model-based testing).
 *
 * Each run starts a fresh broker, sends it a random sequence of requests, valid and invalid:
 * Enqueue batches of random specs (random names, priorities, retries, delays, idempotency keys,
 * and random bytes or mis-shaped JSON in the payloads), Leases, Heartbeats, Completes with the
 * right, a stale, another task's or a forged lease token, Cancels, progress reports, reads, and
 * random bytes sent raw to random methods. A model predicts every answer: which requests are
 * refused and with what code, which tasks each Lease hands out (priority, then FIFO), which item
 * of a batch is accepted, and each task's status. The run then reads every task back, stops the
 * broker with SIGTERM (it must exit 0) and runs `qtasks-broker --check` on its data directory:
 * every task in exactly the indexes its status calls for, a lease exactly for each PROCESS task,
 * as many tasks as distinct acknowledged ids, and the counts per status the model expects.
 *
 * Nothing depends on time: leases last far longer than a run, and every delay or backoff is
 * either 0 or far longer than a run.
 *
 * Environment: QTASKS_FUZZ_SEED (the seed, printed), QTASKS_FUZZ_RUNS (default 15),
 * QTASKS_FUZZ_COMMANDS (most commands per run, default 100), QTASKS_FUZZ_SHRINK=1 to shrink a
 * failure to a minimal sequence (slow: a broker per attempt). For a longer local run:
 * `QTASKS_FUZZ_RUNS=500 QTASKS_FUZZ_COMMANDS=200 npx vitest run tests/integration/fuzz.test.ts`.
 */
import { LEASES_OUTLIVE_BROKER } from '../helpers/test-store.js';
import { randomUUID } from 'node:crypto';
import {
  CompleteResponse,
  EnqueueResponse,
  type Completion,
  HeartbeatResponse,
  LeaseResponse,
  ReportProgressResponse,
  TaskStatus,
  type DeepPartial,
  type Task,
  type TaskSpec,
} from '@qtasks/proto';
import fc from 'fast-check';
import { ClientError, Status } from 'nice-grpc';
import { describe, expect, test } from 'vitest';
import { checkStoreOf } from '../helpers/broker-inspect.js';
import { listAllTasks } from '../helpers/tasks.js';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { RawBrokerClient, type BrokerMethod } from '../helpers/raw-grpc.js';

const SEED = Number(process.env.QTASKS_FUZZ_SEED ?? 20_240_611);
const RUNS = Number(process.env.QTASKS_FUZZ_RUNS ?? 15);
const MAX_COMMANDS = Number(process.env.QTASKS_FUZZ_COMMANDS ?? 100);
const SHRINK = process.env.QTASKS_FUZZ_SHRINK === '1';

const MAX_PAYLOAD = 2048;
const MAX_BATCH = 8;
/** Longer than any run: no lease runs out, no delayed task becomes due. */
const LONG_MS = 600_000;
const QUEUES = 3;

type Status6 = 'new' | 'process' | 'retry' | 'success' | 'error' | 'cancel';
const PROTO_STATUS: Record<Status6, TaskStatus> = {
  new: TaskStatus.TASK_STATUS_NEW,
  process: TaskStatus.TASK_STATUS_PROCESS,
  retry: TaskStatus.TASK_STATUS_RETRY,
  success: TaskStatus.TASK_STATUS_SUCCESS,
  error: TaskStatus.TASK_STATUS_ERROR,
  cancel: TaskStatus.TASK_STATUS_CANCEL,
};

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

interface ModelTask {
  id: string;
  queue: string;
  name: string;
  priority: number;
  status: Status6;
  attempt: number;
  maxRetries: number;
  /** Attempts made before its last RetryTask: its retry budget counts from here. */
  attemptsBeforeRetry?: number;
  /** While PROCESS: the status it was leased from, which its record on disk keeps. */
  leasedFrom?: Status6;
  /** Its retry backoff is far longer than a run: a retried task waits. */
  slowBackoff: boolean;
  /** Waits for an eta or a backoff (never reached within a run) rather than being ready. */
  delayed: boolean;
  /** FIFO position, renewed each time the task becomes ready or delayed, as the broker's `seq`. */
  seq: number;
  token?: string;
  pastTokens: string[];
  cancelRequested: boolean;
  progress?: Buffer;
}

class Model {
  readonly tasks = new Map<string, ModelTask>();
  /** Ids in acknowledgement order, for commands to pick from. */
  readonly order: string[] = [];
  readonly keys = new Map<string, string>();
  /** What each idempotency key was first used for ({@link requestSignature}): the same key for another task is refused. */
  readonly keyRequests = new Map<string, string>();
  /** Queues paused now: they hand out nothing. */
  readonly paused = new Set<string>();
  seq = 0;
  constructor(readonly queues: string[]) {}

  pick(n: number): ModelTask | undefined {
    return this.order.length === 0 ? undefined : this.tasks.get(this.order[n % this.order.length]!);
  }

  nextSeq(): number {
    return ++this.seq;
  }
}

interface Real {
  broker: BrokerProcess;
  raw: RawBrokerClient;
}

type FuzzCommand = fc.AsyncCommand<Model, Real>;

/** A refusal the model expects: the status code, and a pattern the message must match. */
interface Refusal {
  code: Status;
  message: RegExp;
}

/** Runs `call`; checks it is refused as `expected` says, or answered when `expected` is undefined. */
async function expectOutcome<T>(call: () => Promise<T>, expected: Refusal | undefined, what: string): Promise<T | undefined> {
  try {
    const reply = await call();
    if (expected) throw new Error(`${what}: expected ${Status[expected.code]} (${expected.message}), got a reply`);
    return reply;
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    if (!expected) throw new Error(`${what}: expected a reply, got ${Status[error.code]}: ${error.details}`);
    expect({ what, code: Status[error.code], details: error.details }).toEqual({ what, code: Status[expected.code], details: expect.stringMatching(expected.message) });
    return undefined;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The contract's rule for payloads: UTF-8 JSON, of the given shape. */
function isJson(bytes: Uint8Array, shape: 'array' | 'object' | 'any'): boolean {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return false;
  }
  if (shape === 'array') return Array.isArray(value);
  if (shape === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Payload bytes: JSON of the right shape, JSON of any shape, near-misses, or random bytes. */
const payload = (shape: 'array' | 'object' | 'any'): fc.Arbitrary<Buffer> => {
  const right =
    shape === 'array' ? fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 })
    : shape === 'object' ? fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
    : fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    { weight: 20, arbitrary: right.map((value) => Buffer.from(JSON.stringify(value))) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }).map((value) => Buffer.from(JSON.stringify(value))) },
    { weight: 1, arbitrary: fc.constantFrom('\ufeff[]', '[NaN]', '[1,]', '{"a":1}', '[]', 'null', '"[1]"', '{}', ' ', '[1] 2').map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)) },
  );
};

const VALID_NAMES = ['add', 'report.build', 'ünïcödé', 'caf\ufffd', 'x'.repeat(255), 'mail\u00a0send'];
type SpecFault = 'none' | 'emptyName' | 'longName' | 'ctrlName' | 'ctrlQueue' | 'negativeRetries' | 'badMultiplier' | 'tooManyTags' | 'oversizeArgs' | 'etaAndDelay' | 'longKey';

interface SpecPlan {
  queue: number;
  name: string;
  priority: number;
  maxRetries: number;
  slowBackoff: boolean;
  start: 'now' | 'pastEta' | 'delay' | 'futureEta';
  key?: string;
  args?: Buffer;
  kwargs?: Buffer;
  fault: SpecFault;
}

const specPlan: fc.Arbitrary<SpecPlan> = fc.record(
  {
    queue: fc.nat(QUEUES - 1),
    name: fc.constantFrom(...VALID_NAMES),
    priority: fc.constantFrom(0, 0, 0, 1, 5, -3, 2 ** 31 - 1, -(2 ** 31)),
    maxRetries: fc.nat(2),
    slowBackoff: fc.boolean(),
    start: fc.constantFrom('now', 'now', 'now', 'pastEta', 'delay', 'futureEta'),
    key: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4') }),
    args: payload('array'),
    kwargs: payload('object'),
    fault: fc.oneof({ weight: 12, arbitrary: fc.constant<SpecFault>('none') }, { weight: 1, arbitrary: fc.constantFrom<SpecFault>('emptyName', 'longName', 'ctrlName', 'ctrlQueue', 'negativeRetries', 'badMultiplier', 'tooManyTags', 'oversizeArgs', 'etaAndDelay', 'longKey') }),
  },
  { requiredKeys: ['queue', 'name', 'priority', 'maxRetries', 'slowBackoff', 'start', 'key', 'fault'] },
);

function specRequest(plan: SpecPlan, model: Model): DeepPartial<TaskSpec> {
  const spec: DeepPartial<TaskSpec> = {
    name: plan.name,
    queue: model.queues[plan.queue],
    priority: plan.priority,
    maxRetries: plan.maxRetries,
    retryBackoff: { initialMs: plan.slowBackoff ? LONG_MS : 0 },
    args: plan.args,
    kwargs: plan.kwargs,
    idempotencyKey: plan.key,
  };
  if (plan.start === 'pastEta') spec.eta = new Date(Date.UTC(2001, 0, 1));
  if (plan.start === 'futureEta') spec.eta = new Date(Date.now() + LONG_MS * 10);
  if (plan.start === 'delay') spec.delayMs = LONG_MS;
  switch (plan.fault) {
    case 'emptyName': spec.name = ''; break;
    case 'longName': spec.name = 'é'.repeat(128); break;
    case 'ctrlName': spec.name = 'a\u0000'; break;
    case 'ctrlQueue': spec.queue = `${model.queues[plan.queue]}\n`; break;
    case 'negativeRetries': spec.maxRetries = -1; break;
    case 'badMultiplier': spec.retryBackoff = { multiplier: 0.5 }; break;
    case 'tooManyTags': spec.tags = Array.from({ length: 65 }, (_, i) => `t${i}`); break;
    case 'oversizeArgs': spec.args = Buffer.from(JSON.stringify(['o'.repeat(MAX_PAYLOAD)])); break;
    case 'etaAndDelay': spec.eta = new Date(Date.UTC(2001, 0, 1)); spec.delayMs = 5; break;
    case 'longKey': spec.idempotencyKey = 'k'.repeat(256); break;
    case 'none': break;
  }
  return spec;
}

/** The refusal the broker owes a spec, in its order of checks; undefined when the spec is good. */
/** The fields the broker compares when an idempotency key is used again (eta and delay are not). */
function requestSignature(spec: DeepPartial<TaskSpec>, plan: SpecPlan): string {
  const args = spec.args?.length ? (spec.args as Buffer) : Buffer.from('[]');
  const kwargs = spec.kwargs?.length ? (spec.kwargs as Buffer) : Buffer.from('{}');
  return JSON.stringify([spec.name?.normalize('NFC'), args.toString('hex'), kwargs.toString('hex'), plan.priority, plan.maxRetries, plan.slowBackoff]);
}

/** ALREADY_EXISTS for the first task of a batch whose idempotency key is in use (or used earlier in the batch) for another task. */
function keyReuseRefusal(plans: readonly SpecPlan[], specs: readonly DeepPartial<TaskSpec>[], model: Model): Refusal | undefined {
  const seen = new Map(model.keyRequests);
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    if (plan.key === undefined) continue;
    const keyId = `${model.queues[plan.queue]}\u0000${plan.key}`;
    const signature = requestSignature(specs[i]!, plan);
    const first = seen.get(keyId);
    if (first !== undefined && first !== signature) return { code: Status.ALREADY_EXISTS, message: new RegExp(`^tasks\\[${i}\\]\\.idempotency_key: `) };
    seen.set(keyId, signature);
  }
  return undefined;
}

function specRefusal(spec: DeepPartial<TaskSpec>, plan: SpecPlan): Status | undefined {
  if (plan.fault === 'emptyName' || plan.fault === 'longName' || plan.fault === 'ctrlName' || plan.fault === 'ctrlQueue') return Status.INVALID_ARGUMENT;
  const args = spec.args?.length ? (spec.args as Buffer) : Buffer.from('[]');
  const kwargs = spec.kwargs?.length ? (spec.kwargs as Buffer) : Buffer.from('{}');
  if (!isJson(args, 'array') || !isJson(kwargs, 'object')) return Status.INVALID_ARGUMENT;
  if (args.length + kwargs.length > MAX_PAYLOAD) return Status.RESOURCE_EXHAUSTED;
  return plan.fault === 'none' ? undefined : Status.INVALID_ARGUMENT;
}

type TokenKind = 'current' | 'stale' | 'foreign' | 'forged';
type ItemFault = 'none' | 'emptyId' | 'emptyToken' | 'unknownId';
interface ItemPlan {
  pick: number;
  token: TokenKind;
  fault: ItemFault;
}
const itemPlan: fc.Arbitrary<ItemPlan> = fc.record({
  pick: fc.nat(),
  token: fc.constantFrom<TokenKind>('current', 'current', 'current', 'stale', 'foreign', 'forged'),
  fault: fc.oneof({ weight: 10, arbitrary: fc.constant<ItemFault>('none') }, { weight: 1, arbitrary: fc.constantFrom<ItemFault>('emptyId', 'emptyToken', 'unknownId') }),
});

/** The task id and lease token an item names, per its plan. */
function itemTarget(plan: ItemPlan, model: Model): { taskId: string; leaseToken: string; task?: ModelTask } {
  const task = plan.fault === 'unknownId' ? undefined : model.pick(plan.pick);
  let leaseToken: string;
  switch (plan.token) {
    case 'current': leaseToken = task?.token ?? 'no-current-token'; break;
    case 'stale': leaseToken = task?.pastTokens.at(-1) ?? 'no-stale-token'; break;
    case 'foreign': leaseToken = [...model.tasks.values()].find((t) => t !== task && t.token)?.token ?? 'no-foreign-token'; break;
    case 'forged': leaseToken = 'AAAAAAAAAAAAAAAA'; break;
  }
  const taskId = plan.fault === 'emptyId' ? '' : plan.fault === 'unknownId' ? randomUUID() : (task?.id ?? randomUUID());
  if (plan.fault === 'emptyToken') leaseToken = '';
  return { taskId, leaseToken, ...(task ? { task } : {}) };
}

/** True if the broker must accept a fenced item: the task is PROCESS and the token is its current one. */
function holdsLease(target: { taskId: string; leaseToken: string }, model: Model): ModelTask | undefined {
  const task = model.tasks.get(target.taskId);
  return task && task.status === 'process' && task.token === target.leaseToken ? task : undefined;
}

/** The first item refusal of a batch (checked before any item is applied), or its size refusal. */
function batchRefusal<I>(field: string, items: readonly I[], itemRefusal: (item: I, i: number) => Refusal | undefined): Refusal | undefined {
  if (items.length === 0) return { code: Status.INVALID_ARGUMENT, message: new RegExp(`^${field}: must hold at least one item$`) };
  if (items.length > MAX_BATCH) return { code: Status.RESOURCE_EXHAUSTED, message: new RegExp(`^${field}: ${items.length} items is over the limit`) };
  for (let i = 0; i < items.length; i++) {
    const refusal = itemRefusal(items[i]!, i);
    if (refusal) return refusal;
  }
  return undefined;
}

const batchSize = fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(0, MAX_BATCH + 1) });
const itemsOf = <T>(item: fc.Arbitrary<T>): fc.Arbitrary<T[]> => batchSize.chain((n) => fc.array(item, { minLength: n, maxLength: n }));

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** The record the broker returned must be what the model holds. */
function expectTask(task: Task | undefined, model: ModelTask, what: string): void {
  expect({ what, id: task?.id, status: task?.status, attempt: task?.attempt, cancelRequested: task?.cancelRequested, priority: task?.priority, queue: task?.queue }).toEqual({
    what,
    id: model.id,
    status: PROTO_STATUS[model.status],
    attempt: model.attempt,
    cancelRequested: model.cancelRequested,
    priority: model.priority,
    queue: model.queue,
  });
}

class EnqueueCommand implements FuzzCommand {
  constructor(readonly specs: SpecPlan[]) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const specs = this.specs.map((plan) => specRequest(plan, model));
    const refusal =
      batchRefusal('tasks', this.specs, (plan, i) => {
        const code = specRefusal(specs[i]!, plan);
        return code === undefined ? undefined : { code, message: new RegExp(`^tasks\\[${i}\\]\\.`) };
      }) ?? keyReuseRefusal(this.specs, specs, model);
    const reply = await expectOutcome(() => real.broker.client.enqueue({ tasks: specs }), refusal, this.toString());
    if (!reply) return;
    expect(reply.tasks).toHaveLength(specs.length);
    this.specs.forEach((plan, i) => {
      const returned = reply.tasks[i]!;
      const keyId = `${model.queues[plan.queue]}\u0000${plan.key}`;
      const existing = plan.key === undefined ? undefined : model.keys.get(keyId);
      if (existing) {
        expect(returned.id, 'an idempotency key already used returns the first task').toBe(existing);
        return;
      }
      expect(model.tasks.has(returned.id), 'a new task gets a new id').toBe(false);
      const task: ModelTask = {
        id: returned.id,
        queue: model.queues[plan.queue]!,
        name: plan.name,
        priority: plan.priority,
        status: 'new',
        attempt: 0,
        maxRetries: plan.maxRetries,
        slowBackoff: plan.slowBackoff,
        delayed: plan.start === 'delay' || plan.start === 'futureEta',
        seq: model.nextSeq(),
        pastTokens: [],
        cancelRequested: false,
      };
      expectTask(returned, task, 'enqueued');
      model.tasks.set(task.id, task);
      model.order.push(task.id);
      if (plan.key !== undefined) {
        model.keys.set(keyId, task.id);
        model.keyRequests.set(keyId, requestSignature(specs[i]!, plan));
      }
    });
  }
  toString(): string {
    return `Enqueue(${JSON.stringify(this.specs.map((s) => ({ ...s, name: s.name.slice(0, 12), args: s.args?.toString('hex').slice(0, 24), kwargs: s.kwargs?.toString('hex').slice(0, 24) })))})`;
  }
}

class LeaseCommand implements FuzzCommand {
  constructor(
    readonly queues: number[],
    readonly maxTasks: number,
    readonly fault: 'none' | 'emptyWorker' | 'badMaxTasks' | 'unknownQueue',
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const queues = this.queues.map((i) => model.queues[i]!);
    if (this.fault === 'unknownQueue') queues.push(`nowhere-${randomUUID()}`);
    const request = { workerId: this.fault === 'emptyWorker' ? '' : 'fuzz-worker', queues, maxTasks: this.fault === 'badMaxTasks' ? 1001 : this.maxTasks, leaseMs: LONG_MS };
    let refusal: Refusal | undefined;
    if (this.fault === 'emptyWorker') refusal = { code: Status.INVALID_ARGUMENT, message: /^worker_id: must not be empty$/ };
    else if (queues.length === 0) refusal = { code: Status.INVALID_ARGUMENT, message: /^queues: must name at least one queue$/ };
    else if (this.fault === 'badMaxTasks') refusal = { code: Status.INVALID_ARGUMENT, message: /^max_tasks: / };
    const ready = [...model.tasks.values()]
      .filter((t) => (t.status === 'new' || t.status === 'retry') && !t.delayed && queues.includes(t.queue) && !model.paused.has(t.queue))
      .sort((a, b) => a.priority - b.priority || a.seq - b.seq)
      .slice(0, this.maxTasks || 1);
    // With nothing to hand out, wait a little: the parked path must return empty too.
    const waitMs = ready.length === 0 ? 20 : 0;
    const reply = await expectOutcome(() => real.broker.client.lease({ ...request, waitMs }), refusal, this.toString());
    if (!reply) return;
    expect(reply.tasks.map((t) => t.task!.id), 'leased: the ready tasks, by priority then FIFO').toEqual(ready.map((t) => t.id));
    reply.tasks.forEach((leased, i) => {
      const task = ready[i]!;
      if (task.token) task.pastTokens.push(task.token);
      Object.assign(task, { leasedFrom: task.status, status: 'process', attempt: task.attempt + 1, token: leased.leaseToken, progress: undefined });
      expectTask(leased.task, task, 'leased');
    });
  }
  toString(): string {
    return `Lease(${JSON.stringify(this.queues)}, max ${this.maxTasks}, ${this.fault})`;
  }
}

class HeartbeatCommand implements FuzzCommand {
  constructor(
    readonly items: ItemPlan[],
    readonly extend: 'default' | 'minute' | 'bad',
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const targets = this.items.map((plan) => itemTarget(plan, model));
    let refusal = batchRefusal('items', targets, () => undefined);
    if (!refusal && this.extend === 'bad') refusal = { code: Status.INVALID_ARGUMENT, message: /^extend_ms: / };
    refusal ??= batchRefusal('items', targets, (t, i) =>
      t.taskId === '' ? { code: Status.INVALID_ARGUMENT, message: new RegExp(`^items\\[${i}\\]\\.task_id: must not be empty$`) }
      : t.leaseToken === '' ? { code: Status.INVALID_ARGUMENT, message: new RegExp(`^items\\[${i}\\]\\.lease_token: must not be empty$`) }
      : undefined,
    );
    const extendMs = { default: 0, minute: 60_000, bad: 500 }[this.extend];
    const items = targets.map(({ taskId, leaseToken }) => ({ taskId, leaseToken }));
    const reply = await expectOutcome(() => real.broker.client.heartbeat({ items, extendMs }), refusal, this.toString());
    if (!reply) return;
    targets.forEach((target, i) => {
      const held = holdsLease(target, model);
      expect({ item: i, ok: reply.results[i]!.ok, cancelRequested: reply.results[i]!.cancelRequested }).toEqual({ item: i, ok: !!held, cancelRequested: held?.cancelRequested ?? false });
    });
  }
  toString(): string {
    return `Heartbeat(${JSON.stringify(this.items)}, ${this.extend})`;
  }
}

type OutcomePlan =
  | { kind: 'success'; result: Buffer | undefined }
  | { kind: 'failure'; retryable: boolean; emptyType: boolean }
  | { kind: 'cancelled' }
  | { kind: 'released' }
  | { kind: 'none' };

const outcomePlan: fc.Arbitrary<OutcomePlan> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('success' as const), result: fc.option(payload('any'), { nil: undefined }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('failure' as const), retryable: fc.boolean(), emptyType: fc.constant(false) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'cancelled' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'released' as const }) },
  { weight: 1, arbitrary: fc.constantFrom<OutcomePlan>({ kind: 'none' }, { kind: 'failure', retryable: true, emptyType: true }) },
);

class CompleteCommand implements FuzzCommand {
  constructor(readonly items: Array<ItemPlan & { outcome: OutcomePlan }>) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const targets = this.items.map((plan) => itemTarget(plan, model));
    const completions = this.items.map((plan, i) => ({ taskId: targets[i]!.taskId, leaseToken: targets[i]!.leaseToken, outcome: outcomeRequest(plan.outcome) }));
    const refusal = batchRefusal('completions', this.items, (plan, i) => {
      const at = `^completions\\[${i}\\]\\.`;
      if (targets[i]!.taskId === '') return { code: Status.INVALID_ARGUMENT, message: new RegExp(`${at}task_id: must not be empty$`) };
      if (targets[i]!.leaseToken === '') return { code: Status.INVALID_ARGUMENT, message: new RegExp(`${at}lease_token: must not be empty$`) };
      const outcome = plan.outcome;
      if (outcome.kind === 'none') return { code: Status.INVALID_ARGUMENT, message: new RegExp(`${at}outcome: is required`) };
      if (outcome.kind === 'success' && outcome.result?.length && !isJson(outcome.result, 'any')) return { code: Status.INVALID_ARGUMENT, message: new RegExp(`${at}success\\.result: is not valid`) };
      if (outcome.kind === 'failure' && outcome.emptyType) return { code: Status.INVALID_ARGUMENT, message: new RegExp(`${at}failure\\.error\\.type: must not be empty$`) };
      return undefined;
    });
    const reply = await expectOutcome(() => real.broker.client.complete({ completions }), refusal, this.toString());
    if (!reply) return;
    // Applied in order, as the broker does: a later item of the same task sees the earlier one's effect.
    this.items.forEach((plan, i) => {
      const task = holdsLease(targets[i]!, model);
      const result = reply.results[i]!;
      expect({ item: i, accepted: result.accepted }).toEqual({ item: i, accepted: !!task });
      if (!task) return;
      settle(task, plan.outcome, model);
      expectTask(result.task, task, `completion ${i}`);
    });
  }
  toString(): string {
    return `Complete(${JSON.stringify(this.items.map((i) => ({ ...i, outcome: { ...i.outcome, result: 'result' in i.outcome ? i.outcome.result?.toString('hex').slice(0, 24) : undefined } })))})`;
  }
}

function outcomeRequest(outcome: OutcomePlan): DeepPartial<Completion['outcome']> {
  switch (outcome.kind) {
    case 'success': return { $case: 'success', value: { result: outcome.result } };
    case 'failure': return { $case: 'failure', value: { error: { type: outcome.emptyType ? '' : 'FuzzError', message: 'boom' }, retryable: outcome.retryable } };
    case 'cancelled': return { $case: 'cancelled', value: { reason: 'fuzz' } };
    case 'released': return { $case: 'released', value: {} };
    case 'none': return undefined;
  }
}

/** The model of an accepted outcome (see TaskStore.settle). */
function settle(task: ModelTask, outcome: OutcomePlan, model: Model): void {
  task.pastTokens.push(task.token!);
  task.token = undefined;
  const ready = (status: 'new' | 'retry', delayed: boolean) => Object.assign(task, { status, delayed, seq: model.nextSeq() });
  switch (outcome.kind) {
    case 'success':
      task.status = 'success';
      return;
    case 'cancelled':
      task.status = 'cancel';
      return;
    case 'failure':
      if (task.cancelRequested) task.status = 'cancel';
      else if (!outcome.retryable || task.attempt - (task.attemptsBeforeRetry ?? 0) > task.maxRetries) task.status = 'error';
      else ready('retry', task.slowBackoff);
      return;
    case 'released':
      task.progress = undefined;
      if (task.cancelRequested) task.status = 'cancel';
      else {
        task.attempt -= 1;
        ready(task.attempt === 0 ? 'new' : 'retry', false);
      }
      return;
    case 'none':
      throw new Error('unreachable');
  }
}

class CancelCommand implements FuzzCommand {
  constructor(
    readonly pick: number,
    readonly unknown: boolean,
    readonly longReason: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const task = this.unknown ? undefined : model.pick(this.pick);
    const taskId = task?.id ?? randomUUID();
    let refusal: Refusal | undefined;
    if (this.longReason) refusal = { code: Status.INVALID_ARGUMENT, message: /^reason: must be at most 4096 bytes/ };
    else if (!task) refusal = { code: Status.NOT_FOUND, message: /not found$/ };
    else if (task.status === 'success' || task.status === 'error') refusal = { code: Status.FAILED_PRECONDITION, message: /already ended in/ };
    const reply = await expectOutcome(() => real.broker.client.cancelTask({ taskId, reason: this.longReason ? 'r'.repeat(4097) : 'fuzz' }), refusal, this.toString());
    if (!reply || !task) return;
    if (task.status === 'process') task.cancelRequested = true;
    else if (task.status === 'new' || task.status === 'retry') Object.assign(task, { status: 'cancel', delayed: false });
    expectTask(reply.task, task, 'cancelled');
  }
  toString(): string {
    return `Cancel(${this.pick}, unknown ${this.unknown}, longReason ${this.longReason})`;
  }
}

class ProgressCommand implements FuzzCommand {
  constructor(readonly items: Array<ItemPlan & { progress: Buffer }>) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const targets = this.items.map((plan) => itemTarget(plan, model));
    const items = this.items.map((plan, i) => ({ taskId: targets[i]!.taskId, leaseToken: targets[i]!.leaseToken, progress: plan.progress }));
    const refusal = batchRefusal('items', this.items, (plan, i) => {
      const at = `^items\\[${i}\\]\\.`;
      if (plan.progress.length === 0) return { code: Status.INVALID_ARGUMENT, message: new RegExp(`${at}progress: must not be empty$`) };
      if (!isJson(plan.progress, 'any')) return { code: Status.INVALID_ARGUMENT, message: new RegExp(`${at}progress: is not valid`) };
      if (targets[i]!.taskId === '') return { code: Status.INVALID_ARGUMENT, message: new RegExp(`${at}task_id: must not be empty$`) };
      if (targets[i]!.leaseToken === '') return { code: Status.INVALID_ARGUMENT, message: new RegExp(`${at}lease_token: must not be empty$`) };
      return undefined;
    });
    const reply = await expectOutcome(() => real.broker.client.reportProgress({ items }), refusal, this.toString());
    if (!reply) return;
    this.items.forEach((plan, i) => {
      const task = holdsLease(targets[i]!, model);
      expect({ item: i, ok: reply.results[i]!.ok }).toEqual({ item: i, ok: !!task });
      if (task) task.progress = plan.progress;
    });
  }
  toString(): string {
    return `ReportProgress(${JSON.stringify(this.items.map((i) => ({ ...i, progress: i.progress.toString('hex').slice(0, 24) })))})`;
  }
}

class GetCommand implements FuzzCommand {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const task = model.pick(this.pick);
    if (!task) return;
    const { task: got } = await real.broker.client.getTask({ taskId: task.id });
    expectTask(got, task, 'read');
    expect(Buffer.from(got!.progress)).toEqual(task.progress ?? Buffer.alloc(0));
  }
  toString(): string {
    return `GetTask(${this.pick})`;
  }
}

/** RetryTask: an ERROR or CANCEL task runs again (RETRY, ready, a fresh budget); any other is FAILED_PRECONDITION. */
class RetryCommand implements FuzzCommand {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const task = model.pick(this.pick);
    if (!task) return;
    const replayable = task.status === 'error' || task.status === 'cancel';
    const refusal = replayable ? undefined : { code: Status.FAILED_PRECONDITION, message: /only a task that ended in error or cancel can be retried$/ };
    const reply = await expectOutcome(() => real.broker.client.retryTask({ taskId: task.id }), refusal, this.toString());
    if (!reply) return;
    Object.assign(task, { status: 'retry', delayed: false, cancelRequested: false, attemptsBeforeRetry: task.attempt, seq: model.nextSeq() });
    expectTask(reply.task, task, 'retried');
    expect(reply.task!.attemptsBeforeRetry).toBe(task.attempt);
  }
  toString(): string {
    return `RetryTask(${this.pick})`;
  }
}

/** PauseQueue or ResumeQueue: a paused queue hands nothing out (LeaseCommand's model skips it). */
class PauseCommand implements FuzzCommand {
  constructor(
    readonly queue: number,
    readonly pause: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const queue = model.queues[this.queue]!;
    const reply = this.pause ? await real.broker.client.pauseQueue({ queue }) : await real.broker.client.resumeQueue({ queue });
    if (this.pause) model.paused.add(queue);
    else model.paused.delete(queue);
    expect(reply.queue).toMatchObject({ name: queue, paused: this.pause });
  }
  toString(): string {
    return `${this.pause ? 'Pause' : 'Resume'}Queue(${this.queue})`;
  }
}

/** ListQueues: each queue's counts by status are the model's (kept with each commit, never counted). */
class ListQueuesCommand implements FuzzCommand {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const { queues } = await real.broker.client.listQueues({});
    for (const name of model.queues) {
      const expected = { new: 0, process: 0, retry: 0, success: 0, error: 0, cancel: 0 };
      for (const task of model.tasks.values()) if (task.queue === name) expected[task.status]++;
      const found = queues.find((q) => q.name === name);
      expect({ queue: name, counts: found?.counts ?? { new: 0, process: 0, retry: 0, success: 0, error: 0, cancel: 0 }, paused: found?.paused ?? false }).toEqual({
        queue: name,
        counts: expected,
        paused: model.paused.has(name),
      });
    }
  }
  toString(): string {
    return 'ListQueues';
  }
}

const METHODS: BrokerMethod[] = ['Enqueue', 'GetTask', 'CancelTask', 'ListTasks', 'Lease', 'Heartbeat', 'Complete', 'ReportProgress'];

/** Random bytes to a random method: refused as the client's fault, never INTERNAL, and never a change the model does not know of. */
class GarbageCommand implements FuzzCommand {
  constructor(
    readonly method: BrokerMethod,
    readonly bytes: Uint8Array,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const reply = await real.raw.unary(this.method as Exclude<BrokerMethod, 'WatchResult'>, this.bytes);
    if (!reply.ok) {
      expect([Status.INVALID_ARGUMENT, Status.NOT_FOUND, Status.RESOURCE_EXHAUSTED], `${this}: ${Status[reply.code]} ${reply.details}`).toContain(reply.code);
      return;
    }
    // Random bytes can still be a well-formed request; nothing they name exists, so nothing changes.
    switch (this.method) {
      case 'Enqueue':
        // Vanishingly unlikely (it needs a valid name), but then the tasks exist: the model adopts them.
        for (const task of EnqueueResponse.decode(reply.bytes).tasks) {
          if (model.tasks.has(task.id)) continue;
          model.tasks.set(task.id, { id: task.id, queue: task.queue, name: task.name, priority: task.priority, status: 'new', attempt: 0, maxRetries: task.maxRetries, slowBackoff: true, delayed: true, seq: model.nextSeq(), pastTokens: [], cancelRequested: false });
          model.order.push(task.id);
        }
        break;
      case 'Lease':
        expect(LeaseResponse.decode(reply.bytes).tasks).toEqual([]);
        break;
      case 'Heartbeat':
        expect(HeartbeatResponse.decode(reply.bytes).results.every((r) => !r.ok)).toBe(true);
        break;
      case 'Complete':
        expect(CompleteResponse.decode(reply.bytes).results.every((r) => !r.accepted)).toBe(true);
        break;
      case 'ReportProgress':
        expect(ReportProgressResponse.decode(reply.bytes).results.every((r) => !r.ok)).toBe(true);
        break;
      default:
        break;
    }
  }
  toString(): string {
    return `Garbage(${this.method}, ${Buffer.from(this.bytes).toString('hex')})`;
  }
}

const commands: Array<fc.Arbitrary<FuzzCommand>> = [
  fc.array(specPlan, { minLength: 1, maxLength: 4 }).chain((specs) => fc.oneof({ weight: 12, arbitrary: fc.constant(specs) }, { weight: 1, arbitrary: fc.constant<SpecPlan[]>([]) }, { weight: 1, arbitrary: fc.constant(Array.from({ length: MAX_BATCH + 1 }, () => specs[0]!)) })).map((specs) => new EnqueueCommand(specs)),
  fc.array(specPlan, { minLength: 1, maxLength: 4 }).map((specs) => new EnqueueCommand(specs)),
  fc.tuple(fc.uniqueArray(fc.nat(QUEUES - 1), { minLength: 0, maxLength: QUEUES }), fc.nat(4), fc.oneof({ weight: 8, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constantFrom('emptyWorker' as const, 'badMaxTasks' as const, 'unknownQueue' as const) })).map(([queues, max, fault]) => new LeaseCommand(queues, max, fault)),
  fc.tuple(fc.uniqueArray(fc.nat(QUEUES - 1), { minLength: 1, maxLength: QUEUES }), fc.nat(4)).map(([queues, max]) => new LeaseCommand(queues, max, 'none')),
  fc.tuple(itemsOf(itemPlan), fc.constantFrom('default' as const, 'minute' as const, 'minute' as const, 'bad' as const)).map(([items, extend]) => new HeartbeatCommand(items, extend)),
  itemsOf(fc.tuple(itemPlan, outcomePlan).map(([item, outcome]) => ({ ...item, outcome }))).map((items) => new CompleteCommand(items)),
  itemsOf(fc.tuple(itemPlan, outcomePlan).map(([item, outcome]) => ({ ...item, outcome }))).map((items) => new CompleteCommand(items)),
  fc.tuple(fc.nat(), fc.constantFrom('known', 'known', 'known', 'known', 'unknown', 'longReason')).map(([pick, kind]) => new CancelCommand(pick, kind === 'unknown', kind === 'longReason')),
  itemsOf(fc.tuple(itemPlan, fc.oneof({ weight: 6, arbitrary: payload('any') }, { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) })).map(([item, progress]) => ({ ...item, progress }))).map((items) => new ProgressCommand(items)),
  fc.nat().map((pick) => new GetCommand(pick)),
  fc.nat().map((pick) => new RetryCommand(pick)),
  fc.tuple(fc.nat(QUEUES - 1), fc.boolean()).map(([queue, pause]) => new PauseCommand(queue, pause)),
  fc.constant(new ListQueuesCommand()),
  fc.tuple(fc.constantFrom(...METHODS), fc.uint8Array({ maxLength: 64 })).map(([method, bytes]) => new GarbageCommand(method, bytes)),
];

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

describe('fuzz', () => {
  test(`random request sequences keep the broker consistent (seed ${SEED}, ${RUNS} runs)`, { timeout: Math.max(90_000, RUNS * 20_000) }, async () => {
    console.log(`fuzz: seed ${SEED}, ${RUNS} runs of up to ${MAX_COMMANDS} commands (QTASKS_FUZZ_SEED, QTASKS_FUZZ_RUNS, QTASKS_FUZZ_COMMANDS, QTASKS_FUZZ_SHRINK=1)`);
    let totals = { runs: 0, commands: 0, tasks: 0 };
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS, size: 'max' }), async (cmds) => {
        const broker = await startBrokerProcess({ args: ['--max-payload-bytes', String(MAX_PAYLOAD), '--max-batch-size', String(MAX_BATCH)] });
        const raw = new RawBrokerClient(broker.address);
        const model = new Model(Array.from({ length: QUEUES }, (_, i) => `fuzz-${i}-${randomUUID().slice(0, 8)}`));
        try {
          await fc.asyncModelRun(() => ({ model, real: { broker, raw } }), cmds);
          // Every task, read back: exactly the acknowledged ids, each in the status the model expects.
          const tasks = await listAllTasks(broker.client);
          expect(tasks.map((t) => t.id).sort()).toEqual([...model.tasks.keys()].sort());
          for (const task of tasks) expectTask(task, model.tasks.get(task.id)!, 'at the end');
          raw.close();
          expect(await broker.stop('SIGTERM'), `broker exit code; stderr:\n${broker.stderr()}`).toBe(0);
          const report = await checkStoreOf(broker);
          const byStatus = { new: 0, process: 0, retry: 0, success: 0, error: 0, cancel: 0 };
          // As stored: a leased task's record stays NEW or RETRY on disk where leases live in memory
          // (LMDB); where they outlive the broker (PostgreSQL), it is stored leased.
          for (const task of model.tasks.values()) byStatus[task.status === 'process' && !LEASES_OUTLIVE_BROKER ? task.leasedFrom! : task.status]++;
          expect(report).toMatchObject({ consistent: true, exitCode: 0, problems: [], tasks: model.tasks.size, byStatus });
          totals = { runs: totals.runs + 1, commands: totals.commands + [...cmds].length, tasks: totals.tasks + model.tasks.size };
        } finally {
          raw.close();
          await broker.dispose();
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: !SHRINK, verbose: 1 },
    );
    console.log(`fuzz: ${totals.runs} runs, ${totals.commands} commands, ${totals.tasks} tasks, all consistent`);
  });
});
