// The terminal view of a running task: the task line, then each subtask as a branch of the
// tree with its status, attempt n of N, model, elapsed time and cost, and under an executing
// one a line with its retry countdown and last error, its escalation, or the last line of its
// running text. Every line is cut to the terminal's width by display width (text-width.ts), so
// nothing wraps; on a narrow terminal the lower-value columns go first (cost, model, status
// word, elapsed; the attempt and the description stay). Never more lines than the terminal
// has rows. Colour only where the stream has it and NO_COLOR is unset. Redrawn in place (at
// most ~10 times a second) from the record and notes that the events build.

import type { Subtask, SubtaskStatus, Task } from '../../core/records.js';
import { elapsedOf, formatCost, formatSeconds, STATUS_MARK } from './format.js';
import { type LiveNotes, lastLine } from './live-notes.js';
import { fitWidth, padWidth, textWidth } from './text-width.js';

export interface TreeOptions {
  notes?: LiveNotes;
  colour?: boolean;
}

const COLOUR: Partial<Record<SubtaskStatus, string>> = {
  queued: '36',
  executing: '33',
  completed: '32',
  failed: '31',
  skipped: '2',
  cancelled: '2',
};

/** The fewest columns a description keeps before a column is dropped for it. */
const MIN_DESCRIPTION = 16;

interface Column {
  /** Lower goes first when the width runs short. */
  value: number;
  width: number;
  cell(subtask: Subtask): string;
}

function columnsFor(task: Task, now: number): Column[] {
  const maxAttempts = task.settings.max_attempts + (task.settings.escalate ? 1 : 0);
  const modelWidth = Math.min(
    18,
    Math.max(1, ...task.subtasks.map((subtask) => textWidth(subtask.model ?? '-'))),
  );
  return [
    { value: 5, width: 9, cell: (subtask) => subtask.status },
    {
      value: 9,
      width: String(maxAttempts).length * 2 + 1,
      cell: (subtask) => (subtask.attempts > 0 ? `${subtask.attempts}/${maxAttempts}` : ''),
    },
    { value: 3, width: modelWidth, cell: (subtask) => fitWidth(subtask.model ?? '-', modelWidth) },
    {
      value: 6,
      width: 6,
      cell: (subtask) => {
        const elapsed = elapsedOf(subtask, now);
        return elapsed === null ? '' : formatSeconds(elapsed);
      },
    },
    { value: 1, width: 9, cell: (subtask) => formatCost(subtask.cost) },
  ];
}

/** The columns that fit beside a description of at least MIN_DESCRIPTION, in display order. */
function fitColumns(columns: Column[], room: number): Column[] {
  const kept = [...columns];
  const used = () => kept.reduce((sum, column) => sum + column.width + 1, 0);
  while (kept.length > 0 && room - used() < MIN_DESCRIPTION) {
    let lowest = 0;
    for (let at = 1; at < kept.length; at++) if (kept[at]!.value < kept[lowest]!.value) lowest = at;
    kept.splice(lowest, 1);
  }
  return kept;
}

