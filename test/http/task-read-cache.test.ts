import { describe, expect, it } from 'vitest';
import type { Task, TaskStatus } from '../../src/core/records.js';
import { FinishedTaskCache } from '../../src/http/finished-task-cache.js';

function task(id: string, status: TaskStatus): Task {
  return {
    id,
    prompt: 'p',
    status,
    reasoning: null,
    error: null,
    subtasks: [],
    created_at: '2026-01-01T00:00:00.000Z',
    planned_at: null,
    completed_at: null,
    total_cost: 0,
    owner: 'alice',
    warnings: [],
    settings: {
      provider: 'simulated',
      concurrency: 4,
      timeout_ms: 1000,
      max_attempts: 3,
      context_chars: 100,
      result_cap: 100,
      budget_usd: null,
      escalate: true,
      models: {},
    },
  };
}

/** A store read that counts how often it is asked. */
function countingLoader(records: Map<string, Task>) {
  const loader = {
    calls: 0,
    load: async (id: string) => {
      loader.calls++;
      return records.get(id);
    },
  };
  return loader;
}

describe('the finished-task read cache', () => {
  it('serves a finished task from memory until its time is up', async () => {
    let now = 0;
    const cache = new FinishedTaskCache({ ttlMs: 1000, now: () => now });
    const loader = countingLoader(new Map([['a', task('a', 'completed')]]));
    const first = await cache.read('a', loader.load);
    expect(first?.json).toBe(JSON.stringify(first?.task));
    await cache.read('a', loader.load);
    expect(loader.calls).toBe(1);
    now = 1500;
    await cache.read('a', loader.load);
    expect(loader.calls).toBe(2);
  });

  it('always reads a running task from the store', async () => {
    const cache = new FinishedTaskCache();
    const loader = countingLoader(new Map([['r', task('r', 'executing')]]));
    await cache.read('r', loader.load);
    await cache.read('r', loader.load);
    expect(loader.calls).toBe(2);
    expect(await cache.read('missing', loader.load)).toBeUndefined();
  });

  it('keeps at most maxEntries records, dropping the least recently read', async () => {
    const cache = new FinishedTaskCache({ maxEntries: 2 });
    const records = new Map(['a', 'b', 'c'].map((id) => [id, task(id, 'completed')] as const));
    const loader = countingLoader(records);
    await cache.read('a', loader.load);
    await cache.read('b', loader.load);
    await cache.read('a', loader.load);
    await cache.read('c', loader.load);
    expect(loader.calls).toBe(3);
    await cache.read('a', loader.load);
    expect(loader.calls).toBe(3);
    await cache.read('b', loader.load);
    expect(loader.calls).toBe(4);
  });
});
