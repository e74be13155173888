import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/records.js';
import type { BrowserSession, DashboardServer } from '../helpers/browser-session.js';
import { useDashboard } from '../helpers/dashboard-suite.js';

// Three chained steps of about 700 ms each (the server scales simulated latencies by 0.1).
const THREE_STEPS =
  'Outline a short poem about the sea [[sim latency=7000]], then draft the poem [[sim latency=7000]], ' +
  'then review the draft [[sim latency=7000]].';

const HOSTILE = '<img src=x onerror="window.__injected = 1"><b>bold?</b>';

interface PageWatch {
  /** Uncaught exceptions and console errors (a CSP violation is one). */
  errors: string[];
  /** Requests for event streams, with the kind Chromium gave them. */
  eventStreams: { url: string; type: string; authorized: boolean }[];
  /** Requests for /costs and /ledger/verify. */
  ledgerCalls: number;
}

async function openDashboard(
  session: BrowserSession,
  server: DashboardServer,
): Promise<{ page: Page; watch: PageWatch }> {
  const page = await session.context.newPage();
  const watch: PageWatch = { errors: [], eventStreams: [], ledgerCalls: 0 };
  page.on('pageerror', (error) => watch.errors.push(error.message));
  page.on('console', (message) => {
    // Chromium logs the 401 and 403 answers the page expects (no token yet, not an admin).
    if (message.type() === 'error' && !/status of 40[13]/.test(message.text()))
      watch.errors.push(message.text());
  });
  page.on('request', (request) => {
    if (/\/(costs|ledger\/verify)/.test(request.url())) watch.ledgerCalls++;
    if (request.url().includes('/events')) {
      watch.eventStreams.push({
        url: request.url(),
        type: request.resourceType(),
        authorized: request.headers().authorization !== undefined,
      });
    }
  });
  await page.goto(`${server.url}/`);
  return { page, watch };
}

async function submitPrompt(page: Page, prompt: string): Promise<string> {
  await page.fill('#prompt-input', prompt);
  await page.click('#submit-button');
  const receipt = page.locator('#submit-receipt');
  await receipt.waitFor();
  const text = (await receipt.textContent()) ?? '';
  expect(text).toContain('202 Accepted');
  const id = /compound-[0-9a-f-]+/.exec(text)?.[0];
  if (id === undefined) throw new Error(`no task id in the receipt: ${text}`);
  return id;
}

async function waitForSubtasks(page: Page, status: string, count: number): Promise<void> {
  const subtasks = page.locator(`#subtask-list li.subtask[data-status="${status}"]`);
  await expect.poll(() => subtasks.count(), { timeout: 20_000, interval: 100 }).toBe(count);
}

/** A global of the page, read with a function (the page's CSP forbids evaluating strings). */
function pageGlobal(page: Page, read: 'injected' | 'token'): Promise<unknown> {
  return page.evaluate((what) => {
    const scope = globalThis as unknown as {
      __injected?: number;
      sessionStorage: { getItem(key: string): string | null };
    };
    return what === 'injected' ? scope.__injected : scope.sessionStorage.getItem('symbiont.token');
  }, read);
}

