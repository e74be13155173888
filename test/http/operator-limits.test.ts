// Operator limits through the API (issue 12 item 3): for each limit, the request over it gets
// its error (403 NOT_ALLOWED or 429 LIMIT_EXCEEDED, naming the limit) and the one under it
// passes. The server runs the real engine with the simulated provider.

import { afterEach, describe, expect, it } from 'vitest';
import { NO_OPERATOR_LIMITS, type OperatorLimits } from '../../src/core/operator-limits.js';
import type { Task } from '../../src/core/records.js';
import { seedLargeHistory } from '../stores/large-history.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(limits: Partial<OperatorLimits>): Promise<TestServer> {
  server = await startTestServer({ limits: { ...NO_OPERATOR_LIMITS, ...limits } });
  return server;
}

/** A plan of `count` subtasks that each take about `ms` (scaled by the test server's 0.02). */
function plan(count: number, ms = 0) {
  const directive = ms > 0 ? ` [[sim latency=${ms * 50}]]` : '';
  return {
    subtasks: Array.from({ length: count }, (_, index) => ({
      description: `step ${index}${directive}`,
      tier_hint: 3,
      depends_on: [],
    })),
  };
}

async function submit(body: unknown, token?: string) {
  const response = await postJson(server!, '/tasks?wait=false', body, token);
  return {
    status: response.status,
    body: (await response.json()) as { id: string } & Record<string, unknown>,
  };
}

async function taskOf(id: string): Promise<Task> {
  return (await server!.call(`/tasks/${id}`, { token: server!.tokens.root })).json() as Promise<Task>;
}

function refused(status: number, code: string, name: string, value: unknown) {
  return {
    status,
    body: {
      error: { code, message: expect.stringContaining(name), limit: { name, value } },
    },
  };
}

describe('settings a request can only lower', () => {
  it('max_budget_usd: a larger budget or none is refused; a smaller one passes; none gets the default', async () => {
    await serve({ max_budget_usd: 1, default_budget_usd: 0.25 });
    expect(await submit({ plan: plan(1), options: { budget_usd: 2 } })).toEqual(
      refused(403, 'NOT_ALLOWED', 'max_budget_usd', 1),
    );
    expect(await submit({ plan: plan(1), options: { budget_usd: null } })).toEqual(
      refused(403, 'NOT_ALLOWED', 'max_budget_usd', 1),
    );
    const under = await submit({ plan: plan(1), options: { budget_usd: 0.5 } });
    expect(under.status).toBe(202);
    expect((await taskOf(under.body.id)).settings.budget_usd).toBe(0.5);
    const unnamed = await submit({ plan: plan(1) });
    expect(unnamed.status).toBe(202);
    expect((await taskOf(unnamed.body.id)).settings.budget_usd).toBe(0.25);
  });

  it('max_attempts and max_timeout_ms: over is refused, within passes, unnamed is lowered to them', async () => {
    await serve({ max_attempts: 2, max_timeout_ms: 1000 });
    expect(await submit({ plan: plan(1), options: { max_attempts: 3 } })).toEqual(
      refused(403, 'NOT_ALLOWED', 'max_attempts', 2),
    );
    expect(await submit({ plan: plan(1), options: { timeout_ms: 5000 } })).toEqual(
      refused(403, 'NOT_ALLOWED', 'max_timeout_ms', 1000),
    );
    const within = await submit({ plan: plan(1), options: { max_attempts: 2, timeout_ms: 500 } });
    expect(within.status).toBe(202);
    const unnamed = await submit({ plan: plan(1) });
    const { settings } = await taskOf(unnamed.body.id);
    expect([settings.max_attempts, settings.timeout_ms]).toEqual([2, 1000]);
  });

  it('allowed_models: a model not on the provider list is refused; one on it passes', async () => {
    await serve({ allowed_models: { simulated: ['sim-small'] } });
    expect(await submit({ plan: plan(1), options: { models: { '1': 'sim-large' } } })).toEqual(
      refused(403, 'NOT_ALLOWED', 'allowed_models', { simulated: ['sim-small'] }),
    );
    const allowed = await submit({ plan: plan(1), options: { models: { '1': 'sim-small' } } });
    expect(allowed.status).toBe(202);
  });
});

