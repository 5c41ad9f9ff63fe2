import { expect, test } from 'vitest';
import { InvalidArgumentError } from '../domain/errors.js';
import { parseListQuery } from './list-query.js';

const parse = (query: string) => parseListQuery(new URLSearchParams(query));
/** The field a query is refused for. */
function refusedField(query: string): string | undefined {
  try {
    parse(query);
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.field;
    throw error;
  }
  return undefined;
}

test('reads the filters into the same ListTasks filter the gRPC call takes', () => {
  expect(parse('')).toEqual({ limit: 100 });
  expect(parse('queue=emails&status=error&page_size=20')).toEqual({ queue: 'emails', status: 'error', limit: 20 });
  expect(parse('status=success&finished_after=1700000000000')).toEqual({ status: 'success', limit: 100, finishedAfterMs: 1_700_000_000_000 });
  expect(parse('status=cancel&finished_after=2024-01-02T03:04:05.000Z')).toMatchObject({ finishedAfterMs: Date.UTC(2024, 0, 2, 3, 4, 5) });
});

test('refuses bad values naming the parameter, as gRPC names the field', () => {
  expect(refusedField('status=NEW')).toBe('status');
  expect(refusedField('page_size=0')).toBe('page_size');
  expect(refusedField('page_size=-1')).toBe('page_size');
  expect(refusedField('page_size=1001')).toBe('page_size');
  expect(refusedField('page_token=%%%')).toBe('page_token');
  expect(refusedField('finished_after=1700000000000')).toBe('finished_after');
  expect(refusedField('status=error&finished_after=soon')).toBe('finished_after');
  expect(refusedField('queue=a&queue=b')).toBe('queue');
  expect(refusedField('limit=5')).toBe('limit');
});
