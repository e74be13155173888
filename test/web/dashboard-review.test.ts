import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/records.js';
import { moneyRange } from '../../src/web/client/format.js';
import type { DashboardServer } from '../helpers/browser-session.js';
import { useDashboard } from '../helpers/dashboard-suite.js';
import { saveScreenshot } from '../helpers/screenshots.js';

async function record(server: DashboardServer, id: string): Promise<Task> {
  return (await (await fetch(`${server.url}/tasks/${id}`)).json()) as Task;
}

async function submitForReview(server: DashboardServer): Promise<string> {
  const response = await fetch(`${server.url}/tasks?wait=false`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      review: true,
      plan: {
        prompt: 'Review me',
        subtasks: [
          { description: 'gather the facts', tier_hint: 1, depends_on: [] },
          { description: 'write it up', tier_hint: 2, depends_on: [0] },
        ],
      },
    }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

describe('dashboard review: estimate, Approve, Edit, Cancel', () => {
  const dashboard = useDashboard({ withToken: false });

  it('Cancel rejects a task awaiting approval', async () => {
    const { server, session } = dashboard();
    const id = await submitForReview(server);
    const page = await session.context.newPage();
    await page.goto(`${server.url}/#task=${id}`);
    await page.locator('#review-panel #reject-button').click();
    await page.locator('#task-view h2 .badge', { hasText: 'cancelled' }).waitFor({ timeout: 20_000 });
    await expect(page.locator('#review-panel').isHidden()).resolves.toBe(true);
    await expect(record(server, id).then((task) => task.status)).resolves.toBe('cancelled');
    await page.close();
  }, 60_000);

  it('shows the plan and estimate of a task awaiting approval; a bad edit shows the 422; Approve runs it', async () => {
    const { server, session } = dashboard();
    const id = await submitForReview(server);
    let task: Task | undefined;
    await expect
      .poll(
        async () => {
          task = await record(server!, id);
          return task.status;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe('awaiting_approval');
    const estimate = task!.estimate!;
    expect(estimate.high_usd).toBeGreaterThan(0);

    const page = await session.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/#task=${id}`);
    const panel = page.locator('#review-panel');
    await panel.waitFor();
    await expect(panel.locator('#review-estimate').textContent()).resolves.toContain(moneyRange(estimate));
    await expect(panel.textContent()).resolves.toContain('one attempt of each call');
    const steps = panel.locator('.review-plan li');
    await expect(steps.count()).resolves.toBe(2);
    const second = (await steps.nth(1).textContent()) ?? '';
    expect(second).toContain('after #0');
    expect(second).toContain(`estimate ${moneyRange(task!.subtasks[1]!.estimate!)}`);
    for (const button of ['#approve-button', '#edit-button', '#reject-button']) {
      await expect(panel.locator(button).isVisible(), button).resolves.toBe(true);
    }

    // Edit: pre-filled with the plan; a cycle is refused with the server's message, the edit kept.
    await panel.locator('#edit-button').click();
    const editor = panel.locator('#plan-editor');
    const prefilled = JSON.parse(await editor.inputValue()) as { subtasks: { depends_on: number[] }[] };
    expect(prefilled.subtasks.map((subtask) => subtask.depends_on)).toEqual([[], [0]]);
    prefilled.subtasks[0]!.depends_on = [1];
    const cyclic = JSON.stringify(prefilled, null, 2);
    await editor.fill(cyclic);
    await panel.locator('#save-plan-button').click();
    const refusal = panel.locator('#review-error');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toMatch(/cycle/i);
    await expect(editor.inputValue()).resolves.toBe(cyclic);
    await expect(record(server, id).then((current) => current.status)).resolves.toBe('awaiting_approval');
    const image = await saveScreenshot(page, 'review');
    expect(image.length).toBeGreaterThan(10_000);

    // Approve: the view follows the run to completed, with actual cost beside the estimate.
    await panel.locator('#approve-button').click();
    await page.locator('#task-view h2 .badge', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
    await page.locator('#stream-state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
    await expect(panel.isHidden()).resolves.toBe(true);
    const done = await record(server, id);
    expect(done.status).toBe('completed');
    await expect(page.locator('#task-total-cost').textContent()).resolves.not.toBe('\u2014');
    await expect(page.locator('#task-estimate').textContent()).resolves.toContain(moneyRange(estimate));
    const stepCost =
      (await page.locator('#subtask-list li.subtask').nth(1).locator('.cost').textContent()) ?? '';
    expect(stepCost).toMatch(/^cost \$[0-9.]+ \u00b7 estimate \$/);
    expect(stepCost).toContain(moneyRange(done.subtasks[1]!.estimate!));
    await saveScreenshot(page, 'review-approved');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
