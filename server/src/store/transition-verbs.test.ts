/**
 * The state-machine table (`domain/transitions/table.ts`) names the store verb that runs each
 * transition; the domain cannot import the store to check it at compile time, so this does.
 */
import { describe, expect, it } from 'vitest';
import { TRANSITION_NAMES, ruleOf } from '../domain/transitions/table.js';
import { TaskStore } from './task-store.js';

describe('the transition table', () => {
  it('names only verbs the task store has', () => {
    for (const name of TRANSITION_NAMES) {
      const verb = ruleOf(name).verb;
      expect(typeof (TaskStore.prototype as unknown as Record<string, unknown>)[verb], `${name}: ${verb}`).toBe('function');
    }
  });
});
