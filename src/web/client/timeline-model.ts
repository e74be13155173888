// The timeline's bars, from a task's events and their times (`at`): per step, the wait for a
// slot (queued), one bar per attempt (running, ending failed, completed, cancelled or still
// going) and the wait before a retry or an escalation. Pure, so tests run it in Node.

import type { WireEvent } from './task-model.js';

export type SegmentKind = 'queued' | 'attempt' | 'retry';
export type AttemptOutcome = 'running' | 'failed' | 'completed' | 'cancelled' | 'interrupted';

export interface Segment {
  kind: SegmentKind;
  start: number;
  /** null while it lasts. */
  end: number | null;
  /** Attempt number (attempt bars). */
  attempt?: number;
  outcome?: AttemptOutcome;
  /** The failure that ended an attempt. */
  error?: string;
}

export interface Timeline {
  /** Time of task.created, ms. */
  start: number;
  /** Time of task.finished, or null while it runs. */
  end: number | null;
  /** Segments per step index. */
  rows: Map<number, Segment[]>;
  /** When the plan arrived (task.planned), if it has. */
  plannedAt: number | null;
}

function lastOpen(segments: Segment[]): Segment | undefined {
  const last = segments[segments.length - 1];
  return last && last.end === null ? last : undefined;
}

function close(segments: Segment[], at: number, outcome?: AttemptOutcome, error?: string): void {
  const open = lastOpen(segments);
  if (!open) return;
  open.end = at;
  if (open.kind === 'attempt' && outcome) {
    open.outcome = outcome;
    if (error !== undefined) open.error = error;
  }
}

/** `since`: the start when no event has a time yet (the task's created_at, in ms). */
export function buildTimeline(events: readonly WireEvent[], since: number): Timeline {
  const rows = new Map<number, Segment[]>();
  let start = Number.NaN;
  let end: number | null = null;
  let plannedAt: number | null = null;
  const row = (index: number): Segment[] => {
    let segments = rows.get(index);
    if (!segments) {
      segments = [];
      rows.set(index, segments);
    }
    return segments;
  };
  for (const event of events) {
    const at = Date.parse(event.at);
    if (!Number.isFinite(at)) continue;
    if (Number.isNaN(start)) start = at;
    const index = typeof event.index === 'number' ? event.index : -1;
    switch (event.type) {
      case 'task.planned':
        plannedAt = at;
        break;
      case 'task.replanning':
        rows.clear();
        plannedAt = null;
        break;
      case 'subtask.queued':
        close(row(index), at);
        row(index).push({ kind: 'queued', start: at, end: null });
        break;
      case 'subtask.started': {
        const segments = row(index);
        close(segments, at);
        const attempt = typeof event.attempt === 'number' ? event.attempt : segments.length + 1;
        segments.push({ kind: 'attempt', start: at, end: null, attempt, outcome: 'running' });
        break;
      }
      case 'subtask.attempt_failed': {
        const segments = row(index);
        close(segments, at, 'failed', typeof event.error === 'string' ? event.error : undefined);
        // A retry (retry_in_ms) or an escalation may follow; a final failure closes it at once.
        segments.push({ kind: 'retry', start: at, end: null });
        break;
      }
      case 'subtask.completed':
        close(row(index), at, 'completed');
        break;
      case 'subtask.failed':
      case 'subtask.skipped': {
        // The wait opened by the last failed attempt led to no retry: it is left out.
        const segments = row(index);
        if (lastOpen(segments)?.kind === 'retry') segments.pop();
        else close(segments, at, 'failed');
        break;
      }
      case 'subtask.cancelled':
        close(row(index), at, 'cancelled');
        break;
      case 'subtask.reset':
        close(row(index), at, 'interrupted');
        break;
      case 'task.finished':
        end = at;
        for (const segments of rows.values()) close(segments, at, 'cancelled');
        break;
    }
  }
  return { start: Number.isNaN(start) ? since : start, end, rows, plannedAt };
}

/** The number of attempt bars (one per subtask.started). */
export function attemptCount(timeline: Timeline): number {
  let total = 0;
  for (const segments of timeline.rows.values())
    total += segments.filter((segment) => segment.kind === 'attempt').length;
  return total;
}
