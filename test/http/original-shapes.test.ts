import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBTASK_STATUSES, TASK_STATUSES } from '../../src/core/records.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

// SPEC §4: the original's fields, then those marked new.
const TASK_FIELDS = [
  'id',
  'prompt',
  'status',
  'reasoning',
  'subtasks',
  'created_at',
  'planned_at',
  'completed_at',
  'total_cost',
  'error',
  'owner',
];
const SUBTASK_FIELDS = [
  'id',
  'index',
  'description',
  'tier_hint',
  'tier_assigned',
  'model',
  'depends_on',
  'status',
  'result',
  'cost',
  'started_at',
  'completed_at',
  'error',
  'input_tokens',
  'output_tokens',
  'attempts',
];
const SUMMARY_FIELDS = [
  'id',
  'prompt',
  'status',
  'subtask_count',
  'completed_count',
  'total_cost',
  'created_at',
  'completed_at',
];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type Json = Record<string, unknown>;

function expectTaskShape(task: Json): void {
  for (const field of TASK_FIELDS) expect(task, `task.${field}`).toHaveProperty(field);
  expect(task.id).toMatch(/^compound-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(TASK_STATUSES).toContain(task.status);
  expect(typeof task.prompt).toBe('string');
  expect(typeof task.total_cost).toBe('number');
  expect(task.created_at).toMatch(ISO_UTC);
  for (const field of ['planned_at', 'completed_at']) {
    if (task[field] !== null) expect(task[field]).toMatch(ISO_UTC);
  }
  const subtasks = task.subtasks as Json[];
  expect(Array.isArray(subtasks)).toBe(true);
  expect(subtasks.length).toBeGreaterThan(0);
  subtasks.forEach((subtask, position) => {
    for (const field of SUBTASK_FIELDS) expect(subtask, `subtask.${field}`).toHaveProperty(field);
    expect(subtask.index).toBe(position);
    expect(SUBTASK_STATUSES).toContain(subtask.status);
    expect([1, 2, 3]).toContain(subtask.tier_hint);
    expect(Array.isArray(subtask.depends_on)).toBe(true);
  });
}

describe("the original's routes and shapes", () => {
  let server: TestServer;
  let taskId: string;
  const prompt = `${'Describe the tides in detail. '.repeat(5)}Then summarise them.`;

  beforeAll(async () => {
    server = await startTestServer();
    const response = await postJson(server, '/tasks', { prompt });
    const receipt = (await response.json()) as Json;
    expect(Object.keys(receipt).sort()).toEqual(['id', 'status', 'subtask_count']);
    taskId = receipt.id as string;
    await server.app.service.waitForTask(taskId);
  });
  afterAll(() => server.close());

  it('GET /task/:id/progress returns every field of the task and its subtasks', async () => {
    const response = await server.call(`/task/${taskId}/progress`);
    expect(response.status).toBe(200);
    const task = (await response.json()) as Json;
    expectTaskShape(task);
    expect(task.status).toBe('completed');
    expect(task.prompt).toBe(prompt);
    expect(task.owner).toMatch(/^alice@[0-9a-f]{16}$/);
    expect(task.error).toBeNull();
    const subtask = (task.subtasks as Json[])[0]!;
    expect(subtask.status).toBe('completed');
    expect(typeof subtask.result).toBe('string');
    expect(typeof subtask.cost).toBe('number');
    expect(subtask.model).toEqual(expect.any(String));
    expect(subtask.started_at).toMatch(ISO_UTC);
    expect(subtask.completed_at).toMatch(ISO_UTC);
  });

  it('GET /tasks/:id returns the same body as the progress route', async () => {
    const progress = await (await server.call(`/task/${taskId}/progress`)).json();
    const record = await (await server.call(`/tasks/${taskId}`)).json();
    expect(record).toEqual(progress);
    expectTaskShape(record as Json);
  });

  it('GET /tasks returns recent-task summaries with every field, newest first', async () => {
    const second = await postJson(server, '/tasks', { prompt: 'Count to three.' });
    const secondId = ((await second.json()) as Json).id as string;
    await server.app.service.waitForTask(secondId);
    const response = await server.call('/tasks?limit=20');
    expect(response.status).toBe(200);
    const summaries = (await response.json()) as Json[];
    expect(Array.isArray(summaries)).toBe(true);
    expect(summaries.map((summary) => summary.id)).toEqual([secondId, taskId]);
    for (const summary of summaries) {
      expect(Object.keys(summary).sort()).toEqual([...SUMMARY_FIELDS].sort());
      expect(TASK_STATUSES).toContain(summary.status);
      expect((summary.prompt as string).length).toBeLessThanOrEqual(100);
      expect(summary.created_at).toMatch(ISO_UTC);
    }
    const first = summaries[1]!;
    expect(first.prompt).toBe(prompt.slice(0, 100));
    expect(first.completed_count).toBe(first.subtask_count);
    expect(typeof first.total_cost).toBe('number');
    expect(first.completed_at).toMatch(ISO_UTC);
  });

  it('GET /tasks honours limit', async () => {
    const summaries = (await (await server.call('/tasks?limit=1')).json()) as Json[];
    expect(summaries).toHaveLength(1);
  });
});
