import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp } from '../../src/app/compose.js';
import type { TaskEvent } from '../../src/core/events.js';
import type { Task } from '../../src/core/records.js';
import { CLIENT_API } from '../../src/web/client-api.js';
import { CLIENT_DOM } from '../../src/web/client-dom.js';
import { CLIENT_TASK } from '../../src/web/client-task.js';

interface SseFrame {
  id: string | null;
  event: string;
  data: string | null;
  retry: number | null;
}

// The browser code is plain text; these pieces need no DOM, so they run here as they are.
const client = new Function(
  'sessionStorage',
  `${CLIENT_DOM}\n${CLIENT_TASK}\n${CLIENT_API}\nreturn { applyEvent, depthsOf, parseSseBlock, money, duration };`,
)({ getItem: () => null, setItem: () => {}, removeItem: () => {} }) as {
  applyEvent(task: Task | null, event: TaskEvent): Task;
  depthsOf(subtasks: { depends_on: number[] }[]): number[];
  parseSseBlock(block: string): SseFrame;
  money(value: number | null): string;
  duration(milliseconds: number | null): string;
};

describe('dashboard browser logic', () => {
  it('parses server-sent event blocks as the SSE rules say', () => {
    expect(client.parseSseBlock('id: 7\nevent: subtask.started\ndata: {"a":1}')).toEqual({
      id: '7',
      event: 'subtask.started',
      data: '{"a":1}',
      retry: null,
    });
    expect(client.parseSseBlock(': heartbeat')).toMatchObject({ data: null });
    expect(client.parseSseBlock('retry: 2000')).toMatchObject({ retry: 2000, data: null });
    expect(client.parseSseBlock('data:one\ndata: two')).toMatchObject({ event: 'message', data: 'one\ntwo' });
  });

  it('folds a real task event stream into the record the server stores', async () => {
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
      let folded: Task | null = null;
      for await (const event of app.service.events(receipt.id, { afterSeq: 0 })) {
        folded = client.applyEvent(folded, event);
      }
      const stored = await app.service.getTaskProgress(receipt.id);
      expect(folded).toEqual(stored);
      expect(folded?.subtasks.map((subtask) => subtask.status)).toEqual([
        'completed',
        'failed',
        'skipped',
        'completed',
      ]);
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('indents a subtask one level below its deepest dependency', () => {
    expect(
      client.depthsOf([{ depends_on: [] }, { depends_on: [0] }, { depends_on: [0, 1] }, { depends_on: [] }]),
    ).toEqual([0, 1, 2, 0]);
  });

  it('formats costs and durations for people', () => {
    expect(client.money(0.013113)).toBe('$0.0131');
    expect(client.money(12.5)).toBe('$12.50');
    expect(client.money(null)).toBe('\u2014');
    expect(client.duration(850)).toBe('850ms');
    expect(client.duration(2500)).toBe('2.5s');
    expect(client.duration(125_000)).toBe('2m 05s');
  });
});
