// The terminal live view fits its terminal (issue 14 item 6): drawn into a fake TTY of 40, 60
// and 120 columns, with wide (CJK) text, combining marks and long model names, no line wraps
// and the view never takes more rows than it owns. A small terminal model plays the bytes:
// cursor movement (ESC [ n F), line clears, colours, and wrapping by display width.

import { describe, expect, it } from 'vitest';
import { LiveNotes } from '../../src/cli/render/live-notes.js';
import { LiveTree, renderTree } from '../../src/cli/render/live-tree.js';
import { charWidth, fitWidth, textWidth } from '../../src/cli/render/text-width.js';
import type { TaskEvent, TaskEventBody } from '../../src/core/events.js';
import { newSubtaskRecord, newTaskRecord, type Subtask } from '../../src/core/records.js';
import { applyTaskEvent } from '../../src/core/task-reducer.js';
import { DEFAULT_TASK_SETTINGS } from '../../src/core/task-settings.js';

/** Plays what a program writes to a terminal of `columns` x `rows`; records every overflow. */
class Terminal {
  row = 0;
  col = 0;
  wraps = 0;
  maxRow = 0;
  movedAboveTop = false;
  constructor(readonly columns: number) {}
  write(data: string): void {
    for (let at = 0; at < data.length; ) {
      if (data[at] === '\x1b') {
        const match = /^\x1b\[(\d*)([A-Za-z])/.exec(data.slice(at));
        if (!match) throw new Error(`unknown escape at ${at}`);
        at += match[0].length;
        if (match[2] === 'F') {
          this.row -= Number(match[1] || '1');
          this.col = 0;
          if (this.row < 0) this.movedAboveTop = true;
        }
        continue; // K (clear) and m (colour) move nothing
      }
      const char = String.fromCodePoint(data.codePointAt(at)!);
      at += char.length;
      if (char === '\n') {
        this.row++;
        this.col = 0;
      } else {
        const width = charWidth(char);
        if (this.col + width > this.columns) {
          this.wraps++;
          this.row++;
          this.col = 0;
        }
        this.col += width;
      }
      this.maxRow = Math.max(this.maxRow, this.row);
    }
  }
}

function fakeStream(terminal: Terminal, rows: number): NodeJS.WriteStream {
  return {
    columns: terminal.columns,
    rows,
    isTTY: true,
    write: (data: string) => {
      terminal.write(data);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
}

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function scenario() {
  const task = newTaskRecord({
    id: 'compound-6f1c2d3e-aaaa-bbbb-cccc-1234567890ab',
    prompt: '日本語のレポートを書く',
    createdAt: at(0),
    settings: { ...DEFAULT_TASK_SETTINGS, max_attempts: 3, escalate: true },
    owner: null,
  });
  const notes = new LiveNotes();
  let seq = 0;
  const apply = (body: TaskEventBody, ms: number) => {
    const event = { ...body, seq: ++seq, task_id: task.id, at: at(ms) } as TaskEvent;
    applyTaskEvent(task, event);
    notes.apply(event);
  };
  const subtask = (index: number, description: string, model: string, depends: number[] = []): Subtask =>
    newSubtaskRecord({
      id: `${task.id}.${index}`,
      index,
      description,
      tier_hint: 1,
      tier_assigned: 1,
      model,
      depends_on: depends,
    });
  apply(
    {
      type: 'task.planned',
      reasoning: null,
      warnings: ['subtask 3: dropped dependency on itself — 自分自身への依存を削除しました'],
      subtasks: [
        subtask(0, '東京の天気を調べて、三つの要点にまとめる', 'claude-haiku-5-5'),
        subtask(
          1,
          'Café naïve résumé: e\u0301 combining marks and 한국어 text',
          'claude-sonnet-5-5-with-a-very-long-model-name',
        ),
        subtask(2, 'Retry me: a step that failed once and waits to try again', 'claude-haiku-5-5'),
        subtask(3, 'Escalated step that moved from tier 1 to tier 2', 'claude-opus-5-5', [0]),
        subtask(4, '最後にすべてをまとめて日本語のレポートを書く', 'claude-sonnet-5-5', [0, 1, 2, 3]),
      ],
    },
    10,
  );
  apply({ type: 'task.started', resumed: false }, 20);
  for (const index of [0, 1, 2, 3]) apply({ type: 'subtask.queued', index }, 30);
  apply({ type: 'subtask.started', index: 0, attempt: 1, tier: 1, model: 'claude-haiku-5-5' }, 40);
  apply(
    {
      type: 'subtask.output',
      index: 0,
      attempt: 1,
      text: '一行目の文章です。\n二行目はとても長い日本語の文章で、端末の幅を超えてしまうかもしれません。',
    },
    400,
  );
  apply(
    {
      type: 'subtask.started',
      index: 1,
      attempt: 1,
      tier: 1,
      model: 'claude-sonnet-5-5-with-a-very-long-model-name',
    },
    40,
  );
  apply({ type: 'subtask.started', index: 2, attempt: 1, tier: 1, model: 'claude-haiku-5-5' }, 40);
  apply(
    {
      type: 'subtask.attempt_failed',
      index: 2,
      attempt: 1,
      error: 'provider overloaded (529) — サーバーが混雑しています',
      code: 'PROVIDER_OVERLOADED',
      cost: 0,
      input_tokens: null,
      output_tokens: null,
      retry_in_ms: 5000,
    },
    500,
  );
  apply({ type: 'subtask.started', index: 3, attempt: 1, tier: 1, model: 'claude-opus-5-5' }, 40);
  apply({ type: 'subtask.escalated', index: 3, from_tier: 1, to_tier: 2, model: 'claude-sonnet-5-5' }, 600);
  apply({ type: 'subtask.started', index: 3, attempt: 4, tier: 2, model: 'claude-sonnet-5-5' }, 610);
  return { task, notes, apply };
}

describe('the terminal live view', () => {
  for (const columns of [40, 60, 120]) {
    it(`at ${columns} columns with CJK text: no line wraps, never more rows than it owns`, () => {
      const { task, notes, apply } = scenario();
      const terminal = new Terminal(columns);
      const rows = 12;
      const tree = new LiveTree(fakeStream(terminal, rows), () => task, { notes, colour: true });
      tree.draw();
      apply(
        {
          type: 'subtask.completed',
          index: 0,
          result: 'ok',
          cost: 0.0012,
          input_tokens: 10,
          output_tokens: 20,
        },
        900,
      );
      tree.draw();
      tree.draw();
      tree.stop();
      expect(terminal.wraps).toBe(0);
      expect(terminal.movedAboveTop).toBe(false);
      // The cursor rests on the row after the view: at most rows - 1 lines are drawn.
      expect(terminal.maxRow).toBeLessThanOrEqual(rows - 1);
      const lines = renderTree(task, T0 + 1000, columns - 1, rows - 1, { notes });
      for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(columns - 1);
    });
  }

  it('shows attempt n of N, the last error with the retry countdown, the escalation and the running text', () => {
    const { task, notes } = scenario();
    const lines = renderTree(task, T0 + 1500, 119, 30, { notes });
    const text = lines.join('\n');
    expect(text).toContain('1/4'); // max_attempts 3 plus the escalation
    expect(text).toMatch(/retry in 4\.0s · attempt 1 of 4 failed: provider overloaded \(529\)/);
    expect(text).toContain('› 二行目はとても長い日本語の文章で');
    expect(lines.find((line) => line.includes('Escalated step'))).toContain('4/4');
  });

  it('drops the cost and the model before the description on a narrow terminal', () => {
    const { task, notes } = scenario();
    const wide = renderTree(task, T0 + 1500, 119, 30, { notes }).join('\n');
    const narrow = renderTree(task, T0 + 1500, 39, 30, { notes }).join('\n');
    expect(wide).toContain('claude-haiku-5-5');
    expect(wide).toMatch(/\$0\.0000/);
    expect(narrow).not.toContain('claude-haiku');
    expect(narrow).not.toMatch(/\$0\.0000 +東京/);
    expect(narrow).toContain('東京');
  });

  it('in a terminal of 4 rows prints at most 3 lines', () => {
    const { task, notes } = scenario();
    const terminal = new Terminal(60);
    const tree = new LiveTree(fakeStream(terminal, 4), () => task, { notes });
    tree.draw();
    tree.draw();
    expect(terminal.maxRow).toBeLessThanOrEqual(3);
    expect(terminal.wraps).toBe(0);
  });

  it('measures display width: wide characters 2, combining marks 0', () => {
    expect(textWidth('日本')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
    expect(textWidth('한국')).toBe(4);
    expect(textWidth('abc')).toBe(3);
    expect(textWidth(fitWidth('日本語の文章です', 7))).toBeLessThanOrEqual(7);
  });
});
