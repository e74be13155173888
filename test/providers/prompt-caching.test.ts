// Prompt caching on the Messages API (issue 11 item 4): the instructions and the goal come
// first, marked cache_control, so that the subtasks of a task read them from the cache; a fake
// Messages API bills the cache as the API does. Cache reads and writes are ledgered and priced
// apart.

import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { AnthropicProvider } from '../../src/adapters/providers/anthropic.js';
import { createMemoryStore } from '../../src/adapters/stores/memory-store.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { costOfCall } from '../../src/core/pricing.js';
import { sharedSubtaskPrefix } from '../../src/core/subtask-prompt.js';
import { TaskManager } from '../../src/engine/task-manager.js';
import { steadyEntropy } from '../engine/runner-harness.js';
import { type FakeMessagesApi, startFakeMessagesApi } from '../fakes/fake-messages-api.js';
import { fakeTokens } from '../fakes/fake-prompt-cache.js';

const KEY = 'sk-ant-test-cache';
// About 2,500 fake tokens: over Sonnet's 1,024-token minimum.
const GOAL =
  `Write a field guide to the birds of one valley. ${'Background on the valley, its habitats and its seasons. '.repeat(180)}`.trim();
const PLAN = {
  reasoning: 'ten sections, each written on its own',
  subtasks: Array.from({ length: 10 }, (_, index) => ({
    description: `Write section ${index + 1}`,
    tier_hint: 2,
    depends_on: [],
  })),
};

let server: FakeMessagesApi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function runPlan(promptCaching: boolean) {
  server = await startFakeMessagesApi({ apiKey: KEY, caching: true, latencyMs: 20 });
  const provider = new AnthropicProvider({ apiKey: KEY, baseURL: server.url, promptCaching });
  const ledger = new MemoryLedger();
  const manager = new TaskManager({
    clock: systemClock,
    entropy: steadyEntropy(),
    store: createMemoryStore({ clock: systemClock }),
    ledger,
    providers: () => provider,
    // The ten subtask calls only: the synthesis call of the ten sinks shares no prefix with them.
    defaults: { provider: 'anthropic', concurrency: 10, synthesis: false },
  });
  const receipt = await manager.submitTask({ prompt: GOAL, plan: PLAN });
  const task = await manager.waitForTask(receipt.id);
  await manager.close();
  const entries = ledger.entries();
  const requests = server.requests.filter((request) => request.path === '/v1/messages');
  const { writes, reads } = server.cache;
  await server.close();
  server = undefined;
  return {
    task,
    entries,
    requests,
    writes,
    reads,
    cost: entries.reduce((sum, entry) => sum + entry.cost_usd, 0),
  };
}

