// Review over HTTP (SPEC §11): POST /tasks {review: true} plans, routes and estimates, then the
// task waits with nothing but planning spent; POST /tasks/:id/approve runs it (owner-scoped,
// 409 when not awaiting approval, 422 naming a bad edited plan); cancel rejects it; a task put
// up for review by another process (the CLI) is approved and run by the server.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/records.js';
import { runCli } from '../cli/cli-helpers.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ store: 'sqlite', latencyScale: 0 });
});
afterAll(() => server.close());

function ledgerEntries(): { kind: string; task_id: string }[] {
  const path = join(server.home, 'ledger.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

const kindsOf = (taskId: string) =>
  ledgerEntries()
    .filter((entry) => entry.task_id === taskId)
    .map((entry) => entry.kind);

async function record(id: string, token?: string): Promise<Task> {
  const response = await server.call(`/tasks/${id}`, token === undefined ? {} : { token });
  expect(response.status).toBe(200);
  return (await response.json()) as Task;
}

async function finished(id: string): Promise<Task> {
  return server.app.service.waitForTask(id);
}

describe('POST /tasks {review: true}', () => {
  it('waits in awaiting_approval with its estimate; only planning is spent; approve runs it within the high figure', async () => {
    const response = await postJson(server, '/tasks', {
      prompt: 'Collect the facts, then draft a memo, then check it',
      review: true,
    });
    expect(response.status).toBe(202);
    const receipt = (await response.json()) as { id: string; status: string; subtask_count: number };
    expect(receipt.status).toBe('awaiting_approval');
    const waiting = await record(receipt.id);
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.estimate!.high_usd).toBeGreaterThan(waiting.estimate!.low_usd);
    expect(
      waiting.subtasks.every((subtask) => subtask.estimate !== null && subtask.status === 'pending'),
    ).toBe(true);
    expect(kindsOf(receipt.id)).toEqual(['plan']);
    // Still only planning a moment later: nothing runs before approval.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(kindsOf(receipt.id)).toEqual(['plan']);

    // Owner-scoped: bob does not see it.
    expect((await postJson(server, `/tasks/${receipt.id}/approve`, {}, server.tokens.bob)).status).toBe(404);

    const approved = await postJson(server, `/tasks/${receipt.id}/approve`, {});
    expect(approved.status).toBe(202);
    expect(((await approved.json()) as { status: string }).status).toBe('planned');
    const task = await finished(receipt.id);
    expect(task.status).toBe('completed');
    expect(kindsOf(receipt.id).filter((kind) => kind === 'subtask')).toHaveLength(task.subtasks.length);
    const subtaskCost = task.subtasks.reduce((sum, subtask) => sum + (subtask.cost ?? 0), 0);
    expect(subtaskCost).toBeLessThanOrEqual(task.estimate!.high_usd);

    const again = await postJson(server, `/tasks/${receipt.id}/approve`, {});
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(
      /is completed, not awaiting approval/,
    );
  });

  it('validates an edited plan: a bad one is 422 naming it, a good one runs in place of the reviewed plan', async () => {
    const response = await postJson(server, '/tasks', {
      plan: { subtasks: [{ description: 'one', tier_hint: 1 }] },
      review: true,
    });
    const { id } = (await response.json()) as { id: string };
    const bad = await postJson(server, `/tasks/${id}/approve`, {
      plan: { subtasks: [{ description: 'x', tier_hint: 1, depends_on: [0] }] },
    });
    expect(bad.status).toBe(422);
    const problem = (await bad.json()) as { error: { code: string; message: string } };
    expect(problem.error.code).toBe('INVALID_PLAN');
    expect(problem.error.message).toMatch(/subtasks\[0\].*depends_on/);
    const unknown = await postJson(server, `/tasks/${id}/approve`, { plan: { steps: [] } });
    expect(unknown.status).toBe(400);
    expect((await record(id)).status).toBe('awaiting_approval');

    const good = await postJson(server, `/tasks/${id}/approve`, {
      plan: {
        subtasks: [
          { description: 'first edited', tier_hint: 1 },
          { description: 'second edited', tier_hint: 2 },
        ],
      },
    });
    expect(good.status).toBe(202);
    expect(((await good.json()) as { subtask_count: number }).subtask_count).toBe(2);
    const task = await finished(id);
    expect(task.status).toBe('completed');
    expect(task.subtasks.map((subtask) => subtask.description)).toEqual(['first edited', 'second edited']);
    // Two sinks: the estimate has a synthesis line beyond the subtasks' sum.
    const subtaskHigh = task.subtasks.reduce((sum, subtask) => sum + subtask.estimate!.high_usd, 0);
    expect(task.estimate!.high_usd).toBeGreaterThan(subtaskHigh);
    // ... and the run makes that call: the answer is written from both.
    expect(kindsOf(id)).toEqual(['subtask', 'subtask', 'synthesis']);
    expect(task.answer).toEqual(expect.any(String));
  });

  it('cancel rejects a task awaiting approval; approve of an unknown task is 404', async () => {
    const response = await postJson(server, '/tasks', {
      plan: { subtasks: [{ description: 'never run', tier_hint: 1 }] },
      review: true,
    });
    const { id } = (await response.json()) as { id: string };
    const cancelled = await postJson(server, `/tasks/${id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as Task).status).toBe('cancelled');
    expect((await postJson(server, `/tasks/${id}/approve`, {})).status).toBe(409);
    expect((await postJson(server, '/tasks/compound-none/approve', {})).status).toBe(404);
    expect(kindsOf(id)).toEqual([]);
  });

  it('approves and runs a task another process put up for review', async () => {
    const planPath = join(server.home, 'plan.json');
    writeFileSync(planPath, JSON.stringify({ subtasks: [{ description: 'from the cli', tier_hint: 1 }] }));
    const cli = await runCli(['run', '--review', '--plan', planPath], {
      SYMBIONT_HOME: server.home,
      SYMBIONT_SIM_LATENCY_SCALE: '0',
    });
    expect(cli.code).toBe(0);
    const id = /task (compound-[0-9a-f-]+) is awaiting approval/.exec(cli.stderr)![1]!;
    // The CLI's task has no owner: an admin approves it.
    expect((await record(id, server.tokens.root)).status).toBe('awaiting_approval');
    const approved = await postJson(server, `/tasks/${id}/approve`, {}, server.tokens.root);
    expect(approved.status).toBe(202);
    const task = await finished(id);
    expect(task.status).toBe('completed');
    expect(kindsOf(id)).toEqual(['subtask']);
  });
});
