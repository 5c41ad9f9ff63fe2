import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../domain/task.js';
import { TaskEvents } from './task-events.js';

const state = (id: string, status: TaskRecord['status']): TaskRecord => ({ id, status }) as TaskRecord;

describe('TaskEvents', () => {
  it('hands each state to the task’s listeners, one or several, until each unsubscribes', () => {
    const events = new TaskEvents();
    const heard: string[] = [];
    const first = events.subscribe('a', (task) => heard.push(`1:${task.status}`));
    events.publish(state('a', 'process'));
    const second = events.subscribe('a', (task) => heard.push(`2:${task.status}`));
    events.subscribe('b', (task) => heard.push(`b:${task.status}`));
    events.publish(state('a', 'success'));
    first();
    events.publish(state('a', 'retry'));
    expect(events.watchedTasks).toBe(2);
    second();
    second(); // twice: no harm
    events.publish(state('a', 'cancel'));
    expect(heard).toEqual(['1:process', '1:success', '2:success', '2:retry']);
    expect(events.watchedTasks).toBe(1);
  });

  it('lets a listener unsubscribe itself while the states are handed out', () => {
    const events = new TaskEvents();
    const heard: string[] = [];
    const unsubscribe = events.subscribe('a', () => {
      heard.push('once');
      unsubscribe();
    });
    events.subscribe('a', () => heard.push('always'));
    events.publish(state('a', 'process'));
    events.publish(state('a', 'success'));
    expect(heard).toEqual(['once', 'always', 'always']);
  });
});
