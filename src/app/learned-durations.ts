// Critical-path estimates learned from the store's history (core/duration-estimates.ts), kept
// fresh for a long-running process: `estimate` answers at once from the last read of the
// store and, when that read is older than `refreshMs`, starts another in the background. The
// composition root reads once before the first task, so `symbiont run` ranks its subtasks by
// what earlier runs took.

import { type EstimatedSubtask, estimatorFromSamples } from '../core/duration-estimates.js';
import type { Clock } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';

export interface LearnedDurationsOptions {
  clock: Clock;
  /** How old the last read may be before `estimate` starts another. Default 60 s. */
  refreshMs?: number;
  /** Samples read (newest first). Default 1000. */
  limit?: number;
}

export interface LearnedDurations {
  /** The estimate for a subtask (ms from history; tier weights without any). */
  readonly estimate: (subtask: EstimatedSubtask) => number;
  /** Reads the store's history again. Never rejects: on a read error the last estimates stay. */
  refresh(): Promise<void>;
}

export function learnedDurations(
  store: Pick<TaskStore, 'recentDurations'>,
  options: LearnedDurationsOptions,
): LearnedDurations {
  const refreshMs = options.refreshMs ?? 60_000;
  const limit = options.limit ?? 1000;
  let current = estimatorFromSamples([]);
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;

  function refresh(): Promise<void> {
    reading ??= store
      .recentDurations(limit)
      .then(
        (samples) => {
          current = estimatorFromSamples(samples);
        },
        // The estimates only order ready subtasks; a failed read keeps the last ones.
        () => undefined,
      )
      .finally(() => {
        readAt = options.clock.now();
        reading = undefined;
      });
    return reading;
  }

  return {
    estimate: (subtask) => {
      if (reading === undefined && options.clock.now() - readAt >= refreshMs) void refresh();
      return current(subtask);
    },
    refresh,
  };
}
