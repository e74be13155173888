import { describe, expect, it } from 'vitest';
import { DagScheduler } from '../../src/core/dag-scheduler.js';

describe('DagScheduler.releasesFirstInLine', () => {
  it('is true only when a success readies a dependent that outranks every ready subtask', () => {
    // 0 -> 1 (rank 5), 2 ready (rank 3), 3 waits on 0 and 2.
    const scheduler = new DagScheduler([[], [0], [], [0, 2]], [9, 5, 3, 1]);
    scheduler.releaseInitial();
    expect(scheduler.takeReady()).toBe(0);
    expect(scheduler.releasesFirstInLine(0)).toBe(true);
    expect(scheduler.succeed(0)).toEqual([1]);
    expect(scheduler.takeReady()).toBe(1);
    // 1 has no dependents; 2's success readies 3 (rank 1), below nothing ready: nothing is ready.
    expect(scheduler.releasesFirstInLine(1)).toBe(false);
    expect(scheduler.takeReady()).toBe(2);
    expect(scheduler.releasesFirstInLine(2)).toBe(true);
  });

  it('is false when the readied dependent ranks below a ready subtask', () => {
    // 0 -> 1 (rank 1); 2 ready with rank 4.
    const scheduler = new DagScheduler([[], [0], []], [5, 1, 4]);
    scheduler.releaseInitial();
    expect(scheduler.takeReady()).toBe(0);
    expect(scheduler.releasesFirstInLine(0)).toBe(false);
  });

  it('is false while the dependent still waits on another dependency', () => {
    const scheduler = new DagScheduler([[], [], [0, 1]], [3, 2, 1]);
    scheduler.releaseInitial();
    expect(scheduler.takeReady()).toBe(0);
    expect(scheduler.releasesFirstInLine(0)).toBe(false);
  });
});
