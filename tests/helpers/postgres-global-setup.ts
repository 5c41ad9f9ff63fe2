/**
 * The vitest `globalSetup` of the `postgres` project: one PostgreSQL cluster for the whole run
 * (`postgres.ts`), its URL handed to the test workers in `QTASKS_TEST_PG_URL`; each broker a test
 * starts gets a database of its own there (`test-store.ts`).
 */
import { postgresBin, startPostgres, type Postgres } from './postgres.js';

let cluster: Postgres | undefined;

export async function setup(): Promise<void> {
  const bin = await postgresBin();
  if (typeof bin !== 'string') throw new Error(`the postgres project needs PostgreSQL: ${bin.missing}`);
  cluster = await startPostgres(bin);
  process.env.QTASKS_TEST_PG_URL = cluster.url;
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
