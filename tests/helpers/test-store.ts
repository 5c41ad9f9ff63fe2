/**
 * Which store the integration tests run their brokers on (issue 14: the same suite on both):
 * `QTASKS_TEST_STORE=postgres` gives each broker a database of its own on the cluster the run
 * started (`tests/helpers/postgres-global-setup.ts`, its URL in `QTASKS_TEST_PG_URL`); anything
 * else, the LMDB store in the broker's data directory.
 */
import postgres, { type Sql } from 'postgres';

/** The store of this run's brokers. */
export const TEST_STORE: 'lmdb' | 'postgres' = process.env.QTASKS_TEST_STORE === 'postgres' ? 'postgres' : 'lmdb';

/**
 * True when a lease outlives its broker: on PostgreSQL it is a row, reaped at its deadline by any
 * broker; LMDB keeps leases in memory, so a stopped broker's leased tasks are stored ready.
 */
export const LEASES_OUTLIVE_BROKER = TEST_STORE === 'postgres';

let admin: Sql | undefined;
let made = 0;

/** The cluster's `postgres` database: where databases are made and dropped. */
function adminClient(): Sql {
  const url = process.env.QTASKS_TEST_PG_URL;
  if (!url) throw new Error('QTASKS_TEST_STORE=postgres needs QTASKS_TEST_PG_URL: run the postgres project (vitest --project postgres)');
  return (admin ??= postgres(url, { max: 1, onnotice: () => undefined }));
}

/** A new, empty database on the run's cluster; its URL. */
export async function newDatabase(): Promise<string> {
  const name = `broker_${process.pid}_${++made}`;
  const sql = adminClient();
  await sql.unsafe(`CREATE DATABASE ${name}`);
  return process.env.QTASKS_TEST_PG_URL!.replace(/\/[^/]*$/, `/${name}`);
}

/** Drops a database {@link newDatabase} made, its connections (a broker killed) included. */
export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await adminClient().unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
