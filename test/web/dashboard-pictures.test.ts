import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/records.js';
import type { DashboardServer } from '../helpers/browser-session.js';
import { useDashboard } from '../helpers/dashboard-suite.js';
import { saveScreenshot } from '../helpers/screenshots.js';

async function screenshot(page: Page, name: string): Promise<void> {
  const image = await saveScreenshot(page, name);
  expect(image.length).toBeGreaterThan(10_000);
}

async function post(server: DashboardServer, body: unknown): Promise<string> {
  const response = await fetch(`${server.url}/tasks?wait=false`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function finished(server: DashboardServer, id: string): Promise<Task> {
  let task: Task | undefined;
  await expect
    .poll(
      async () => {
        task = (await (await fetch(`${server.url}/tasks/${id}`)).json()) as Task;
        return ['completed', 'partial', 'failed', 'cancelled'].includes(task.status);
      },
      { timeout: 30_000, interval: 100 },
    )
    .toBe(true);
  return task!;
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

describe('dashboard pictures and the live list', () => {
  const dashboard = useDashboard({ withToken: false });

  it('shows a task another client creates within a second, with no reload and no polling; its age keeps ticking', async () => {
    const { server, session } = dashboard();
    const page = await session.context.newPage();
    const errors = watchErrors(page);
    const listReads: string[] = [];
    page.on('request', (request) => {
      if (/\/tasks(\?|$)/.test(new URL(request.url()).pathname + new URL(request.url()).search))
        listReads.push(request.url());
    });
    await page.goto(`${server.url}/`);
    await page.locator('#tasks-updated', { hasText: 'live' }).waitFor();
    await page.evaluate(() => {
      (globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });

    const id = await post(server, {
      plan: { subtasks: [{ description: 'from elsewhere [[sim latency=3000]]' }] },
    });
    const row = page.locator(`#task-list [data-task-id="${id}"]`);
    await row.waitFor({ timeout: 1000 });
    await row.locator('.badge', { hasText: 'completed' }).waitFor({ timeout: 20_000 });

    const age = row.locator('.age');
    const before = await age.textContent();
    await expect.poll(() => age.textContent(), { timeout: 5000, interval: 200 }).not.toBe(before);
    const same = await page.evaluate(
      () => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument,
    );
    expect(same).toBe(true);
    expect(listReads).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('draws the DAG with one edge per dependency and the critical path marked; a click opens the step', async () => {
    const { server, session } = dashboard();
    // 0 -> 1 (slow) -> 3 is longer than 0 -> 2 (fast) -> 3; 4 stands alone.
    const plan = {
      prompt: 'A diamond with a slow side',
      subtasks: [
        { description: 'gather the facts [[sim latency=3000]]', depends_on: [] },
        { description: 'the slow analysis [[sim latency=9000]]', depends_on: [0] },
        { description: 'the quick check [[sim latency=1000]]', depends_on: [0] },
        { description: 'write it up [[sim latency=3000]]', depends_on: [1, 2] },
        { description: 'an unrelated note [[sim latency=1000]]', depends_on: [] },
      ],
    };
    const id = await post(server, { plan });
    const record = await finished(server, id);
    const page = await session.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/#task=${id}`);
    await page.locator('#stream-state', { hasText: 'finished' }).waitFor();
    const graph = page.locator('#dag-graph');
    await graph.waitFor();

    const edges = await graph
      .locator('path.edge')
      .evaluateAll((paths) =>
        paths.map((path) => `${(path as SVGElement).dataset.from}->${(path as SVGElement).dataset.to}`),
      );
    const dependencies = plan.subtasks.flatMap((subtask, index) =>
      subtask.depends_on.map((from) => `${from}->${index}`),
    );
    expect(edges.sort()).toEqual(dependencies.sort());
    const critical = await graph
      .locator('path.edge.critical')
      .evaluateAll((paths) =>
        paths.map((path) => `${(path as SVGElement).dataset.from}->${(path as SVGElement).dataset.to}`),
      );
    expect(critical.sort()).toEqual(['0->1', '1->3']);
    await expect(graph.getAttribute('data-critical-path')).resolves.toBe('0,1,3');
    const criticalNodes = await graph
      .locator('g.node.critical')
      .evaluateAll((nodes) => nodes.map((node) => (node as SVGElement).dataset.index));
    expect(criticalNodes).toEqual(['0', '1', '3']);
    await expect(graph.locator('g.node[data-status="completed"]').count()).resolves.toBe(5);

    await graph.locator('g.node[data-index="2"]').click();
    const step = page.locator('#subtask-list li.subtask[data-index="2"]');
    await expect.poll(() => step.getAttribute('class')).toContain('focused');
    await expect(step.locator('details.result').getAttribute('open')).resolves.not.toBeNull();
    await expect(step.locator('details.result pre').isVisible()).resolves.toBe(true);
    await expect(graph.locator('g.node.selected').getAttribute('data-index')).resolves.toBe('2');
    // The answer on top: the record's (two last steps, 3 and 4: written by the synthesis call).
    const answer = record.answer;
    expect(answer).toContain('[simulated answer]');
    const shown = await page.locator('#task-answer').textContent();
    expect(shown).toMatch(/^Answer/);
    expect(shown).toContain(answer!.split('\n')[0]);
    await screenshot(page, 'graph');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('draws one timeline bar per attempt, with the retry wait between them', async () => {
    const { server, session } = dashboard();
    const plan = {
      prompt: 'Two steps side by side, one fails once',
      subtasks: [
        { description: 'flaky step [[sim fail_first=1 latency=2000]]', depends_on: [] },
        { description: 'steady step [[sim latency=4000]]', depends_on: [] },
        { description: 'joins them [[sim latency=2000]]', depends_on: [0, 1] },
      ],
    };
    const id = await post(server, { plan, options: { max_attempts: 3 } });
    const task = await finished(server, id);
    expect(task.status).toBe('completed');
    expect(task.subtasks[0]?.attempts).toBe(2);
    const page = await session.context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/#task=${id}`);
    await page.locator('#stream-state', { hasText: 'finished' }).waitFor();
    const timeline = page.locator('#timeline');
    await timeline.waitFor();

    const attempts = task.subtasks.reduce((sum, subtask) => sum + subtask.attempts, 0);
    await expect(timeline.locator('rect.bar.attempt').count()).resolves.toBe(attempts);
    await expect(timeline.locator('rect.bar.attempt[data-index="0"]').count()).resolves.toBe(2);
    await expect(
      timeline.locator('rect.bar.attempt.outcome-failed[data-index="0"][data-attempt="1"]').count(),
    ).resolves.toBe(1);
    await expect(
      timeline.locator('rect.bar.attempt.outcome-completed[data-index="0"][data-attempt="2"]').count(),
    ).resolves.toBe(1);
    await expect(timeline.locator('rect.bar.retry').count()).resolves.toBe(1);
    // Parallel steps overlap in time: the steady step starts before the flaky one ends.
    const box = (selector: string) => timeline.locator(selector).boundingBox();
    const steady = await box('rect.bar.attempt[data-index="1"]');
    const flakyFirst = await box('rect.bar.attempt[data-index="0"][data-attempt="1"]');
    const join = await box('rect.bar.attempt[data-index="2"]');
    if (!steady || !flakyFirst || !join) throw new Error('bars are missing');
    expect(steady.x).toBeLessThan(flakyFirst.x + flakyFirst.width);
    expect(join.x).toBeGreaterThanOrEqual(steady.x + steady.width - 1);
    await expect(page.locator('#cost-line polyline.cost').count()).resolves.toBe(1);
    await screenshot(page, 'timeline');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
  it('grows the running text of an executing step as the engine streams subtask.output', async () => {
    // A real run: the simulated provider streams its answer over its latency (4 s here), the
    // engine sends it as coalesced subtask.output events, and the page shows the text growing
    // while the step is still executing; the text seen is the start of the stored result.
    const { server, session } = dashboard();
    const page = await session.context.newPage();
    const errors = watchErrors(page);
    const id = await post(server, {
      plan: { subtasks: [{ description: 'Tell the story slowly [[sim latency=40000 chars=900]]' }] },
    });
    await page.goto(`${server.url}/#task=${id}`);
    const step = page.locator('#subtask-list li.subtask[data-index="0"]');
    const text = step.locator('pre.live-text');
    let first = '';
    await expect
      .poll(
        async () => {
          first = (await text.count()) > 0 ? ((await text.textContent()) ?? '') : '';
          return first.length;
        },
        { timeout: 15_000, interval: 50 },
      )
      .toBeGreaterThan(0);
    await expect(step.getAttribute('data-status')).resolves.toBe('executing');
    let later = '';
    await expect
      .poll(
        async () => {
          later = (await text.count()) > 0 ? ((await text.textContent()) ?? '') : '';
          return later.length;
        },
        { timeout: 15_000, interval: 50 },
      )
      .toBeGreaterThan(first.length);
    expect(later.startsWith(first)).toBe(true);
    await screenshot(page, 'live-text');
    const task = await finished(server, id);
    expect(task.status).toBe('completed');
    expect(task.subtasks[0]!.result!.startsWith(later)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
