// The terminal view of a running task: the task line, then each subtask as a branch of the
// tree with its status, model, elapsed time, cost and what it waits for. Redrawn in place
// (at most ~10 times a second) from the task record that the events build.

import type { Task } from '../../core/records.js';
import { elapsedOf, formatCost, formatSeconds, oneLine, STATUS_MARK } from './format.js';

export function renderTree(task: Task, now: number, width: number, maxLines: number): string[] {
  const done = task.subtasks.filter((subtask) => subtask.status === 'completed').length;
  const lines = [
    oneLine(
      `${task.status.toUpperCase()}  ${done}/${task.subtasks.length} done  ${formatCost(task.total_cost)}  ${task.id}`,
      width,
    ),
  ];
  // A model-made plan's repairs, above the subtasks (at most three lines, and never so many
  // that no subtask fits; the final report lists them all).
  const warnings = task.warnings.slice(0, Math.max(0, Math.min(3, maxLines - 3)));
  for (const warning of warnings) lines.push(oneLine(`plan warning: ${warning}`, width));
  const room = maxLines - lines.length + 1;
  const subtasks = task.subtasks;
  const shown = subtasks.length > room - 1 ? pickVisible(task, room - 2) : subtasks.map((_, index) => index);
  shown.forEach((index, position) => {
    const subtask = subtasks[index]!;
    const branch = position === shown.length - 1 && shown.length === subtasks.length ? '└─' : '├─';
    const elapsed = elapsedOf(subtask, now);
    const after = subtask.depends_on.length > 0 ? ` (after ${subtask.depends_on.join(', ')})` : '';
    const head = `${branch} ${STATUS_MARK[subtask.status]} ${String(subtask.index).padStart(2)} ${subtask.status.padEnd(9)} ${(subtask.model ?? '-').padEnd(8)} ${(elapsed === null ? '' : formatSeconds(elapsed)).padStart(6)} ${formatCost(subtask.cost).padStart(9)}  `;
    lines.push(head + oneLine(`${subtask.description}${after}`, Math.max(10, width - head.length)));
  });
  if (shown.length < subtasks.length) lines.push(`└─ … ${subtasks.length - shown.length} more subtasks`);
  return lines;
}

/** For big plans: running first, then the most recently finished, then the next ones up. */
function pickVisible(task: Task, count: number): number[] {
  const order = (status: string) =>
    status === 'executing' ? 0 : status === 'queued' ? 1 : status === 'failed' ? 2 : 3;
  return task.subtasks
    .map((subtask) => subtask.index)
    .sort((a, b) => order(task.subtasks[a]!.status) - order(task.subtasks[b]!.status) || a - b)
    .slice(0, Math.max(1, count))
    .sort((a, b) => a - b);
}

/** Redraws the tree in place on a TTY stream. */
export class LiveTree {
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly read: () => Task,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  update(): void {
    this.dirty = true;
  }

  draw(): void {
    const width = this.stream.columns || 100;
    const rows = this.stream.rows || 40;
    const lines = renderTree(this.read(), Date.now(), width - 1, Math.max(5, rows - 2));
    let output = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
    for (const line of lines) output += `\x1b[2K${line}\n`;
    for (let extra = lines.length; extra < this.drawnLines; extra++) output += '\x1b[2K\n';
    const total = Math.max(lines.length, this.drawnLines);
    if (total > lines.length) output += `\x1b[${total - lines.length}F`;
    this.stream.write(output);
    this.drawnLines = lines.length;
    this.dirty = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.draw();
  }

  get needsDraw(): boolean {
    return this.dirty;
  }
}
