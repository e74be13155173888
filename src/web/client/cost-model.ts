// The cost of a task as it builds up: one point per event that spends (a planning call, a
// failed attempt, a completed step), cumulative, with its time. Pure, so tests run it in Node.

import type { WireEvent } from './task-model.js';

export interface CostPoint {
  /** ms since the epoch. */
  at: number;
  /** Cumulative USD up to and including this event. */
  total: number;
}

const SPENDING: ReadonlySet<string> = new Set([
  'task.plan_attempted',
  'subtask.attempt_failed',
  'subtask.completed',
]);

export function costSeries(events: readonly WireEvent[]): CostPoint[] {
  const points: CostPoint[] = [];
  let total = 0;
  for (const event of events) {
    const at = Date.parse(event.at);
    if (!Number.isFinite(at)) continue;
    if (points.length === 0) points.push({ at, total: 0 });
    if (SPENDING.has(event.type) && typeof event.cost === 'number') {
      total += event.cost;
      points.push({ at, total });
    } else if (event.type === 'task.finished' && typeof event.total_cost === 'number') {
      // The record's own total (the same sum, in the store's order of additions).
      total = event.total_cost;
      points.push({ at, total });
    }
  }
  return points;
}
