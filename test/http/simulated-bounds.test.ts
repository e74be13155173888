import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTIVE_LIMITS } from '../../src/adapters/providers/simulated-directives.js';
import type { Task } from '../../src/core/records.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

// Served to API users, the simulator must not be a way to exhaust the server's memory: a plan
// of 16 subtasks asking for 500,000,000-character answers each fails with a clear message, and
// the server keeps serving.

describe('the simulated provider behind the API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const plan = (directive: string) => ({
    plan: {
      subtasks: Array.from({ length: 16 }, (_, index) => ({
        description: `Part ${index} [[sim ${directive}]]`,
      })),
    },
  });

  it('refuses chars=500000000 on 16 subtasks, naming the bound, and keeps serving', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const response = await postJson(server, '/tasks', plan('chars=500000000'));
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const task: Task = await server.app.service.waitForTask(id);
    expect(task.status).toBe('failed');
    for (const subtask of task.subtasks.filter((candidate) => candidate.status === 'failed')) {
      expect(subtask.error).toContain(String(DIRECTIVE_LIMITS.chars));
    }
    expect(task.subtasks.some((subtask) => subtask.status === 'failed')).toBe(true);
    // 16 answers of 500 M characters would be 16 GB of strings; nothing like that was built.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    expect((await server.call('/healthz', { token: null })).status).toBe(200);
  });

  it('answers 16 subtasks at the largest size', async () => {
    const response = await postJson(server, '/tasks', plan(`chars=${DIRECTIVE_LIMITS.chars}`));
    const { id } = (await response.json()) as { id: string };
    const task = await server.app.service.waitForTask(id);
    expect(task.status).toBe('completed');
    expect(task.subtasks.every((subtask) => subtask.status === 'completed')).toBe(true);
  });
});