describe('the largest plan', () => {
  it('max_plan_subtasks: a hand-written plan over it is refused, one at it passes', async () => {
    await serve({ max_plan_subtasks: 3 });
    expect(await submit({ plan: plan(4) })).toEqual(refused(403, 'NOT_ALLOWED', 'max_plan_subtasks', 3));
    expect((await submit({ plan: plan(3) })).status).toBe(202);
  });

  it("max_plan_subtasks: the planner's answer over it fails the task naming the limit; a small one runs", async () => {
    await serve({ max_plan_subtasks: 2 });
    const large = await postJson(server!, '/tasks', {
      prompt: 'Collect the data. Then clean it. Then chart it. Then write the report. Then publish it.',
    });
    expect(large.status).toBe(202);
    const receipt = (await large.json()) as { id: string; status: string };
    expect(receipt.status).toBe('failed');
    expect((await taskOf(receipt.id)).error).toContain('over the limit of 2');
    const small = (await (await postJson(server!, '/tasks', { prompt: 'Write a haiku' })).json()) as {
      status: string;
      subtask_count: number;
    };
    expect(small.status).toBe('planned');
    expect(small.subtask_count).toBeLessThanOrEqual(2);
  });
});

describe('counts of open work (429)', () => {
  it('max_unfinished_tasks_per_token and max_unfinished_tasks', async () => {
    await serve({ max_unfinished_tasks_per_token: 2, max_unfinished_tasks: 3 });
    const slow = { plan: plan(1, 5000) };
    expect((await submit(slow)).status).toBe(202);
    expect((await submit(slow)).status).toBe(202);
    expect(await submit(slow)).toEqual(refused(429, 'LIMIT_EXCEEDED', 'max_unfinished_tasks_per_token', 2));
    // Another token has its own count, up to the total.
    expect((await submit(slow, server!.tokens.bob)).status).toBe(202);
    expect(await submit(slow, server!.tokens.bob)).toEqual(
      refused(429, 'LIMIT_EXCEEDED', 'max_unfinished_tasks', 3),
    );
  });

  it('max_queued_subtasks_per_token and max_queued_subtasks', async () => {
    await serve({ max_queued_subtasks_per_token: 5, max_queued_subtasks: 8 });
    expect((await submit({ plan: plan(3, 5000) })).status).toBe(202);
    expect(await submit({ plan: plan(3, 5000) })).toEqual(
      refused(429, 'LIMIT_EXCEEDED', 'max_queued_subtasks_per_token', 5),
    );
    expect((await submit({ plan: plan(2, 5000) })).status).toBe(202);
    expect((await submit({ plan: plan(3, 5000) }, server!.tokens.bob)).status).toBe(202);
    expect(await submit({ plan: plan(1, 5000) }, server!.tokens.bob)).toEqual(
      refused(429, 'LIMIT_EXCEEDED', 'max_queued_subtasks', 8),
    );
  });

  it('concurrent submissions cannot both take the last place', async () => {
    await serve({ max_unfinished_tasks_per_token: 3 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => submit({ plan: plan(1, 5000) })));
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(3);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(5);
  });
});

describe('the daily spending quota per token', () => {
  it("refuses a token whose tasks of today spent the quota; another token's spend is its own", async () => {
    await serve({ daily_spend_usd_per_token: 0.05 });
    const first = await submit({ plan: plan(1) });
    expect(first.status).toBe(202);
    const alice = (await taskOf(first.body.id)).owner;
    // The task got at most what is left of the quota as its budget.
    expect((await taskOf(first.body.id)).settings.budget_usd).toBeLessThanOrEqual(0.05);
    await seedLargeHistory(server!.app.store, {
      subtasks: 10,
      resultChars: 20,
      owner: alice,
      costEach: 0.01,
    });
    expect(await submit({ plan: plan(1) })).toEqual(
      refused(429, 'LIMIT_EXCEEDED', 'daily_spend_usd_per_token', 0.05),
    );
    expect((await submit({ plan: plan(1) }, server!.tokens.bob)).status).toBe(202);
  });

  it('under the quota: the budget is what is left of it', async () => {
    await serve({ daily_spend_usd_per_token: 1 });
    const first = await submit({ plan: plan(1) });
    const alice = (await taskOf(first.body.id)).owner;
    await seedLargeHistory(server!.app.store, {
      subtasks: 10,
      resultChars: 20,
      owner: alice,
      costEach: 0.02,
    });
    const under = await submit({ plan: plan(1), options: { budget_usd: 5 } });
    expect(under.status).toBe(202);
    expect((await taskOf(under.body.id)).settings.budget_usd).toBeCloseTo(0.8, 2);
  });
});
