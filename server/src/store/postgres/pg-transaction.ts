/**
 * A transaction whose last statement goes out with its COMMIT, in one write: a round trip less
 * than `sql.begin` alone, which waits for the last statement's answer before sending COMMIT. The
 * driver writes what is issued in one turn together, and one connection runs it in order.
 */
import type { PendingQuery, Row, Sql, TransactionSql } from 'postgres';

/** What a transaction's work returns: its value, and its last write, issued and not awaited. */
export interface TransactionEnd<T> {
  readonly value: T;
  readonly last?: Promise<unknown>;
}

/**
 * Runs `work` in a transaction of `pool`. `work` awaits what it reads; its last write it returns
 * unawaited as `last`, already issued (see {@link issued}): one issued after `work` returned would
 * run after the COMMIT, outside the transaction.
 *
 * If `last` fails, the COMMIT that follows it rolls the transaction back (PostgreSQL answers a
 * COMMIT of a failed transaction with ROLLBACK, not an error), and its error is thrown here.
 */
export async function transaction<T>(pool: Sql, work: (tx: TransactionSql) => Promise<TransactionEnd<T>>): Promise<T> {
  const { value, last } = (await pool.begin(async (tx) => {
    const end = await work(tx);
    // Awaited below, once the COMMIT is answered: it fails, if at all, before that.
    end.last?.catch(() => undefined);
    return end;
  })) as TransactionEnd<T>;
  await last;
  return value;
}

/**
 * Issues `query` now. postgres.js issues a statement when it is first awaited; with `await`, that
 * is a turn later, after a COMMIT issued meanwhile.
 */
export function issued<Result extends readonly Row[]>(query: PendingQuery<Result>): PendingQuery<Result> {
  return query.execute();
}
