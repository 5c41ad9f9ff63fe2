/**
 * `@qtasks/broker`: the QTasks broker, runnable as the `qtasks-broker` command or embedded.
 *
 * ```ts
 * import { startBroker } from '@qtasks/broker';
 * const broker = await startBroker({ listen: '127.0.0.1:0', dataDir: './data' });
 * console.log(`serving on ${broker.address}`);
 * await broker.close();
 * ```
 *
 * @module
 */
export { startBroker, type RunningBroker } from './broker-server.js';
export { DEFAULT_CONFIG, ConfigError, loadConfig, parseTokensFile, type BrokerConfig, type TlsConfig } from './config.js';
export type { AuthScope, AuthToken } from './transport/auth.js';
export { Broker, DEFAULT_MAX_PENDING_WRITES, type BrokerOptions, type BrokerStats } from './core/broker.js';
export { TaskStore, type Durability, type TaskStoreOptions, type ListFilter, type ListPage } from './store/task-store.js';
export * from './domain/task.js';
export * from './domain/errors.js';
