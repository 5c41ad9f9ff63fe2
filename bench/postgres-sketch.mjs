/**
 * A sketch of issue 14's hot queries on PostgreSQL (ninth sitting), to choose a driver and see
 * what the schema can take before the store is built: batched inserts, a `FOR UPDATE SKIP LOCKED`
 * lease of a batch, a batched completion, and one lease + completion after another. It prints
 * rates and asserts nothing; neither driver is a dependency of the project yet, so run it with
 * them installed beside it, against a PostgreSQL of your own:
 *
 *   npm install --no-save pg@8 postgres@3
 *   PG_URL=postgres://postgres@127.0.0.1:54329/postgres node bench/postgres-sketch.mjs
 *   (ONLY=pg or ONLY=postgres for one driver)
 *
 * A cluster like the tests' (`tests/helpers/postgres.ts`), as root:
 *   D=$(mktemp -d); chown postgres $D; B=/usr/lib/postgresql/15/bin
 *   runuser -u postgres -- $B/initdb -D $D/data -A trust -U postgres
 *   runuser -u postgres -- $B/pg_ctl -D $D/data -l $D/log -o "-p 54329 -k $D -c listen_addresses=127.0.0.1" start
 *
 * Figures and the choice they led to: docs/decisions.md, "Outgrowing one machine".
 */
import { randomUUID } from 'node:crypto';

const drivers = await Promise.all([import('pg'), import('postgres')]).catch(() => {
  console.error('bench/postgres-sketch.mjs needs both drivers beside it: npm install --no-save pg@8 postgres@3');
  process.exit(2);
});
const [pg, postgres] = drivers.map((module) => module.default);

const URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:54329/postgres';
const N = 20_000;
const RECORD = Buffer.alloc(300, 0x61);

const SCHEMA = `
DROP TABLE IF EXISTS qtasks_tasks;
CREATE TABLE qtasks_tasks (
  id uuid PRIMARY KEY,
  queue text NOT NULL,
  priority integer NOT NULL,
  seq bigserial NOT NULL,
  status smallint NOT NULL,
  run_at timestamptz,
  lease_token uuid,
  lease_deadline timestamptz,
  attempt integer NOT NULL DEFAULT 0,
  record bytea NOT NULL
);
CREATE INDEX qtasks_ready ON qtasks_tasks (queue, priority, seq) WHERE status IN (0, 2) AND lease_token IS NULL;
CREATE INDEX qtasks_leases ON qtasks_tasks (lease_deadline) WHERE lease_token IS NOT NULL;
`;
const ENQUEUE = `INSERT INTO qtasks_tasks (id, queue, priority, status, record)
  SELECT id, queue, 0, 0, record FROM unnest($1::uuid[], $2::text[], $3::bytea[]) AS t(id, queue, record)`;
const LEASE = `WITH picked AS (
    SELECT id FROM qtasks_tasks
    WHERE queue = $1 AND status IN (0, 2) AND lease_token IS NULL AND (run_at IS NULL OR run_at <= now())
    ORDER BY priority, seq LIMIT $2 FOR UPDATE SKIP LOCKED)
  UPDATE qtasks_tasks t SET status = 1, lease_token = gen_random_uuid(), lease_deadline = now() + interval '30 seconds', attempt = t.attempt + 1
  FROM picked WHERE t.id = picked.id RETURNING t.id, t.lease_token, t.record`;
const COMPLETE = `UPDATE qtasks_tasks t SET status = 3, lease_token = NULL, lease_deadline = NULL, record = c.record
  FROM unnest($1::uuid[], $2::uuid[], $3::bytea[]) AS c(id, token, record)
  WHERE t.id = c.id AND t.lease_token = c.token`;

const makers = {
  pg: () => {
    const pool = new pg.Pool({ connectionString: URL, max: 10 });
    return { q: async (text, values) => (await pool.query({ text, values })).rows, end: () => pool.end(), raw: (t) => pool.query(t) };
  },
  postgres: () => {
    const sql = postgres(URL, { max: 10, prepare: true, onnotice: () => {} });
    const typed = (values) => values.map((v) => (Array.isArray(v) && Buffer.isBuffer(v[0]) ? sql.array(v, 17) : v));
    return { q: (text, values) => sql.unsafe(text, typed(values), { prepare: true }), end: () => sql.end(), raw: (t) => sql.unsafe(t) };
  },
};

async function enqueue(db, queue, n, batch = 1000, lanes = 4) {
  let left = n;
  const lane = async () => {
    while (left > 0) {
      const k = Math.min(batch, left);
      left -= k;
      const ids = Array.from({ length: k }, () => randomUUID());
      await db.q(ENQUEUE, [ids, ids.map(() => queue), ids.map(() => RECORD)]);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

async function drain(db, queue, lanes, batch) {
  let done = 0;
  const lane = async () => {
    for (;;) {
      const leased = await db.q(LEASE, [queue, batch]);
      if (leased.length === 0) return;
      await db.q(COMPLETE, [leased.map((r) => r.id), leased.map((r) => r.lease_token), leased.map(() => RECORD)]);
      done += leased.length;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return done;
}

for (const [name, make] of Object.entries(makers).filter(([n]) => !process.env.ONLY || n === process.env.ONLY)) {
  const db = make();
  await db.raw(SCHEMA);
  for (let run = 1; run <= 2; run++) {
    const queue = `q${run}`;
    let t0 = performance.now();
    await enqueue(db, queue, N);
    const enqueueRate = N / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    const drained = await drain(db, queue, 8, 50);
    const drainRate = drained / ((performance.now() - t0) / 1000);
    // One lease of one task, one after another, with a task always there.
    await enqueue(db, `${queue}.one`, 2000);
    const lat = [];
    for (let i = 0; i < 1000; i++) {
      const s = performance.now();
      const [r] = await db.q(LEASE, [`${queue}.one`, 1]);
      await db.q(COMPLETE, [[r.id], [r.lease_token], [RECORD]]);
      lat.push(performance.now() - s);
    }
    lat.sort((a, b) => a - b);
    console.log(`${name} run ${run}: enqueue ${Math.round(enqueueRate)}/s (batches of 1000, 4 lanes), drain ${Math.round(drainRate)}/s (8 lanes, lease+complete of 50), lease+complete of 1 p50 ${lat[500].toFixed(2)} ms`);
  }
  await db.end();
}