describe('prompt caching on the Messages API', () => {
  it('a 10-subtask fan-out with a long goal writes the shared prefix once and reads it nine times', async () => {
    const run = await runPlan(true);
    expect(run.task.status).toBe('completed');
    expect(run.writes).toBe(1);
    expect(run.reads).toBe(9);

    // Every request sends the same prefix first, marked for the cache; the subtask part follows.
    const prefix = sharedSubtaskPrefix(GOAL);
    for (const request of run.requests) {
      const content = (request.body as { messages: Array<{ content: Array<Record<string, unknown>> }> })
        .messages[0]!.content;
      expect(content[0]).toEqual({ type: 'text', text: prefix, cache_control: { type: 'ephemeral' } });
      expect(content[1]!.text).toMatch(/## Your subtask\nWrite section \d+$/);
    }

    // Ledgered apart: one entry wrote the prefix, nine read it, each priced at its rate.
    const prefixTokens = fakeTokens(prefix);
    const writes = run.entries.filter((entry) => (entry.cache_write_tokens ?? 0) > 0);
    const reads = run.entries.filter((entry) => (entry.cache_read_tokens ?? 0) > 0);
    expect(writes.map((entry) => entry.cache_write_tokens)).toEqual([prefixTokens]);
    expect(reads.map((entry) => entry.cache_read_tokens)).toEqual(Array(9).fill(prefixTokens));
    // (One write, though the fake answers after 20 ms: the runner started the first call alone
    // and the nine others once its answer, and so the cache entry, had landed.)
    const sonnet = (entry: (typeof run.entries)[number]) =>
      costOfCall(
        {
          inputTokens: entry.input_tokens,
          outputTokens: entry.output_tokens,
          cacheReadTokens: entry.cache_read_tokens ?? null,
          cacheWriteTokens: entry.cache_write_tokens ?? null,
          costUsd: null,
        },
        'claude-sonnet-5-5',
        2,
      ).cost_usd;
    for (const entry of run.entries) expect(entry.cost_usd).toBeCloseTo(sonnet(entry), 12);

    const uncached = await runPlan(false);
    expect(uncached.task.status).toBe('completed');
    expect(uncached.writes + uncached.reads).toBe(0);
    expect(run.cost).toBeLessThan(uncached.cost);
    // Sonnet 5.5: $2 per million input, writes $2.50, reads $0.20, output $10.
    const expectedSaving = (10 * prefixTokens * 2 - prefixTokens * 2.5 - 9 * prefixTokens * 0.2) / 1e6;
    // Within one input token per call: the fake counts ceil(chars / 4) per block, so a prompt
    // split in two blocks may count one token more than the same prompt in one.
    expect(Math.abs(uncached.cost - run.cost - expectedSaving)).toBeLessThanOrEqual((10 * 2) / 1e6 + 1e-12);
    console.info(
      `one 10-subtask plan on the fake Messages API (Sonnet 5.5, ${prefixTokens}-token prefix): ` +
        `$${run.cost.toFixed(6)} with caching, $${uncached.cost.toFixed(6)} without`,
    );
  });

  it('concurrent first requests each write: the API has no entry until the first answer is sent', async () => {
    server = await startFakeMessagesApi({ apiKey: KEY, caching: true, latencyMs: 20 });
    const provider = new AnthropicProvider({ apiKey: KEY, baseURL: server.url });
    const prompt = `${sharedSubtaskPrefix(GOAL)}\n\n## Your subtask\nsay hi`;
    const request = {
      prompt,
      model: 'claude-sonnet-5-5',
      tier: 2 as const,
      purpose: 'subtask' as const,
      cachePrefixChars: sharedSubtaskPrefix(GOAL).length,
    };
    const signal = new AbortController().signal;
    const both = await Promise.all([provider.complete(request, signal), provider.complete(request, signal)]);
    expect(both.map((result) => result.cacheWriteTokens)).toEqual([
      fakeTokens(sharedSubtaskPrefix(GOAL)),
      fakeTokens(sharedSubtaskPrefix(GOAL)),
    ]);
    const third = await provider.complete(request, signal);
    expect(third.cacheReadTokens).toBe(fakeTokens(sharedSubtaskPrefix(GOAL)));
    expect(server.cache).toMatchObject({ writes: 2, reads: 1 });
  });

  it('a prefix under the model minimum is sent marked but not cached (Haiku: 2,048 tokens)', async () => {
    server = await startFakeMessagesApi({ apiKey: KEY, caching: true });
    const provider = new AnthropicProvider({ apiKey: KEY, baseURL: server.url });
    const shortGoal = 'x'.repeat(6000); // 1,500 fake tokens: enough for Sonnet, not for Haiku
    const prefix = sharedSubtaskPrefix(shortGoal);
    const request = (model: string) => ({
      prompt: `${prefix}\n\n## Your subtask\nok`,
      model,
      tier: 1 as const,
      purpose: 'subtask' as const,
      cachePrefixChars: prefix.length,
    });
    const signal = new AbortController().signal;
    expect((await provider.complete(request('claude-haiku-5-5'), signal)).cacheWriteTokens).toBe(0);
    expect((await provider.complete(request('claude-sonnet-5-5'), signal)).cacheWriteTokens).toBe(
      fakeTokens(prefix),
    );
    expect(provider.promptCache?.minPrefixTokens('claude-haiku-5-5')).toBe(2048);
    expect(provider.promptCache?.minPrefixTokens('claude-opus-5-5')).toBe(1024);
  });
});