async function fetchTask(server: DashboardServer, id: string): Promise<Task> {
  const headers: Record<string, string> = server.token ? { authorization: `Bearer ${server.token}` } : {};
  const response = await fetch(`${server.url}/tasks/${id}`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Task;
}

describe('dashboard on a server without tokens', () => {
  const dashboard = useDashboard({ withToken: false });

  it('submits a prompt, shows its subtasks going live to completed, the total cost and the task in the list', async () => {
    const { server, session } = dashboard();
    const { page, watch } = await openDashboard(session, server);
    await expect(page.locator('#provider-notice').textContent()).resolves.toContain('Simulated provider');

    const id = await submitPrompt(page, THREE_STEPS);
    await page.locator('#task-id', { hasText: id }).waitFor();
    // Seen running before it is done: the view follows the stream, not a finished record.
    await page
      .locator('#subtask-list li.subtask[data-status="executing"]')
      .first()
      .waitFor({ timeout: 20_000 });
    await waitForSubtasks(page, 'completed', 3);
    await page.locator('#stream-state', { hasText: 'finished' }).waitFor();

    const task = await fetchTask(server, id);
    expect(task.status).toBe('completed');
    const shownCost = (await page.locator('#task-total-cost').textContent()) ?? '';
    expect(shownCost).toBe(`$${task.total_cost.toFixed(4)}`);
    await expect(page.locator('#subtask-list').textContent()).resolves.toContain('after #1');

    const row = page.locator(`#task-list [data-task-id="${id}"]`);
    await row.locator('.badge', { hasText: 'completed' }).waitFor();
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain('3/3');
    expect(rowText).toContain(shownCost);

    const firstResult = page.locator('#subtask-list li.subtask[data-index="0"] details.result');
    await firstResult.locator('summary').click();
    await expect(firstResult.locator('pre').textContent()).resolves.toBe(task.subtasks[0]?.result);

    await page.locator('#ledger-verdict', { hasText: 'Ledger chain sound' }).waitFor();
    await expect(page.locator('#costs-model').textContent()).resolves.toContain(
      task.subtasks[0]?.model ?? '?',
    );

    expect(watch.eventStreams.length).toBeGreaterThan(0);
    expect(watch.eventStreams.every((stream) => stream.type === 'eventsource')).toBe(true);
    // To look at the page: SYMBIONT_DASHBOARD_SCREENSHOT=/tmp/dashboard.png npx vitest run test/web
    const screenshotPath = process.env.SYMBIONT_DASHBOARD_SCREENSHOT;
    const screenshot = await page.screenshot({
      fullPage: true,
      ...(screenshotPath ? { path: screenshotPath } : {}),
    });
    expect(screenshot.length).toBeGreaterThan(10_000);
    expect(watch.errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows plan descriptions and results as text, never as markup', async () => {
    const { server, session } = dashboard();
    const { page, watch } = await openDashboard(session, server);
    await page.click('#plan-details summary');
    await page.fill(
      '#plan-input',
      JSON.stringify({
        plan: { subtasks: [{ description: `${HOSTILE} [[sim latency=500]]`, tier_hint: 1 }] },
      }),
    );
    await page.click('#submit-button');
    await page.locator('#submit-receipt').waitFor();
    await waitForSubtasks(page, 'completed', 1);

    const description = (await page.locator('#subtask-list .description').textContent()) ?? '';
    expect(description).toContain(HOSTILE);
    await expect(page.locator('#task-view img, #task-view b:text("bold?")').count()).resolves.toBe(0);
    await expect(pageGlobal(page, 'injected')).resolves.toBeUndefined();
    expect(watch.errors).toEqual([]);
    await page.close();
  }, 60_000);
  it('cancels a running task from its view, and shows it again after a reload', async () => {
    const { server, session } = dashboard();
    const { page, watch } = await openDashboard(session, server);
    const id = await submitPrompt(page, 'Write a very long essay [[sim latency=600000]], then proofread it.');
    await page
      .locator('#subtask-list li.subtask[data-status="executing"]')
      .first()
      .waitFor({ timeout: 20_000 });
    // The streaming planner may start the essay before the plan is complete: cancel once both
    // steps are in.
    await expect
      .poll(() => page.locator('#subtask-list li.subtask').count(), { timeout: 20_000, interval: 50 })
      .toBe(2);
    await page.click('#cancel-button');
    await page.locator('#task-view .badge', { hasText: 'cancelled' }).first().waitFor();
    await waitForSubtasks(page, 'cancelled', 2);
    await expect(page.locator('#cancel-button').isHidden()).resolves.toBe(true);
    await expect(fetchTask(server, id).then((task) => task.status)).resolves.toBe('cancelled');

    await page.reload();
    await page.locator('#task-id', { hasText: id }).waitFor();
    await waitForSubtasks(page, 'cancelled', 2);
    await page.locator(`#task-list [data-task-id="${id}"].selected`).waitFor();
    expect(watch.errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('dashboard on a server with tokens', () => {
  const dashboard = useDashboard({ withToken: true });

  it('asks for a token after a 401, then follows the task by reading the event stream with fetch', async () => {
    const { server, session } = dashboard();
    if (!server.token) throw new Error('set-up failed');
    const { page, watch } = await openDashboard(session, server);
    const tokenPanel = page.locator('#token-panel');
    await tokenPanel.waitFor();
    await expect(tokenPanel.textContent()).resolves.toContain('needs an API token');

    await page.fill('#token-input', server.token);
    await page.click('#token-form button[type="submit"]');
    await tokenPanel.waitFor({ state: 'hidden' });
    await page.locator('#task-list', { hasText: 'No tasks yet' }).waitFor();
    await expect(pageGlobal(page, 'token')).resolves.toBe(server.token);

    const id = await submitPrompt(page, THREE_STEPS);
    await page
      .locator('#subtask-list li.subtask[data-status="executing"]')
      .first()
      .waitFor({ timeout: 20_000 });
    await waitForSubtasks(page, 'completed', 3);
    const task = await fetchTask(server, id);
    await expect(page.locator('#task-total-cost').textContent()).resolves.toBe(
      `$${task.total_cost.toFixed(4)}`,
    );
    await page.locator(`#task-list [data-task-id="${id}"]`, { hasText: '3/3' }).waitFor();

    expect(watch.eventStreams.length).toBeGreaterThan(0);
    expect(watch.eventStreams.every((stream) => stream.type === 'fetch' && stream.authorized)).toBe(true);
    // A plain token may not read costs: the panel says so instead of failing.
    await page.locator('#ledger-status', { hasText: 'need an admin token' }).waitFor();
    // Once before the token (401), once with it (403); not again when the task finished.
    expect(watch.ledgerCalls).toBe(2);
    expect(watch.errors).toEqual([]);
    await page.close();
  }, 60_000);
});
