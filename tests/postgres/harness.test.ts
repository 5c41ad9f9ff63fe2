/**
 * The real PostgreSQL the tests of issue 14 stand on (`tests/helpers/postgres.ts`): made and
 * started inside the test run, loopback only, durable, and gone after. Skipped, with the reason,
 * where PostgreSQL is not installed.
 */
import { connect } from 'node:net';
import { describe, expect, it, type TestContext } from 'vitest';
import { postgresBin, startPostgres } from '../helpers/postgres.js';

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('a PostgreSQL of the test run', () => {
  it('starts from an empty directory, answers SQL on 127.0.0.1 only with fsync on, and is gone once stopped', async (ctx: TestContext) => {
    const bin = await postgresBin();
    if (typeof bin !== 'string') return ctx.skip(bin.missing);
    const postgres = await startPostgres(bin);
    try {
      expect(await postgres.sql('select 1 + 1')).toBe('2');
      expect(await postgres.sql('show listen_addresses')).toBe('127.0.0.1');
      expect(await postgres.sql('show fsync')).toBe('on');
      await postgres.sql('create table t (id int primary key)');
      await postgres.sql('insert into t values (1), (2)');
      expect(await postgres.sql('select count(*) from t')).toBe('2');
    } finally {
      await postgres.stop();
    }
    expect(await accepts(postgres.port)).toBe(false);
  }, 60_000);
});
