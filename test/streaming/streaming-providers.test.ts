// Streaming end to end (issue 14 item 1): on the fake Messages API and chat-completions servers,
// which stream the real event shapes, and on the fake `claude` with stream-json, a subtask's
// text arrives as subtask.output events before its subtask.completed, the chunks join to the
// stored result, and the usage and cost are those of the stream's final usage.

import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicProvider } from '../../src/adapters/providers/anthropic.js';
import { OpenAICompatibleProvider } from '../../src/adapters/providers/openai-compatible.js';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import type { TaskEvent } from '../../src/core/events.js';
import { costOfCall } from '../../src/core/pricing.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';
import { makeManager } from '../engine/harness.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { FAKE_USAGE, startFakeMessagesApi } from '../fakes/fake-messages-api.js';
import { FakeClaude } from '../providers/claude-cli-harness.js';

const LONG = 'Streaming text, piece by piece, until the whole answer has been told in full.';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

const plan = {
  reasoning: 'one step',
  subtasks: [{ description: 'Tell the story', tier_hint: 1 as const, depends_on: [] }],
};

async function runOne(provider: ModelProvider) {
  const { manager, ledger, store } = makeManager(provider);
  closers.push(() => manager.close());
  const receipt = await manager.submitTask({ plan });
  const task = await manager.waitForTask(receipt.id);
  const events = await store.readEvents(receipt.id, 0);
  return { task, events, entries: ledger.entries() };
}

function checkStream(events: TaskEvent[], result: string) {
  const outputs = events.filter((event) => event.type === 'subtask.output');
  const completed = events.findIndex((event) => event.type === 'subtask.completed');
  expect(outputs.length).toBeGreaterThan(0);
  expect(completed).toBeGreaterThan(-1);
  for (const output of outputs) expect(events.indexOf(output)).toBeLessThan(completed);
  const joined = outputs.map((event) => (event.type === 'subtask.output' ? event.text : '')).join('');
  expect(joined).toBe(result);
  for (const output of outputs) if (output.type === 'subtask.output') expect(output.attempt).toBe(1);
}

describe('streaming providers, through the engine', () => {
  it('Messages API: text_delta events become subtask.output; usage from message_delta', async () => {
    const server = await startFakeMessagesApi({ apiKey: 'sk-test', streamChunkChars: 5, streamGapMs: 2 });
    closers.push(() => server.close());
    server.script({
      status: 200,
      body: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-5-5',
        content: [{ type: 'text', text: LONG }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: FAKE_USAGE,
      },
    });
    const { task, events, entries } = await runOne(
      new AnthropicProvider({ apiKey: 'sk-test', baseURL: server.url }),
    );
    expect(task.status).toBe('completed');
    const subtask = task.subtasks[0]!;
    expect(subtask.result).toBe(LONG);
    checkStream(events, LONG);
    expect((server.requests.at(-1)!.body as { stream?: boolean }).stream).toBe(true);
    // message_start said output_tokens 1; message_delta has the final 34.
    const input =
      FAKE_USAGE.input_tokens + FAKE_USAGE.cache_creation_input_tokens + FAKE_USAGE.cache_read_input_tokens;
    expect(subtask.input_tokens).toBe(input);
    expect(subtask.output_tokens).toBe(FAKE_USAGE.output_tokens);
    const expected = costOfCall(
      {
        inputTokens: input,
        outputTokens: FAKE_USAGE.output_tokens,
        cacheReadTokens: FAKE_USAGE.cache_read_input_tokens,
        cacheWriteTokens: FAKE_USAGE.cache_creation_input_tokens,
        costUsd: null,
      },
      'claude-haiku-5-5',
      1,
      undefined,
    ).cost_usd;
    expect(subtask.cost).toBeCloseTo(expected, 12);
    expect(entries.at(-1)?.cost_usd).toBeCloseTo(expected, 12);
    expect(entries.at(-1)?.output_tokens).toBe(FAKE_USAGE.output_tokens);
  });

  it('chat completions: delta.content chunks become subtask.output; usage from the last chunk', async () => {
    const server = await startFakeChatCompletions({ streamChunkChars: 6, streamGapMs: 2 });
    closers.push(() => server.close());
    server.script({
      status: 200,
      body: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1_790_000_000,
        model: 'small-model',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: LONG, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 321, completion_tokens: 77, total_tokens: 398 },
      },
    });
    const price = { inputPerMillion: 1, outputPerMillion: 4 };
    const provider = new OpenAICompatibleProvider({
      baseURL: server.url,
      model: 'small-model',
      defaultPrice: price,
    });
    const { task, events, entries } = await runOne(provider);
    expect(task.status).toBe('completed');
    const subtask = task.subtasks[0]!;
    expect(subtask.result).toBe(LONG);
    checkStream(events, LONG);
    const body = server.requests.at(-1)!.body as { stream?: boolean; stream_options?: unknown };
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(subtask.input_tokens).toBe(321);
    expect(subtask.output_tokens).toBe(77);
    expect(subtask.cost).toBeCloseTo((321 * 1 + 77 * 4) / 1e6, 12);
    expect(entries.at(-1)?.cost_usd).toBeCloseTo((321 * 1 + 77 * 4) / 1e6, 12);
  });

  it('claude CLI: stream-json partial messages become subtask.output; usage and cost from the result line', async () => {
    const fake = new FakeClaude();
    const { task, events, entries } = await runOne(fake.provider({}, { CLAUDE_FAKE_STREAM_GAP_MS: '2' }));
    expect(task.status).toBe('completed');
    const subtask = task.subtasks[0]!;
    checkStream(events, subtask.result ?? '');
    expect(subtask.result).toBe('fake answer: Tell the story');
    const argv = fake.calls().at(-1)!.argv;
    expect(argv.join(' ')).toContain('--output-format stream-json --verbose --include-partial-messages');
    // The fake prices its answer as the real CLI's total_cost_usd; the engine takes it.
    const entry = entries.at(-1)!;
    expect(entry.cost_source).toBe('provider');
    expect(subtask.cost).toBeCloseTo(entry.cost_usd, 12);
    expect(subtask.output_tokens).toBe(entry.output_tokens);
    expect(subtask.output_tokens).toBe(Math.ceil(subtask.result!.length / 4) + 5);
  });

  it('the simulator streams over its latency, in several output events', async () => {
    const provider = createSimulatedProvider({ latencyScale: 1 });
    const { manager, store } = makeManager(provider);
    closers.push(() => manager.close());
    const receipt = await manager.submitTask({
      plan: {
        reasoning: 'r',
        subtasks: [{ description: 'Write [[sim latency=900 chars=400]]', tier_hint: 1, depends_on: [] }],
      },
    });
    const task = await manager.waitForTask(receipt.id);
    const events = await store.readEvents(receipt.id, 0);
    checkStream(events, task.subtasks[0]!.result ?? '');
    const outputs = events.filter((event) => event.type === 'subtask.output');
    // 900 ms in 250 ms windows: a few events, not one per chunk and not one in all.
    expect(outputs.length).toBeGreaterThanOrEqual(2);
    expect(outputs.length).toBeLessThanOrEqual(6);
  });
});
