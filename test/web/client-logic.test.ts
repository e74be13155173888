import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp } from '../../src/app/compose.js';
import type { Task } from '../../src/core/records.js';
import { duration, money } from '../../src/web/client/format.js';
import { parseSseBlock, SseDecoder } from '../../src/web/client/sse-parse.js';
import { TaskListModel } from '../../src/web/client/task-list.js';
import { answerOf, estimateOf, sinksOf, TaskModel, type WireEvent } from '../../src/web/client/task-model.js';

// The browser modules that need no DOM run here as they are (the same code the page bundles).

describe('dashboard browser logic', () => {
  it('parses server-sent event blocks as the SSE rules say', () => {
    expect(parseSseBlock('id: 7\nevent: subtask.started\ndata: {"a":1}')).toEqual({
      id: '7',
      event: 'subtask.started',
      data: '{"a":1}',
      retry: null,
    });
    expect(parseSseBlock(': heartbeat')).toMatchObject({ data: null });
    expect(parseSseBlock('retry: 2000')).toMatchObject({ retry: 2000, data: null });
    expect(parseSseBlock('data:one\ndata: two')).toMatchObject({ event: 'message', data: 'one\ntwo' });
  });

  it('cuts a body that arrives in pieces into frames, whatever the line ends', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('id: 1\r\nevent: a\r\ndata: {"x"')).toEqual([]);
    expect(decoder.push(':1}\r\n\r\nid: 2\rdata: 2\r')).toEqual([
      { id: '1', event: 'a', data: '{"x":1}', retry: null },
    ]);
    expect(decoder.push('\n\r\n')).toEqual([{ id: '2', event: 'message', data: '2', retry: null }]);
  });

  it("folds a real task event stream with the core's reducer into the record the server stores", async () => {
    const home = mkdtempSync(join(tmpdir(), 'symbiont-web-logic-'));
    const app = await openApp({
      home,
      env: { SYMBIONT_HOME: home },
      store: 'memory',
      provider: 'simulated',
      simulatedLatencyScale: 0,
      onWarning: () => {},
    });
    try {
      const plan = {
        subtasks: [
          { description: 'a', depends_on: [] },
          { description: 'b [[sim fail=server_error]]', depends_on: [0] },
          { description: 'c', depends_on: [1] },
          { description: 'd', depends_on: [0] },
        ],
      };
      const receipt = await app.service.submitTask({ plan, settings: { max_attempts: 2 } });
      await app.service.waitForTask(receipt.id);
      const model = new TaskModel();
      for await (const event of app.service.events(receipt.id, { afterSeq: 0 })) {
        // As the page gets them: JSON off the wire.
        expect(model.apply(JSON.parse(JSON.stringify(event)) as WireEvent)).toBe(true);
      }
      const stored = await app.service.getTaskProgress(receipt.id);
      expect(model.task).toEqual(stored);
      expect(model.task?.subtasks.map((subtask) => subtask.status)).toEqual([
        'completed',
        'failed',
        'skipped',
        'completed',
      ]);
      // A replay after a reconnect changes nothing.
      expect(model.apply(model.events[1]!)).toBe(false);
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('appends subtask.output chunks to the running text of their step, and drops it at a new attempt', () => {
    const model = new TaskModel();
    const at = '2026-01-01T00:00:00.000Z';
    const base = { task_id: 't', at };
    const task = {
      id: 't',
      prompt: 'p',
      status: 'planning',
      reasoning: null,
      error: null,
      subtasks: [],
      created_at: at,
      planned_at: null,
      completed_at: null,
      total_cost: 0,
      owner: null,
      warnings: [],
      settings: { provider: 'simulated', models: {} },
    };
    model.apply({ ...base, seq: 1, type: 'task.created', task });
    model.apply({ ...base, seq: 2, type: 'subtask.output', index: 0, text: 'Hello' });
    model.apply({ ...base, seq: 3, type: 'subtask.output', index: 0, text: ', world' });
    model.apply({ ...base, seq: 4, type: 'subtask.output', index: 1, text: 'other' });
    expect(model.liveText.get(0)).toBe('Hello, world');
    expect(model.liveText.get(1)).toBe('other');
    // An event this page does not know is kept for the pictures and changes nothing else.
    model.apply({ ...base, seq: 5, type: 'task.something_new' });
    expect(model.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(model.task?.status).toBe('planning');
  });

  it("reads the answer, the last steps and a step's estimate when the record has them", () => {
    const subtasks = [
      { index: 0, depends_on: [] },
      { index: 1, depends_on: [0] },
      { index: 2, depends_on: [] },
    ] as unknown as Task['subtasks'];
    expect(sinksOf(subtasks).map((subtask) => subtask.index)).toEqual([1, 2]);
    const task = { subtasks } as unknown as Task;
    expect(answerOf(task)).toBeNull();
    expect(answerOf({ ...task, answer: 'forty-two' } as Task)).toBe('forty-two');
    expect(answerOf({ ...task, answer: { text: 'forty-two' } } as unknown as Task)).toBe('forty-two');
    const step = subtasks[0]!;
    expect(estimateOf(step)).toBeNull();
    expect(estimateOf({ ...step, estimate: 0.25 } as unknown as Task['subtasks'][number])).toBe(0.25);
    expect(estimateOf({ ...step, estimate: { cost_usd: 0.5 } } as unknown as Task['subtasks'][number])).toBe(
      0.5,
    );
  });

  it('keeps the live list newest first, one row per task, cut to its limit', () => {
    const summary = (id: string, second: number, status = 'executing') => ({
      id,
      prompt: id,
      status,
      subtask_count: 1,
      completed_count: 0,
      total_cost: 0,
      created_at: `2026-01-01T00:00:0${second}.000Z`,
      completed_at: null,
    });
    const list = new TaskListModel(2);
    list.replace([summary('a', 1), summary('b', 2)] as never);
    list.upsert(summary('c', 3) as never);
    list.upsert(summary('b', 2, 'completed') as never);
    expect(list.list().map((task) => `${task.id}:${task.status}`)).toEqual(['c:executing', 'b:completed']);
  });

  it('formats costs and durations for people', () => {
    expect(money(0.013113)).toBe('$0.0131');
    expect(money(12.5)).toBe('$12.50');
    expect(money(null)).toBe('\u2014');
    expect(duration(850)).toBe('850ms');
    expect(duration(2500)).toBe('2.5s');
    expect(duration(125_000)).toBe('2m 05s');
  });
});
