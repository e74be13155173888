// The answer and retry over HTTP on the real server (simulated provider, SQLite): the record of
// GET /tasks/:id carries `answer`; `synthesis: false` joins the results; POST /tasks/:id/retry
// runs a failure that went away (fail_first) again, owner-scoped, 409 while running, 404 unknown.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import type { Task } from '../../src/core/records.js';
import { startTestServer, type TestServer } from './test-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function post(path: string, body?: unknown, token?: string | null) {
  return server.call(path, {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    ...(token === undefined ? {} : { token }),
  });
}

async function finished(id: string): Promise<Task> {
  for (;;) {
    const task = (await (await server.call(`/tasks/${id}`)).json()) as Task;
    if (['completed', 'partial', 'failed', 'cancelled'].includes(task.status)) return task;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function ledgerOf(taskId: string): LedgerEntry[] {
  return readFileSync(join(server.home, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LedgerEntry)
    .filter((entry) => entry.task_id === taskId);
}

const fanOut = (extra: Record<string, unknown> = {}) => ({
  plan: {
    prompt: 'two views, one answer',
    subtasks: [{ description: 'view one' }, { description: 'view two' }],
  },
  ...extra,
});

describe('the answer over HTTP', () => {
  it('is in the task record, written by one synthesis call counted in total_cost', async () => {
    const receipt = (await (await post('/tasks', fanOut())).json()) as { id: string };
    const task = await finished(receipt.id);
    expect(task.status).toBe('completed');
    expect(task.answer).toContain('[simulated answer]');
    const entries = ledgerOf(task.id);
    expect(entries.map((entry) => entry.kind).sort()).toEqual(['subtask', 'subtask', 'synthesis']);
    const spent = entries.reduce((sum, entry) => sum + entry.cost_usd, 0);
    expect(task.total_cost).toBeCloseTo(spent, 10);
  });

  it('joins the results when the request turns synthesis off', async () => {
    const receipt = (await (await post('/tasks', fanOut({ options: { synthesis: false } }))).json()) as {
      id: string;
    };
    const task = await finished(receipt.id);
    expect(task.settings.synthesis).toBe(false);
    expect(task.answer).toMatch(/^## Step 0: view one/);
    expect(ledgerOf(task.id).some((entry) => entry.kind === 'synthesis')).toBe(false);
    const bad = await post('/tasks', fanOut({ options: { synthesis: 'no' } }));
    expect(bad.status).toBe(400);
  });
});

describe('POST /tasks/:id/retry', () => {
  it('runs a failure that went away again: only the failed subtask and its dependent', async () => {
    const receipt = (await (
      await post('/tasks', {
        plan: {
          prompt: 'recover',
          subtasks: [
            { description: 'base' },
            { description: 'flaky [[sim fail_first=1]]', depends_on: [0] },
            { description: 'end', depends_on: [1] },
          ],
        },
        options: { max_attempts: 1, escalate: false },
      })
    ).json()) as { id: string };
    const first = await finished(receipt.id);
    expect(first.status).toBe('partial');
    expect(first.answer).toContain('- step 1 (flaky [[sim fail_first=1]]): failed');
    const before = ledgerOf(first.id).length;

    // Another owner sees nothing; a bad index is a 400.
    expect((await post(`/tasks/${first.id}/retry`, undefined, server.tokens.bob)).status).toBe(404);
    expect((await post(`/tasks/${first.id}/retry`, { subtasks: [9] })).status).toBe(400);

    const retried = await post(`/tasks/${first.id}/retry`);
    expect(retried.status).toBe(202);
    expect(await retried.json()).toMatchObject({ id: first.id, retried: [1, 2] });
    const task = await finished(first.id);
    expect(task.status).toBe('completed');
    expect(task.answer).toBe(task.subtasks[2]!.result);
    expect(task.subtasks.map((subtask) => subtask.attempts)).toEqual([1, 2, 1]);
    const again = ledgerOf(task.id).slice(before);
    expect(again.map((entry) => [entry.subtask_id, entry.attempt, entry.success])).toEqual([
      [`${task.id}.1`, 2, true],
      [`${task.id}.2`, 1, true],
    ]);

    // Nothing left to retry: 409; an unknown task: 404.
    expect((await post(`/tasks/${task.id}/retry`, {})).status).toBe(409);
    expect((await post('/tasks/compound-00000000-0000-4000-8000-000000000000/retry')).status).toBe(404);
  });

  it('re-runs a named completed subtask with its dependents; 409 while the task runs', async () => {
    const receipt = (await (
      await post('/tasks', {
        plan: {
          prompt: 'slow chain',
          subtasks: [
            { description: 'first' },
            { description: 'second [[sim latency=10000]]', depends_on: [0] },
          ],
        },
      })
    ).json()) as { id: string };
    const busy = await post(`/tasks/${receipt.id}/retry`, { subtasks: [0] });
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('CONFLICT');
    const first = await finished(receipt.id);
    expect(first.status).toBe('completed');
    const retried = await post(`/tasks/${receipt.id}/retry`, { subtasks: [0] });
    expect(await retried.json()).toMatchObject({ retried: [0, 1] });
    // The finished copy of the record is not served any more.
    const running = (await (await server.call(`/tasks/${receipt.id}`)).json()) as Task;
    expect(running.status).not.toBe('completed');
    const task = await finished(receipt.id);
    expect(task.subtasks.map((subtask) => subtask.attempts)).toEqual([2, 2]);
  });
});
