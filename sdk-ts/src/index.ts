/**
 * `@qtasks/sdk`: the TypeScript SDK of the QTasks broker (`app.task`, `AsyncTask`, `addTask`,
 * result waiting, workers). It is built in its own issue; until then this package is empty, and
 * clients can use the generated contract in `@qtasks/proto` directly.
 *
 * @module
 */
export {};
