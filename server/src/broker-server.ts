/**
 * Wires the layers into a running broker: LMDB store → core → gRPC service, plus the standard
 * health and reflection services.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { BrokerServiceDefinition, descriptorSetPath } from '@qtasks/proto';
import { createServer } from 'nice-grpc';
import { HealthDefinition, HealthServiceImpl, HealthState } from 'nice-grpc-server-health';
import { ServerReflection, ServerReflectionService } from 'nice-grpc-server-reflection';
import { DEFAULT_CONFIG, parseListenAddress, type BrokerConfig } from './config.js';
import { Broker } from './core/broker.js';
import { TaskStore } from './store/task-store.js';
import { createBrokerService } from './transport/broker-service.js';
import { errorMappingMiddleware } from './transport/error-mapping.js';

/** A broker serving gRPC. */
export interface RunningBroker {
  /** The host it listens on, as configured. */
  host: string;
  /** The port it listens on (the real one when port 0 was asked for). */
  port: number;
  /** `HOST:PORT` with the real port. */
  address: string;
  /**
   * Shuts down gracefully: refuses new calls, returns parked leases empty, ends watch streams,
   * waits for calls in flight, then flushes and closes LMDB.
   */
  close(): Promise<void>;
}

/** Opens the store in `config.dataDir` and serves the broker on `config.listen`. */
export async function startBroker(options: Partial<BrokerConfig> = {}): Promise<RunningBroker> {
  const config: BrokerConfig = { ...DEFAULT_CONFIG, ...options };
  const { host } = parseListenAddress(config.listen);
  await mkdir(config.dataDir, { recursive: true });
  const store = await TaskStore.open({ path: config.dataDir, durability: config.durability });
  const broker = new Broker(store);
  const health = HealthState();
  const server = createServer({
    'grpc.max_receive_message_length': config.maxMessageBytes,
    'grpc.max_send_message_length': config.maxMessageBytes,
  }).use(errorMappingMiddleware);
  server.add(BrokerServiceDefinition, createBrokerService(broker, config));
  server.add(HealthDefinition, HealthServiceImpl(health));
  server.add(
    ServerReflectionService,
    ServerReflection(await readFile(descriptorSetPath), [BrokerServiceDefinition.fullName]),
  );
  let port: number;
  try {
    port = await server.listen(config.listen);
  } catch (error) {
    await store.close();
    throw error;
  }
  health.setStatus('healthy');
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    address: `${host}:${port}`,
    close: () =>
      (closing ??= (async () => {
        health.setStatus('unhealthy');
        broker.shutdown();
        await server.shutdown();
        await store.close();
      })()),
  };
}
