/**
 * The `qtasks-broker` command: read the configuration, serve, and shut down cleanly on
 * SIGTERM/SIGINT (a second signal exits at once).
 */
import { ConfigError, USAGE, loadConfig } from './config.js';
import { startBroker } from './broker-server.js';
import { TaskStore } from './store/task-store.js';

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
  if (config.check) return checkDataDir(config.dataDir);
  const broker = await startBroker(config);
  process.stdout.write(`qtasks-broker listening on ${broker.address}\n`);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.stderr.write(`qtasks-broker: ${signal} received, shutting down\n`);
      process.on(signal, () => process.exit(130));
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await broker.close();
  return 0;
}

/** `--check`: prints the store's report as JSON; exit code 0 when consistent. */
async function checkDataDir(dataDir: string): Promise<number> {
  const store = await TaskStore.open({ path: dataDir });
  try {
    const report = store.checkInvariants();
    process.stdout.write(`${JSON.stringify({ dataDir, consistent: report.problems.length === 0, ...report }, null, 2)}\n`);
    return report.problems.length === 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`qtasks-broker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
