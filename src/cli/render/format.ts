// Small text formatters shared by the CLI's views.

import type { Subtask, SubtaskStatus } from '../../core/records.js';

export function formatCost(usd: number | null | undefined): string {
  const value = usd ?? 0;
  return `$${value < 0.01 && value > 0 ? value.toFixed(5) : value.toFixed(4)}`;
}

export function formatSeconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

export const STATUS_MARK: Record<SubtaskStatus, string> = {
  pending: '·',
  routing: '·',
  queued: '○',
  executing: '●',
  completed: '✓',
  failed: '✗',
  skipped: '↷',
  cancelled: '⊘',
};

/** Elapsed time of a subtask: started_at to completed_at (or to now while it runs). */
export function elapsedOf(subtask: Subtask, now: number): number | null {
  if (!subtask.started_at) return null;
  const start = Date.parse(subtask.started_at);
  const end = subtask.completed_at ? Date.parse(subtask.completed_at) : now;
  return end - start;
}

export function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 1))}…`;
}
