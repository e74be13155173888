// Makespan of a task with and without the streaming planner (issue 14 item 2). The provider
// streams its answers at a realistic output rate (TOKENS_PER_SECOND, 4 characters a token):
// the plan (9 subtasks: six independent looks, two comparisons, one summary) and each
// subtask's answer. "Without" is the same provider behind a wrapper that keeps the text to
// itself until the answer is whole, so the plan arrives at once at the end, as it did before
// streaming; "with" forwards the chunks, and a subtask starts as soon as its object is read.
// Real timers, memory store and ledger; each configuration runs RUNS times, the median counts.
//   npx tsx bench/streaming-planner.ts   (BENCH_TOKENS_PER_SECOND, BENCH_RUNS)

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryLedger } from '../src/adapters/ledger/memory-ledger.js';
import { createMemoryStore } from '../src/adapters/stores/memory-store.js';
import { systemClock, systemEntropy } from '../src/adapters/system/system-clock.js';
import { SUBTASK_MARKER } from '../src/core/subtask-prompt.js';
import { TaskManager } from '../src/engine/task-manager.js';
import type { CompletionRequest, ModelProvider, TextSink } from '../src/ports/model-provider.js';
import { RESULTS_DIR } from './results-dir.js';

const TOKENS_PER_SECOND = Number(process.env.BENCH_TOKENS_PER_SECOND ?? '75');
const RUNS = Number(process.env.BENCH_RUNS ?? '3');
const CHARS_PER_TOKEN = 4;
/** Output tokens of each subtask's answer. */
const ANSWER_TOKENS = 60;

const PLAN = JSON.stringify({
  reasoning: 'Look at each of the six sources on its own, compare them in two groups, then sum up.',
  subtasks: [
    ...[1, 2, 3, 4, 5, 6].map((n) => ({
      description: `Read source ${n} and list its three main claims with the evidence given for each`,
      tier_hint: 1,
      depends_on: [],
    })),
    {
      description: 'Compare the claims of sources 1 to 3 and say where they disagree',
      tier_hint: 2,
      depends_on: [0, 1, 2],
    },
    {
      description: 'Compare the claims of sources 4 to 6 and say where they disagree',
      tier_hint: 2,
      depends_on: [3, 4, 5],
    },
    {
      description: 'Write a one-page summary of both comparisons for a general reader',
      tier_hint: 2,
      depends_on: [6, 7],
    },
  ],
});

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Streams `text` token by token at TOKENS_PER_SECOND. */
async function stream(text: string, signal: AbortSignal, onText?: TextSink): Promise<void> {
  const tokenMs = 1000 / TOKENS_PER_SECOND;
  const started = Date.now();
  for (let at = 0, token = 1; at < text.length; at += CHARS_PER_TOKEN, token++) {
    const due = started + token * tokenMs;
    await sleep(Math.max(0, due - Date.now()), signal);
    onText?.(text.slice(at, at + CHARS_PER_TOKEN));
  }
}

function streamingProvider(forward: boolean): ModelProvider {
  return {
    name: 'bench-stream',
    modelFor: (tier) => `bench-${tier}`,
    priceFor: () => ({ inputPerMillion: 0, outputPerMillion: 0 }),
    async complete(request: CompletionRequest, signal: AbortSignal, onText?: TextSink) {
      const description = request.prompt.slice(
        request.prompt.lastIndexOf(SUBTASK_MARKER) + SUBTASK_MARKER.length,
      );
      const text =
        request.purpose === 'plan'
          ? PLAN
          : `Answer to: ${description.trim()} `.padEnd(ANSWER_TOKENS * CHARS_PER_TOKEN, '.');
      await stream(text, signal, forward ? onText : undefined);
      return {
        text,
        inputTokens: Math.ceil(request.prompt.length / 4),
        outputTokens: Math.ceil(text.length / 4),
        costUsd: 0,
      };
    },
  };
}

async function makespan(forward: boolean): Promise<{ ms: number; planMs: number }> {
  const provider = streamingProvider(forward);
  const manager = new TaskManager({
    clock: systemClock,
    entropy: systemEntropy,
    store: createMemoryStore(),
    ledger: new MemoryLedger(),
    providers: () => provider,
    defaults: { provider: provider.name },
  });
  try {
    const started = Date.now();
    const receipt = await manager.submitTask({
      prompt: 'compare six sources',
      settings: { concurrency: 8 },
      waitFor: 'created',
    });
    const task = await manager.waitForTask(receipt.id);
    if (task.status !== 'completed') throw new Error(`the task ended ${task.status}: ${task.error}`);
    return {
      ms: Date.now() - started,
      planMs: Date.parse(task.planned_at ?? '') - Date.parse(task.created_at),
    };
  } finally {
    await manager.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const without: number[] = [];
  const withStreaming: number[] = [];
  let planMs = 0;
  for (let run = 0; run < RUNS; run++) {
    const off = await makespan(false);
    planMs = off.planMs;
    without.push(off.ms);
    withStreaming.push((await makespan(true)).ms);
  }
  const result = {
    benchmark: 'streaming-planner',
    tokens_per_second: TOKENS_PER_SECOND,
    plan_tokens: Math.ceil(PLAN.length / CHARS_PER_TOKEN),
    plan_stream_ms: planMs,
    answer_tokens: ANSWER_TOKENS,
    runs: RUNS,
    makespan_without_ms: median(without),
    makespan_with_ms: median(withStreaming),
    ratio_with_over_without: Number((median(withStreaming) / median(without)).toFixed(3)),
    samples: { without, with: withStreaming },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'streaming-planner.json'), `${JSON.stringify(result, null, 2)}\n`);
}

await main();
