/**
 * The PostgreSQL store's schema, as an ordered list of migrations (issue 14). A migration is
 * applied once, in order, inside the transaction that records it (`migrations.ts`): PostgreSQL's
 * DDL is transactional, so a migration applies whole or not at all.
 *
 * Rules for whoever adds one: never edit a migration once a release has shipped it (add the next
 * one instead); every statement must work on a database several brokers share while some of them
 * still run the previous version (add columns nullable or with a default, never drop what the
 * previous version reads in the same release).
 *
 * Version 1 is the draft of docs/decisions.md ("Outgrowing one machine"): one row per task, with
 * the columns the queries filter and order on, and the record as the broker encodes it
 * (`record-codec.ts`) in `record`, so that what is stored is what is served. It may still change
 * until a release ships `--store postgres`.
 */

/** One step of the schema. */
export interface Migration {
  /** Its place in the order: 1, 2, 3, … with no gaps. */
  readonly version: number;
  /** What it does, in a few words (kept in `qtasks_schema_migrations`). */
  readonly name: string;
  /** The statements, run as one transaction. */
  readonly sql: string;
}

/** Every migration this broker knows, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tasks and queue settings',
    sql: `
      CREATE TABLE qtasks_tasks (
        id uuid PRIMARY KEY,
        queue text NOT NULL,
        -- Lower runs first.
        priority integer NOT NULL,
        -- The FIFO place in the line, renewed each time the task becomes ready: the broker's wall
        -- time in µs plus a counter (pg-task-store.ts), so that no round trip draws it.
        seq bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('new', 'process', 'retry', 'success', 'error', 'cancel')),
        -- Waiting for run_at (an eta, a retry's backoff), not yet in line.
        delayed boolean NOT NULL DEFAULT false,
        run_at timestamptz,
        -- A lease: its fencing token and its deadline, in the wall time of the broker that set it
        -- (fenced and reaped by any broker: their clocks must agree, see pg-task-store.ts).
        lease_token text,
        lease_deadline timestamptz,
        worker_id text,
        limit_key text,
        idempotency_key text,
        finished_at timestamptz,
        -- When an ended task is removed (its retention).
        expires_at timestamptz,
        -- Grows with every change a watcher can see.
        version bigint NOT NULL,
        record bytea NOT NULL,
        CHECK ((status = 'process') = (lease_token IS NOT NULL)),
        CHECK ((lease_token IS NULL) = (lease_deadline IS NULL))
      );
      -- The lines: what a lease takes, best first (FOR UPDATE SKIP LOCKED walks this index).
      CREATE INDEX qtasks_tasks_ready ON qtasks_tasks (queue, priority, seq)
        WHERE status IN ('new', 'retry') AND NOT delayed;
      -- Delayed tasks, by when they are due.
      CREATE INDEX qtasks_tasks_due ON qtasks_tasks (run_at) WHERE delayed;
      -- Leases, by deadline: a lease held through a broker that died is reaped by another.
      CREATE INDEX qtasks_tasks_leases ON qtasks_tasks (lease_deadline) WHERE lease_token IS NOT NULL;
      -- Ended tasks, by when their retention runs out.
      CREATE INDEX qtasks_tasks_expiry ON qtasks_tasks (expires_at) WHERE expires_at IS NOT NULL;
      -- Running tasks per queue and key, for per-key limits shared by every broker.
      CREATE INDEX qtasks_tasks_running ON qtasks_tasks (queue, limit_key) WHERE status = 'process';
      -- An idempotency key is held by its task while the task is stored.
      CREATE UNIQUE INDEX qtasks_tasks_idempotency ON qtasks_tasks (queue, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      -- Listing a queue by status, newest first.
      CREATE INDEX qtasks_tasks_listing ON qtasks_tasks (queue, status, id DESC);

      -- Pause and limits: rows every broker reads, so that they hold across brokers.
      CREATE TABLE qtasks_queue_settings (
        queue text PRIMARY KEY,
        paused boolean NOT NULL DEFAULT false,
        limits jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'rate windows',
    sql: `
      -- The recent starts of the queues with a rate limit (key NULL: the queue's own window) and of
      -- their limit keys (ratePerKey), one row per start; rows older than the window are pruned
      -- by the leases that read them (pg-limited-lease.ts).
      CREATE TABLE qtasks_rate_starts (
        queue text NOT NULL,
        key text,
        started_at timestamptz NOT NULL
      );
      CREATE INDEX qtasks_rate_starts_window ON qtasks_rate_starts (queue, key, started_at);
    `,
  },
];
