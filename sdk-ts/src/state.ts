/**
 * Process-wide state, as in QTasks' `_state`: the default app (the first one created) and the
 * tasks defined with `sharedTask` outside any app.
 */
import { TaskUsageError } from './errors.js';
import type { TaskExecSchema } from './task-exec-schema.js';

/** What the state needs of an app. */
export interface RegisteredApp {
  adoptSharedTask(schema: TaskExecSchema): void;
}

let appMain: RegisteredApp | undefined;
const apps = new Set<RegisteredApp>();
const sharedSchemas: TaskExecSchema[] = [];

/** Records a new app: the first becomes the default; it adopts every shared task. */
export function registerApp(app: RegisteredApp): void {
  appMain ??= app;
  apps.add(app);
  for (const schema of sharedSchemas) app.adoptSharedTask(schema);
}

/** Forgets a closed app; if it was the default, the oldest open app (if any) takes its place. */
export function unregisterApp(app: RegisteredApp): void {
  apps.delete(app);
  if (appMain === app) appMain = apps.values().next().value;
}

/** The default app. @throws TaskUsageError when no app was created */
export function defaultApp<T>(): T {
  if (!appMain) throw new TaskUsageError('no QTasks app exists yet: create one with new QTasks({ broker }) first');
  return appMain as T;
}

/** Records a shared task; every app, existing or future, registers it. */
export function addSharedTask(schema: TaskExecSchema): void {
  sharedSchemas.push(schema);
  for (const app of apps) app.adoptSharedTask(schema);
}
