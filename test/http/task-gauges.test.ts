import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBTASK_STATUSES, TASK_STATUSES } from '../../src/core/records.js';
import type { TaskService } from '../../src/engine/task-service.js';
import { ServerMetrics } from '../../src/http/metrics.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

// The /metrics task gauges are kept from events: after a mix of completed, failed and
// cancelled tasks they equal a full count of the store, a fresh server seeded from the store
// agrees, and a scrape after the seed reads no task from the store.

interface Figures {
  tasks: Record<string, number>;
  subtasks: Record<string, number>;
  cost: number;
}

function parse(text: string): Figures {
  const figures: Figures = { tasks: {}, subtasks: {}, cost: Number.NaN };
  for (const status of TASK_STATUSES) {
    figures.tasks[status] = Number(
      new RegExp(`^symbiont_tasks\\{status="${status}"\\} (\\S+)$`, 'm').exec(text)?.[1],
    );
  }
  for (const status of SUBTASK_STATUSES) {
    figures.subtasks[status] = Number(
      new RegExp(`^symbiont_subtasks\\{status="${status}"\\} (\\S+)$`, 'm').exec(text)?.[1],
    );
  }
  figures.cost = Number(/^symbiont_tasks_cost_usd (\S+)$/m.exec(text)?.[1]);
  return figures;
}

async function scan(service: TaskService): Promise<Figures> {
  const figures: Figures = {
    tasks: Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])),
    subtasks: Object.fromEntries(SUBTASK_STATUSES.map((status) => [status, 0])),
    cost: 0,
  };
  for (const summary of await service.listRecentTasks(10_000)) {
    figures.tasks[summary.status]! += 1;
    figures.cost += summary.total_cost;
    for (const subtask of (await service.getTaskProgress(summary.id))?.subtasks ?? []) {
      figures.subtasks[subtask.status]! += 1;
    }
  }
  return figures;
}

function expectSame(actual: Figures, expected: Figures): void {
  expect(actual.tasks).toEqual(expected.tasks);
  expect(actual.subtasks).toEqual(expected.subtasks);
  expect(actual.cost).toBeCloseTo(expected.cost, 9);
}

describe('task gauges', () => {
  let server: TestServer;
  const scrape = async () =>
    parse(await (await server.call('/metrics', { token: server.tokens.root })).text());

  beforeAll(async () => {
    server = await startTestServer({ store: 'memory' });
  });
  afterAll(() => server.close());

  it('follow tasks that complete, fail and are cancelled, and equal a count of the store', async () => {
    const before = await scrape();
    expect(Object.values(before.tasks).every((count) => count === 0)).toBe(true);
    const plans = [
      { subtasks: [{ description: 'a [[sim cost=0.25]]' }, { description: 'b', depends_on: [0] }] },
      { subtasks: [{ description: 'c [[sim fail=fatal]]' }, { description: 'd', depends_on: [0] }] },
      { subtasks: [{ description: 'e' }, { description: 'f [[sim fail=error]]' }, { description: 'g' }] },
      { subtasks: [{ description: 'h [[sim fail=hang]]' }, { description: 'i', depends_on: [0] }] },
    ];
    const ids: string[] = [];
    for (const plan of plans) {
      const response = await postJson(server, '/tasks', { plan, options: { max_attempts: 1 } });
      ids.push(((await response.json()) as { id: string }).id);
    }
    const hanging = ids[3]!;
    await expect.poll(async () => (await scrape()).subtasks.executing).toBeGreaterThanOrEqual(1);
    const mid = await scrape();
    expect(mid.tasks.executing! + mid.tasks.completed! + mid.tasks.failed! + mid.tasks.partial!).toBe(4);
    await server.call(`/tasks/${hanging}/cancel`, { method: 'POST' });
    await Promise.all(ids.map((id) => server.app.service.waitForTask(id)));
    const after = await scrape();
    expectSame(after, await scan(server.app.service));
    expect(after.tasks.cancelled).toBe(1);
    expect(after.cost).toBeGreaterThanOrEqual(0.25);
  });

  it('follow a retried task: its finished counts give way to the new run, and agree again at its end', async () => {
    const response = await postJson(server, '/tasks', {
      plan: { subtasks: [{ description: 'j' }, { description: 'k [[sim fail=error]]', depends_on: [0] }] },
      options: { max_attempts: 1, escalate: false },
    });
    const { id } = (await response.json()) as { id: string };
    await server.app.service.waitForTask(id);
    expectSame(await scrape(), await scan(server.app.service));
    const retried = await server.call(`/tasks/${id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    const task = await server.app.service.waitForTask(id);
    expect(task.subtasks[1]!.attempts).toBe(2);
    expectSame(await scrape(), await scan(server.app.service));
  });

  it('start from the store, and a scrape after that reads no task', async () => {
    let reads = 0;
    const service = server.app.service;
    const counting = {
      listRecentTasks: (...args: Parameters<TaskService['listRecentTasks']>) => {
        reads++;
        return service.listRecentTasks(...args);
      },
      getTaskProgress: (id: string) => {
        reads++;
        return service.getTaskProgress(id);
      },
    };
    const metrics = new ServerMetrics({ service: counting });
    try {
      const seeded = parse((await metrics.render()).text);
      expectSame(seeded, await scan(service));
      const afterSeed = reads;
      expect(afterSeed).toBeGreaterThan(0);
      for (let index = 0; index < 5; index++) await metrics.render();
      expect(reads).toBe(afterSeed);
    } finally {
      metrics.close();
    }
  });
});
