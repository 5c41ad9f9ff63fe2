/**
 * The PostgreSQL store's migrations (`server/src/store/postgres/migrations.ts`) on a real
 * PostgreSQL made inside the test run (`tests/helpers/postgres.ts`), one fresh database per test.
 */
import type { Sql } from 'postgres';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion, SchemaTooNewError } from '../../server/src/store/postgres/migrations.js';
import { MIGRATIONS, type Migration } from '../../server/src/store/postgres/schema.js';
import { usePostgresDatabases } from '../helpers/postgres-databases.js';

const databases = usePostgresDatabases();

/** The public tables of a database, by name. */
async function tables(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`;
  return rows.map((row) => row.name);
}

describe('PostgreSQL schema migrations', () => {
  it('brings an empty database to the newest version once; a second run applies nothing', async (ctx) => {
    if (databases.skipReason) return ctx.skip(databases.skipReason);
    const { sql } = await databases.fresh();
    expect(await schemaVersion(sql)).toBe(0);

    expect(await migrate(sql)).toEqual({ applied: MIGRATIONS.map((m) => m.version), version: MIGRATIONS.length });
    expect(await tables(sql)).toEqual(['qtasks_queue_settings', 'qtasks_rate_starts', 'qtasks_schema_migrations', 'qtasks_tasks']);
    expect(await schemaVersion(sql)).toBe(MIGRATIONS.length);

    expect(await migrate(sql)).toEqual({ applied: [], version: MIGRATIONS.length });
  });

  it('three brokers starting at once: one migrates, the others wait and find nothing to do', async (ctx) => {
    if (databases.skipReason) return ctx.skip(databases.skipReason);
    const { url } = await databases.fresh();
    const reports = await Promise.all([databases.client(url), databases.client(url), databases.client(url)].map((sql) => migrate(sql)));
    expect(reports.map((report) => report.applied.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
    expect(reports.every((report) => report.version === MIGRATIONS.length)).toBe(true);
  });

  it('refuses a database a newer broker migrated, naming both versions, and changes nothing', async (ctx) => {
    if (databases.skipReason) return ctx.skip(databases.skipReason);
    const { sql } = await databases.fresh();
    const ahead: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'from the future', sql: 'CREATE TABLE qtasks_future (id int)' }];
    await migrate(sql, ahead);

    const refusal = migrate(sql);
    await expect(refusal).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(refusal).rejects.toThrow(`at version ${ahead.length}, newer than this broker knows (${MIGRATIONS.length})`);
    expect(await schemaVersion(sql)).toBe(ahead.length);
  });

  it('a migration that fails leaves nothing of itself: not its first statements, not its row', async (ctx) => {
    if (databases.skipReason) return ctx.skip(databases.skipReason);
    const { sql } = await databases.fresh();
    await migrate(sql);
    const broken: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE qtasks_half (id int); SELECT no_such_function()' }];

    await expect(migrate(sql, broken)).rejects.toThrow(/no_such_function/);
    expect(await schemaVersion(sql)).toBe(MIGRATIONS.length);
    expect(await tables(sql)).not.toContain('qtasks_half');
  });

  it('the task table refuses a PROCESS row without a lease, and two tasks of one queue with one idempotency key', async (ctx) => {
    if (databases.skipReason) return ctx.skip(databases.skipReason);
    const { sql } = await databases.fresh();
    await migrate(sql);
    const row = (id: string, status: string, key: string | null) =>
      sql`INSERT INTO qtasks_tasks (id, queue, priority, seq, status, idempotency_key, version, record)
          VALUES (${id}, 'q', 0, 1, ${status}, ${key}, 1, '\\x00')`;

    await expect(row('0190f5c2-0000-7000-8000-000000000001', 'process', null)).rejects.toThrow(/check constraint/);
    await row('0190f5c2-0000-7000-8000-000000000002', 'new', 'once');
    await expect(row('0190f5c2-0000-7000-8000-000000000003', 'new', 'once')).rejects.toThrow(/qtasks_tasks_idempotency/);
  });
});