function paint(text: string, code: string | undefined, colour: boolean): string {
  return colour && code ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** The line under a subtask, or undefined: retry countdown, escalation, or running text. */
function noteLine(subtask: Subtask, notes: LiveNotes | undefined, now: number, maxAttempts: number) {
  const note = notes?.get(subtask.index);
  if (!note || subtask.status !== 'executing') return undefined;
  if (note.retryAt !== null && note.retryAt > now) {
    const wait = ((note.retryAt - now) / 1000).toFixed(1);
    return `↻ retry in ${wait}s · attempt ${subtask.attempts} of ${maxAttempts} failed: ${note.lastError ?? ''}`;
  }
  const text = lastLine(note.text);
  if (text !== '') return `› ${text}`;
  if (note.escalation)
    return `⇧ escalated ${note.escalation}${note.lastError ? ` after: ${note.lastError}` : ''}`;
  if (note.lastError) return `attempt ${subtask.attempts} of ${maxAttempts}, last error: ${note.lastError}`;
  return undefined;
}

export function renderTree(
  task: Task,
  now: number,
  width: number,
  maxLines: number,
  options: TreeOptions = {},
): string[] {
  const colour = options.colour === true;
  const limit = Math.max(1, maxLines);
  const done = task.subtasks.filter((subtask) => subtask.status === 'completed').length;
  const lines = [
    fitWidth(
      `${task.status.toUpperCase()}  ${done}/${task.subtasks.length} done  ${formatCost(task.total_cost)}  ${task.id}`,
      width,
    ),
  ];
  // A model-made plan's repairs, above the subtasks (at most three lines, and never so many
  // that no subtask fits; the final report lists them all).
  const warnings = task.warnings.slice(0, Math.max(0, Math.min(3, limit - 3)));
  for (const warning of warnings) lines.push(fitWidth(`plan warning: ${warning}`, width));
  const subtasks = task.subtasks;
  const room = limit - lines.length;
  if (room <= 0 || subtasks.length === 0) return lines.slice(0, limit);
  const shown = subtasks.length > room ? pickVisible(task, room - 1) : subtasks.map((_, index) => index);
  const indexWidth = String(subtasks.length - 1).length;
  const fixedWidth = 2 + 1 + 1 + 1 + indexWidth + 1;
  const columns = fitColumns(columnsFor(task, now), width - fixedWidth);
  const maxAttempts = task.settings.max_attempts + (task.settings.escalate ? 1 : 0);
  const rows: Array<{ main: string; note?: string }> = shown.map((index, position) => {
    const subtask = subtasks[index]!;
    const last = position === shown.length - 1 && shown.length === subtasks.length;
    const branch = last ? '└─' : '├─';
    const cells = columns.map((column) =>
      padWidth(column.cell(subtask), column.width, column.value !== 5 && column.value !== 3),
    );
    const head = `${branch} ${STATUS_MARK[subtask.status]} ${String(subtask.index).padStart(indexWidth)} ${cells.map((cell) => `${cell} `).join('')}`;
    const after = subtask.depends_on.length > 0 ? ` (after ${subtask.depends_on.join(', ')})` : '';
    const description = fitWidth(`${subtask.description}${after}`, width - textWidth(head));
    const main = `${branch} ${paint(STATUS_MARK[subtask.status], COLOUR[subtask.status], colour)} ${head.slice(branch.length + 3)}${description}`;
    const text = noteLine(subtask, options.notes, now, maxAttempts);
    const indent = last ? '   ' : '│  ';
    return text === undefined
      ? { main }
      : { main, note: `${indent}${fitWidth(text, width - indent.length)}` };
  });
  const more = shown.length < subtasks.length ? 1 : 0;
  let spare = room - rows.length - more;
  for (const row of rows) {
    lines.push(row.main);
    if (row.note !== undefined && spare > 0) {
      lines.push(paint(row.note, '2', colour));
      spare--;
    }
  }
  if (more) lines.push(fitWidth(`└─ … ${subtasks.length - shown.length} more subtasks`, width));
  return lines.slice(0, limit);
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

/** Whether to colour a stream's output: a terminal with colours, and NO_COLOR unset or empty. */
export function wantsColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && typeof stream.hasColors === 'function' && stream.hasColors();
}

/** Redraws the tree in place on a TTY stream, in at most as many lines as it has rows. */
export class LiveTree {
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly read: () => Task,
    private readonly options: TreeOptions = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  update(): void {
    this.dirty = true;
  }

  draw(): void {
    // One column short of the width, so that a full line never wraps; one row short of the
    // height, for the line the cursor rests on.
    const width = Math.max(10, (this.stream.columns || 100) - 1);
    const rows = Math.max(1, (this.stream.rows || 40) - 1);
    const lines = renderTree(this.read(), Date.now(), width, rows, this.options);
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
