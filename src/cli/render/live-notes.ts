// What the live view shows beyond the task record, per subtask: the tail of the running text
// (subtask.output), the last error and when the retry is due, and an escalation. Built from the
// same events as the record; the view reads it when it redraws.

import type { TaskEvent } from '../../core/events.js';

export interface SubtaskNote {
  /** The running attempt's text so far (its tail). */
  text: string;
  lastError: string | null;
  /** Epoch ms when the retry of a failed attempt is due; null when none is pending. */
  retryAt: number | null;
  escalation: string | null;
}

/** Of the running text, this much is kept: enough for its last line. */
const TEXT_TAIL = 2000;

export class LiveNotes {
  private readonly notes = new Map<number, SubtaskNote>();

  get(index: number): SubtaskNote | undefined {
    return this.notes.get(index);
  }

  apply(event: TaskEvent): void {
    switch (event.type) {
      case 'task.replanning':
        this.notes.clear();
        return;
      case 'subtask.reset':
        this.notes.delete(event.index);
        return;
      case 'subtask.started': {
        const note = this.note(event.index);
        note.text = '';
        note.retryAt = null;
        return;
      }
      case 'subtask.output': {
        const note = this.note(event.index);
        note.text = (note.text + event.text).slice(-TEXT_TAIL);
        return;
      }
      case 'subtask.attempt_failed': {
        const note = this.note(event.index);
        note.lastError = event.error;
        note.retryAt = event.retry_in_ms === null ? null : Date.parse(event.at) + event.retry_in_ms;
        return;
      }
      case 'subtask.escalated':
        this.note(event.index).escalation = `tier ${event.from_tier} → ${event.to_tier} (${event.model})`;
        return;
      case 'subtask.completed':
        this.notes.delete(event.index);
        return;
      default:
        return;
    }
  }

  private note(index: number): SubtaskNote {
    let note = this.notes.get(index);
    if (!note) {
      note = { text: '', lastError: null, retryAt: null, escalation: null };
      this.notes.set(index, note);
    }
    return note;
  }
}

/** The last non-empty line of a text. */
export function lastLine(text: string): string {
  const lines = text.split('\n');
  for (let at = lines.length - 1; at >= 0; at--) {
    if (lines[at]!.trim() !== '') return lines[at]!;
  }
  return '';
}
