/**
 * Turning a function and its options into a registered task: the `TaskExecSchema` the worker
 * runs, and the `AsyncTask` handle users call. Shared by `app.task` and `sharedTask`.
 */
import { DuplicateTaskError, TaskUsageError } from './errors.js';
import { retentionMsOf } from './retention.js';
import {
  KNOWN_TASK_OPTIONS,
  generatorKind,
  type TaskExecSchema,
  type TaskFunction,
  type TaskOptions,
} from './task-exec-schema.js';

/** Builds the definition of a task. */
export function buildTaskExecSchema(func: TaskFunction, options: TaskOptions, defaultPriority: number): TaskExecSchema {
  if (typeof func !== 'function') throw new TaskUsageError(`a task needs a function, got ${typeof func}`);
  // NFC, as the broker normalizes every name: a task it hands back (always NFC) must find the
  // handler registered under an NFD spelling of the same name.
  const name = (options.name ?? func.name)?.normalize('NFC');
  if (!name) throw new TaskUsageError('a task needs a name: pass { name } for an anonymous function');
  const extra = Object.fromEntries(Object.entries(options).filter(([key]) => !(KNOWN_TASK_OPTIONS as readonly string[]).includes(key)));
  if (options.maxTime !== undefined && !(options.maxTime > 0)) throw new TaskUsageError(`task ${name}: maxTime must be a positive number of seconds`);
  if (options.retry !== undefined && !(Number.isInteger(options.retry) && options.retry >= 0)) {
    throw new TaskUsageError(`task ${name}: retry must be a whole number of further attempts`);
  }
  retentionMsOf(options.retention, `task ${name}`);
  if (options.limitKey !== undefined && typeof options.limitKey !== 'string') throw new TaskUsageError(`task ${name}: limitKey must be a string`);
  return {
    name,
    priority: options.priority ?? defaultPriority,
    queue: options.queue ?? name,
    func,
    thisArg: undefined,
    generating: generatorKind(func),
    echo: options.echo ?? false,
    maxTime: options.maxTime,
    retry: options.retry ?? 0,
    retryOnExc: options.retryOnExc ?? [],
    retryBackoff: options.retryBackoff,
    decode: options.decode,
    tags: options.tags ?? [],
    description: options.description,
    generateHandler: options.generateHandler,
    executor: options.executor,
    middlewaresBefore: options.middlewaresBefore ?? [],
    middlewaresAfter: options.middlewaresAfter ?? [],
    limitKey: options.limitKey || undefined,
    retention: options.retention,
    extra,
  };
}

/** Adds a definition to a registry. @throws DuplicateTaskError when the name is taken */
export function registerSchema(registry: Map<string, TaskExecSchema>, schema: TaskExecSchema): void {
  if (registry.has(schema.name)) throw new DuplicateTaskError(`Task with name ${schema.name} is already registered!`);
  registry.set(schema.name, schema);
}

/** True when `value` is the context object a TC39 method decorator receives. */
export function isMethodDecoratorContext(value: unknown): value is ClassMethodDecoratorContext {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'method';
}

/**
 * Points a decorated method's `this` at its class (static methods) or at the latest instance
 * (instance methods), once the class or instance exists.
 */
export function bindDecoratedThis(schema: TaskExecSchema, context: ClassMethodDecoratorContext): void {
  context.addInitializer(function (this: unknown) {
    schema.thisArg = this;
  });
}
