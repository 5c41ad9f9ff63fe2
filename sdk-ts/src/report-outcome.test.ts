/** Reporting an outcome: the first send, and the retries after a send that failed. */
import type { CompletionResult } from '@qtasks/proto';
import { expect, test } from 'vitest';
import { reportOutcome, type SendCompletion } from './report-outcome.js';
import type { Outcome } from './run-outcome.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const lease = { taskId: 't-1', leaseToken: 'token' };
const success: Outcome = { $case: 'success', value: { result: Buffer.from('1') } };
const accepted: CompletionResult = { taskId: 't-1', accepted: true, task: undefined, reason: '' };

test('a send that throws at once, rather than rejecting, is retried like one that rejects', async () => {
  let calls = 0;
  const send: SendCompletion = (completion) => {
    calls++;
    if (calls === 1) throw new Error('the stream broke as the outcome was handed over');
    expect(completion).toEqual({ taskId: 't-1', leaseToken: 'token', outcome: success });
    return Promise.resolve(accepted);
  };
  await expect(reportOutcome(send, lease, success, 30_000, silent)).resolves.toBe('success');
  expect(calls).toBe(2);
});

test('an answer that refuses the outcome settles it as refused, with no retry', async () => {
  let calls = 0;
  const send: SendCompletion = async () => (calls++, { ...accepted, accepted: false, reason: 'LeaseExpired' });
  await expect(reportOutcome(send, lease, success, 30_000, silent)).resolves.toBe('refused');
  expect(calls).toBe(1);
});
