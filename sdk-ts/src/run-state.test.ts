/** The worker's run lifecycle: every allowed move, and that every other move is refused. */
import { describe, expect, test } from 'vitest';
import { HELD, RunMoveError, moveRun, type RunMove, type RunState } from './run-state.js';

const running: RunState = { phase: 'running' };
const reporting = (outcome: 'success' | 'failure' | 'cancelled' | 'released'): RunState => ({ phase: 'reporting', outcome });
const settled = (why: Extract<RunState, { phase: 'settled' }>['why']): RunMove => ({ phase: 'settled', why });

describe('allowed moves', () => {
  test('a run leased, started, reported and acknowledged', () => {
    const started = moveRun(HELD, { phase: 'running' });
    const decided = moveRun(started, { phase: 'reporting', outcome: 'success' });
    expect(moveRun(decided, settled('success'))).toEqual({ phase: 'settled', why: 'success' });
  });

  test('a held run given up before it started reports cancelled or released, or nothing once its lease is lost', () => {
    expect(moveRun(HELD, { phase: 'reporting', outcome: 'cancelled' })).toEqual(reporting('cancelled'));
    expect(moveRun(HELD, { phase: 'reporting', outcome: 'released' })).toEqual(reporting('released'));
    expect(moveRun(HELD, settled('lease-lost'))).toEqual({ phase: 'settled', why: 'lease-lost' });
  });

  test('a running handler ends in any outcome, or in nothing to report when its lease was lost', () => {
    for (const outcome of ['success', 'failure', 'cancelled', 'released'] as const) {
      expect(moveRun(running, { phase: 'reporting', outcome })).toEqual(reporting(outcome));
    }
    expect(moveRun(running, settled('lease-lost'))).toEqual({ phase: 'settled', why: 'lease-lost' });
  });

  test('a report settles with what the broker made of it, which may be another outcome than the one decided', () => {
    // An outcome refused as too large is replaced by a failure that says so.
    expect(moveRun(reporting('success'), settled('failure'))).toEqual({ phase: 'settled', why: 'failure' });
    expect(moveRun(reporting('success'), settled('refused'))).toEqual({ phase: 'settled', why: 'refused' });
    expect(moveRun(reporting('cancelled'), settled('unreported'))).toEqual({ phase: 'settled', why: 'unreported' });
  });
});

describe('refused moves', () => {
  const refused: [string, RunState, RunMove][] = [
    ['a held run cannot settle as if it had been reported', HELD, settled('success')],
    ['a held run cannot report an outcome only a handler decides', HELD, { phase: 'reporting', outcome: 'success' }],
    ['a running run cannot start again (it would take a second slot)', running, { phase: 'running' }],
    ['a running run cannot settle without reporting its outcome', running, settled('failure')],
    ['a run being reported cannot go back to running', reporting('success'), { phase: 'running' }],
    ['a run being reported cannot be reported twice', reporting('success'), { phase: 'reporting', outcome: 'failure' }],
    ['a report cannot end in lease-lost (the broker answers refused)', reporting('success'), settled('lease-lost')],
    ['a settled run stays settled', { phase: 'settled', why: 'success' }, { phase: 'running' }],
    ['a settled run cannot settle again', { phase: 'settled', why: 'lease-lost' }, settled('lease-lost')],
  ];
  test.each(refused)('%s', (_, from, move) => {
    expect(() => moveRun(from, move)).toThrow(RunMoveError);
  });

  test('the error names both states', () => {
    expect(() => moveRun(reporting('success'), { phase: 'running' })).toThrow('a run cannot move from reporting (success) to running');
  });
});
