// The composition root's learned estimates: read from the store before the first task, then
// refreshed in the background once they are older than refreshMs, keeping the last estimates
// when a read fails.

import { describe, expect, it } from 'vitest';
import { learnedDurations } from '../../src/app/learned-durations.js';
import { tierWeight } from '../../src/core/critical-path.js';
import type { DurationSample } from '../../src/core/duration-estimates.js';
import { ManualClock } from '../stores/task-store-conformance.js';

/** A history the test changes, counting reads; `fail` makes the next read reject. */
function history(samples: DurationSample[]) {
  const state = { samples, reads: 0, fail: false };
  return {
    state,
    store: {
      async recentDurations(limit: number) {
        state.reads++;
        if (state.fail) throw new Error('disk gone');
        return state.samples.slice(0, limit);
      },
    },
  };
}

const subtask = { model: 'haiku', tier_hint: 3 as const, tier_assigned: 3 as const };
const seen = (model: string, duration_ms: number, times = 3) =>
  Array.from({ length: times }, () => ({ model, duration_ms }));

describe('learnedDurations', () => {
  it('uses tier weights until the first read, then the median the store has seen', async () => {
    const { store } = history(seen('haiku', 700));
    const clock = new ManualClock();
    const durations = learnedDurations(store, { clock });
    await durations.refresh();
    expect(durations.estimate(subtask)).toBe(700);
    expect(learnedDurations(history([]).store, { clock }).estimate(subtask)).toBe(tierWeight(3));
  });

  it('reads again in the background once the last read is older than refreshMs', async () => {
    const { store, state } = history(seen('haiku', 100));
    const clock = new ManualClock();
    const durations = learnedDurations(store, { clock, refreshMs: 1000 });
    await durations.refresh();
    state.samples = seen('haiku', 300);
    clock.advance(999);
    expect(durations.estimate(subtask)).toBe(100);
    expect(state.reads).toBe(1);
    clock.advance(1);
    // Answers at once from the last read, and starts another.
    expect(durations.estimate(subtask)).toBe(100);
    expect(durations.estimate(subtask)).toBe(100);
    await durations.refresh();
    expect(state.reads).toBe(2);
    expect(durations.estimate(subtask)).toBe(300);
  });

  it('keeps the last estimates when a read fails', async () => {
    const { store, state } = history(seen('haiku', 100));
    const clock = new ManualClock();
    const durations = learnedDurations(store, { clock, refreshMs: 10 });
    await durations.refresh();
    state.fail = true;
    clock.advance(10);
    await expect(durations.refresh()).resolves.toBeUndefined();
    expect(durations.estimate(subtask)).toBe(100);
  });
});
