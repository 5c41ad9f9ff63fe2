/**
 * The `qtasks-broker` command: read the configuration, serve, and shut down cleanly on
 * SIGTERM/SIGINT (a second signal exits at once).
 */
import { ConfigError, USAGE, loadConfig } from './config.js';
import { startBroker } from './broker-server.js';

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

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`qtasks-broker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
