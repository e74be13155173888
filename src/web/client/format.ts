// Formatting for people: money, counts, durations and ages. Pure (no DOM), so tests run it in
// Node as it is.

import { isFinalTaskStatus, SUBTASK_STATUSES, TASK_STATUSES, type TaskStatus } from '../../core/records.js';

const DASH = '\u2014';

/** An estimate as `$low–$high`. */
export function moneyRange(range: { low_usd: number; high_usd: number }): string {
  return `${money(range.low_usd)}\u2013${money(range.high_usd)}`;
}

export function money(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  if (value === 0) return '$0.00';
  if (Math.abs(value) < 0.0001) return '<$0.0001';
  return `$${value.toFixed(Math.abs(value) < 1 ? 4 : 2)}`;
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? DASH : Number(value).toLocaleString('en-US');
}

export function duration(milliseconds: number | null | undefined): string {
  if (milliseconds === null || milliseconds === undefined || milliseconds < 0) return DASH;
  if (milliseconds < 1000) return `${Math.round(milliseconds)}ms`;
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export function age(iso: string, now: number): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return DASH;
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

/** Milliseconds between two ISO times; the second defaults to now. */
export function between(startIso: string | null, endIso: string | null, now: number): number | null {
  if (!startIso) return null;
  const start = Date.parse(startIso);
  const end = endIso ? Date.parse(endIso) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? null : end - start;
}

export function preview(text: string, length: number): string {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}\u2026` : flat;
}

/** Every task and subtask status the server sends (a badge for each; anything else is 'unknown'). */
export const KNOWN_STATUSES: readonly string[] = [
  ...new Set<string>([...TASK_STATUSES, ...SUBTASK_STATUSES]),
];

export function isFinalTask(status: string): boolean {
  return KNOWN_STATUSES.includes(status) && isFinalTaskStatus(status as TaskStatus);
}
