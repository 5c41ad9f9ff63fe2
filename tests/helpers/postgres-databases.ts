/**
 * One PostgreSQL cluster per test file (`postgres.ts`), and a fresh database per test: register
 * with {@link usePostgresDatabases} at the top of a file, then call `fresh()` in each test. Where
 * PostgreSQL is not installed, `skipReason` says so and the tests skip with it.
 */
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { postgresBin, startPostgres, type Postgres } from './postgres.js';

/** The databases of one test file. */
export interface PostgresDatabases {
  /** Why the file's tests skip (no PostgreSQL server installed), or undefined. */
  readonly skipReason: string | undefined;
  /** A new, empty database: its URL, and a client of it closed after the file. */
  fresh(): Promise<{ url: string; sql: Sql }>;
  /** Another client of `url`, closed after the file. */
  client(url: string): Sql;
  /** Restarts the cluster (every connection is cut). */
  restartCluster(): Promise<void>;
}

/** Starts a cluster before the file's tests and removes it after (see the module comment). */
export function usePostgresDatabases(): PostgresDatabases {
  let cluster: Postgres | undefined;
  let skipReason: string | undefined;
  let count = 0;
  const clients: Sql[] = [];
  beforeAll(async () => {
    const bin = await postgresBin();
    if (typeof bin !== 'string') skipReason = bin.missing;
    else cluster = await startPostgres(bin);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((sql) => sql.end()));
    await cluster?.stop();
  });
  const client = (url: string): Sql => {
    const sql = postgres(url, { max: 2, onnotice: () => undefined });
    clients.push(sql);
    return sql;
  };
  return {
    get skipReason() {
      return skipReason;
    },
    client,
    restartCluster: () => cluster!.restart(),
    async fresh() {
      const name = `test_${++count}`;
      await cluster!.sql(`CREATE DATABASE ${name}`);
      const url = cluster!.url.replace(/\/postgres$/, `/${name}`);
      return { url, sql: client(url) };
    },
  };
}
