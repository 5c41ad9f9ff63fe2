/**
 * The `qtasks-broker` command: read the configuration, serve, and shut down cleanly on
 * SIGTERM/SIGINT (a second signal exits at once).
 */
import { ConfigError, USAGE, loadConfig } from './config.js';
import { startBroker } from './broker-server.js';
import { exposureWarnings, httpExposureWarnings } from './exposure-warnings.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreReport } from './store/invariants.js';
import { TaskStore } from './store/task-store.js';
import postgres from 'postgres';
import { migrate } from './store/postgres/migrations.js';
import { checkDatabase } from './store/postgres/pg-check.js';
import { createLogger, logger, useLogger } from './logger.js';

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`qtasks-broker: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  useLogger(createLogger(config.logLevel));
  if (config.check) return config.store === 'postgres' ? checkPostgres(config.databaseUrl) : checkDataDir(config.dataDir);
  if (config.migrate) return migratePostgres(config.databaseUrl);
  if (config.backup !== undefined) return backupDataDir(config.dataDir, config.backup);
  const broker = await startBroker(config);
  // Operators (and `npm run bench:overload`) read memory and queue sizes with `kill -USR2 PID`:
  // one JSON line on stderr, whatever the log level (an answer asked for, not a log line).
  // Installed before the ready line, so that no signal can arrive while SIGUSR2 still has its
  // default action (exit).
  process.on('SIGUSR2', () => {
    // Run with `node --expose-gc`, a full collection comes first: the heap figure is then what
    // the broker holds, not also what it has yet to collect (which swings by tens of MiB).
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    broker.stats().then(
      (stats) => process.stderr.write(`${JSON.stringify({ qtasksBrokerStats: { atMs: Date.now(), memory, ...stats } })}\n`),
      (error: unknown) => logger.error({ err: error }, 'reading the stats failed'),
    );
  });
  // The shutdown signals are handled from before the ready line: a supervisor (or a test) may
  // send SIGTERM the moment it reads it, and the default action would kill without a clean stop.
  const signalled = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, `${signal} received, shutting down`);
      process.on(signal, () => process.exit(130));
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  process.stdout.write(`qtasks-broker listening on ${broker.address}\n`);
  if (broker.httpAddress) process.stdout.write(`qtasks-broker http on ${broker.httpAddress} (dashboard at /, /api/, /metrics, /healthz, /readyz)\n`);
  for (const warning of exposureWarnings(broker.host, { tokens: config.authTokens !== undefined, tls: config.tls !== undefined })) {
    logger.warn(warning);
  }
  const httpHost = broker.httpAddress?.slice(0, broker.httpAddress.lastIndexOf(':'));
  for (const warning of httpHost === undefined ? [] : httpExposureWarnings(httpHost, { tokens: config.authTokens !== undefined })) {
    logger.warn(warning);
  }
  await signalled;
  await broker.close();
  // Everything the broker owns is closed now. The socket of a client that stopped reading can
  // outlive the server (Node ends a socket only once its pending writes are flushed, which that
  // client never allows), and would keep the process alive: exit rather than wait for it.
  process.exit(0);
}

/**
 * `--check`: prints the store's report as JSON; exit code 0 when consistent. A store too damaged
 * to open or to read through (a torn copy, say) is reported as inconsistent, with the error.
 */
async function checkDataDir(dataDir: string): Promise<number> {
  if (!existsSync(join(dataDir, 'data.mdb'))) {
    logger.error({ dataDir }, `${dataDir} holds no store (no data.mdb)`);
    return 1;
  }
  let store: TaskStore | undefined;
  let report: StoreReport;
  try {
    store = await TaskStore.open({ path: dataDir, readOnly: true });
    report = store.checkInvariants();
  } catch (error) {
    report = { tasks: 0, byStatus: {} as StoreReport['byStatus'], problems: [`the store cannot be read: ${error instanceof Error ? error.message : String(error)}`] };
  } finally {
    await store?.close().catch(() => undefined);
  }
  process.stdout.write(`${JSON.stringify({ dataDir, consistent: report.problems.length === 0, ...report }, null, 2)}\n`);
  return report.problems.length === 0 ? 0 : 1;
}

/** `--store postgres --check`: the database's report as JSON (`store/postgres/pg-check.ts`); exit code 0 when consistent. */
async function checkPostgres(url: string): Promise<number> {
  let report;
  try {
    report = await checkDatabase(url);
  } catch (error) {
    logger.error({ err: error }, 'the database cannot be checked');
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ store: 'postgres', consistent: report.problems.length === 0, ...report }, null, 2)}\n`);
  return report.problems.length === 0 ? 0 : 1;
}

/** `--store postgres --migrate`: brings the database's schema to this broker's version. */
async function migratePostgres(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const { applied, version } = await migrate(sql);
    process.stdout.write(`qtasks-broker: schema at version ${version}${applied.length > 0 ? ` (applied ${applied.join(', ')})` : ' (nothing to apply)'}\n`);
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'migration failed');
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `--backup DIR`: LMDB's hot copy of the data directory into DIR, safe while a broker writes. */
async function backupDataDir(dataDir: string, destination: string): Promise<number> {
  if (!existsSync(join(dataDir, 'data.mdb'))) {
    logger.error({ dataDir }, `${dataDir} holds no store (no data.mdb)`);
    return 1;
  }
  const startedMs = Date.now();
  try {
    await TaskStore.backup(dataDir, destination);
  } catch (error) {
    logger.error({ err: error }, 'backup failed');
    return 1;
  }
  process.stdout.write(`qtasks-broker: backed up ${dataDir} to ${destination} in ${Date.now() - startedMs} ms\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    logger.fatal({ err: error }, 'qtasks-broker failed');
    process.exitCode = 1;
  },
);
