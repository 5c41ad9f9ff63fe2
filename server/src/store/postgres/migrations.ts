/**
 * Applies the schema's migrations (`schema.ts`) to a PostgreSQL database, at a broker's start or
 * by `qtasks-broker --migrate`. Several brokers may start at once against one database: a
 * transaction-level advisory lock lets one of them migrate while the others wait, then find
 * nothing left to do. Each migration runs in that transaction with its row in
 * `qtasks_schema_migrations`, so a failure leaves the schema as it was, nothing half-applied.
 *
 * A database whose schema is newer than this broker knows (a newer broker migrated it) is refused
 * rather than served: this broker would not know what the new columns mean.
 */
import type { Sql, TransactionSql } from 'postgres';
import { MIGRATIONS, type Migration } from './schema.js';

/** The advisory lock key of migrations: `hashtext('qtasks.migrations')`, fixed so every version agrees. */
const MIGRATION_LOCK = 'qtasks.migrations';

/** What {@link migrate} did. */
export interface MigrationReport {
  /** Versions applied by this call, in order (none when the schema was current). */
  applied: number[];
  /** The schema's version afterwards. */
  version: number;
}

/** The database's schema is newer than this broker's: it must not serve it. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `the database's qtasks schema is at version ${databaseVersion}, newer than this broker knows (${knownVersion}): run a broker at least as new as the one that migrated it`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Brings the database's schema up to the newest of `migrations`, in one transaction.
 *
 * @throws SchemaTooNewError when the database is ahead of `migrations`
 * @throws the database's error when a migration fails (nothing of this call is then applied)
 */
export async function migrate(sql: Sql, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  checkOrder(migrations);
  const known = migrations.at(-1)?.version ?? 0;
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${MIGRATION_LOCK}))`;
    await tx`CREATE TABLE IF NOT EXISTS qtasks_schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`;
    const current = await appliedVersion(tx);
    if (current > known) throw new SchemaTooNewError(current, known);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await tx.unsafe(migration.sql);
      await tx`INSERT INTO qtasks_schema_migrations (version, name) VALUES (${migration.version}, ${migration.name})`;
      applied.push(migration.version);
    }
    return { applied, version: Math.max(current, known) };
  });
}

/** The schema version the database is at (0: none yet), without changing anything. */
export async function schemaVersion(sql: Sql): Promise<number> {
  const [row] = await sql<{ exists: boolean }[]>`SELECT to_regclass('qtasks_schema_migrations') IS NOT NULL AS exists`;
  return row?.exists ? appliedVersion(sql) : 0;
}

/** The newest version recorded in `qtasks_schema_migrations` (0: none). */
async function appliedVersion(sql: Sql | TransactionSql): Promise<number> {
  const [row] = await sql<{ current: number }[]>`SELECT coalesce(max(version), 0)::int AS current FROM qtasks_schema_migrations`;
  return row?.current ?? 0;
}

/** A list with a gap or out of order would skip a step on some database: a programming error. */
function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) throw new Error(`migration ${migration.name} has version ${migration.version}, expected ${i + 1}`);
  });
}
