// The CLI and the HTTP API accept and refuse exactly the same hand-written plans: every plan of
// the one corpus (test/fixtures/plan-corpus.ts) goes to `symbiont plan --plan FILE` in a child
// process and to `POST /tasks {plan}` on a real server, and both must give its verdict.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, tempHome } from '../cli/cli-helpers.js';
import { PLAN_CORPUS } from '../fixtures/plan-corpus.js';
import { postJson, startTestServer, type TestServer } from '../http/test-server.js';

interface HttpResult {
  status: number;
  body: { id?: string; subtask_count?: number; error?: { code: string; message: string } };
}

let server: TestServer;
let home: { home: string; cleanup(): void };
const cli = new Map<string, CliResult>();
const http = new Map<string, HttpResult>();

/** Runs `work` over `items`, `width` at a time. */
async function inBatches<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < items.length; start += width) {
    await Promise.all(items.slice(start, start + width).map(work));
  }
}

beforeAll(async () => {
  home = tempHome();
  server = await startTestServer({ store: 'memory' });
  await inBatches(PLAN_CORPUS, 4, async (entry) => {
    const file = join(home.home, `${entry.name.replace(/[^a-z0-9]+/gi, '-')}.json`);
    writeFileSync(file, JSON.stringify(entry.plan));
    cli.set(entry.name, await runCli(['plan', '--plan', file, '--json'], { SYMBIONT_HOME: home.home }));
    const response = await postJson(server, '/tasks', { plan: entry.plan });
    http.set(entry.name, { status: response.status, body: (await response.json()) as HttpResult['body'] });
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  home?.cleanup();
});

describe('one plan corpus, one verdict from the CLI and the HTTP API', () => {
  it('covers accepted plans, plans that cannot run as written and plans of the wrong shape', () => {
    const kinds = new Set(
      PLAN_CORPUS.map((entry) => (entry.verdict.accept ? 'accept' : String(entry.verdict.status))),
    );
    expect([...kinds].sort()).toEqual(['400', '422', 'accept']);
  });

  it.each(PLAN_CORPUS.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const fromCli = cli.get(entry.name)!;
    const fromHttp = http.get(entry.name)!;
    if (entry.verdict.accept) {
      expect(fromCli.code, fromCli.stderr).toBe(0);
      const printed = JSON.parse(fromCli.stdout) as { subtasks: unknown[] };
      expect(printed.subtasks).toHaveLength(entry.verdict.subtasks);
      expect(fromHttp.status, JSON.stringify(fromHttp.body)).toBe(202);
      expect(fromHttp.body.subtask_count).toBe(entry.verdict.subtasks);
      return;
    }
    expect(fromCli.code, fromCli.stdout).toBe(2);
    expect(fromCli.stdout).toBe('');
    expect(fromCli.stderr.trim().split('\n')).toHaveLength(1);
    expect(fromHttp.status, JSON.stringify(fromHttp.body)).toBe(entry.verdict.status);
    expect(fromHttp.body.error?.code).toBe(entry.verdict.code);
    for (const fragment of entry.verdict.mentions) {
      expect(fromCli.stderr, 'CLI message').toContain(fragment);
      expect(fromHttp.body.error?.message, 'HTTP message').toContain(fragment);
    }
  });

  it('runs an accepted plan the same way through `run --plan` as the API does', async () => {
    const entry = PLAN_CORPUS.find((candidate) => candidate.name === 'a diamond over all three tiers')!;
    const file = join(home.home, 'diamond-run.json');
    writeFileSync(file, JSON.stringify(entry.plan));
    const ran = await runCli(['run', '--plan', file, '--json'], {
      SYMBIONT_HOME: home.home,
      SYMBIONT_SIM_LATENCY_SCALE: '0.02',
    });
    expect(ran.code, ran.stderr).toBe(0);
    const fromCli = JSON.parse(ran.stdout) as { subtasks: { tier_assigned: number; depends_on: number[] }[] };
    const id = http.get(entry.name)!.body.id!;
    const fromHttp = await server.app.service.waitForTask(id);
    const shape = (task: { subtasks: { tier_assigned: number | null; depends_on: readonly number[] }[] }) =>
      task.subtasks.map((subtask) => [subtask.tier_assigned, [...subtask.depends_on]]);
    expect(shape(fromCli)).toEqual(shape(fromHttp));
  }, 60_000);
});
