#!/usr/bin/env node
// A fake `claude` CLI for tests: accepts `-p --model X --output-format json`, reads the prompt
// on stdin and prints the real CLI's JSON result shapes. Plain Node, no dependencies, so it can
// also be installed as `claude` on PATH.
//
// Environment:
//   FAKE_CLAUDE_MODE       default mode (success)
//   FAKE_CLAUDE_LOG        file to append one JSON line per run: {argv, stdin, pid, time}
//   FAKE_CLAUDE_STATE_DIR  where fail_once remembers prompts it already failed (default: tmpdir)
//   FAKE_CLAUDE_PLAN       the `result` text answered to a planner prompt (default: a 3-step plan)
//   FAKE_CLAUDE_ERROR_TEXT the `result` text of mode is_error
// A `[[fake mode=M delay=MS]]` directive in the prompt (after the last "## Your subtask" when
// there is one) overrides the mode; in a planner prompt only `[[fake plan_mode=M]]` counts.
// Modes: success, is_error, error_subtype, max_turns, rate_limit, overloaded, auth, exit1,
// usage_error, garbage, hang, hang_ignore_term, fail_once.

import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUBTASK_MARKER = '## Your subtask';
const PLANNER_REQUEST_OPEN = '<user_request>';
const HANG_LIMIT_MS = 60_000;

const MODEL_IDS = {
  haiku: 'claude-haiku-4-5-20251001',
  sonnet: 'claude-sonnet-4-5-20250929',
  opus: 'claude-opus-4-1-20250805',
};
// USD per million tokens: input, output, cache write, cache read.
const PRICES = {
  haiku: [1, 5, 1.25, 0.1],
  sonnet: [3, 15, 3.75, 0.3],
  opus: [15, 75, 18.75, 1.5],
};
/** Fixed cache figures, so that tests can check that they count as input tokens. */
const CACHE_CREATION_TOKENS = 1200;
const CACHE_READ_TOKENS = 3400;

const DEFAULT_PLAN = JSON.stringify({
  reasoning: 'fake planner: two independent steps, then one that combines them',
  subtasks: [
    { description: 'fake step A', tier_hint: 1, depends_on: [] },
    { description: 'fake step B', tier_hint: 2, depends_on: [] },
    { description: 'combine A and B', tier_hint: 2, depends_on: [0, 1] },
  ],
});

function usageError(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

function parseArguments(argv) {
  let print = false;
  let model;
  let format;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '-p' || argument === '--print') print = true;
    else if (argument === '--model') model = argv[++index];
    else if (argument === '--output-format') format = argv[++index];
    else usageError(`unknown option '${argument}'`);
  }
  if (!print) usageError("unknown option: this fake only runs with '-p'");
  if (model === undefined || model === '') usageError("option '--model <model>' argument missing");
  if (format !== 'json') usageError(`option '--output-format' must be json, got '${format}'`);
  return { model };
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function directives(text, keys) {
  const found = {};
  for (const match of text.matchAll(/\[\[fake\s([^\]]*)\]\]/g)) {
    for (const pair of match[1].trim().split(/\s+/)) {
      const [key, value] = pair.split('=');
      if (keys.includes(key) && value !== undefined) found[key] = value;
    }
  }
  return found;
}

function family(model) {
  return Object.keys(MODEL_IDS).find((name) => model.includes(name)) ?? 'sonnet';
}

function resultObject({ model, prompt, subtype, isError, text, outputTokens }) {
  const inputTokens = Math.ceil(prompt.length / 4);
  const [input, output, cacheWrite, cacheRead] = PRICES[family(model)];
  const cost =
    (inputTokens * input +
      outputTokens * output +
      CACHE_CREATION_TOKENS * cacheWrite +
      CACHE_READ_TOKENS * cacheRead) /
    1_000_000;
  const modelId = MODEL_IDS[model] ?? model;
  const object = {
    type: 'result',
    subtype,
    is_error: isError,
    duration_ms: 2810,
    duration_api_ms: 2736,
    num_turns: 1,
    result: text,
    session_id: 'a6d0f5e2-3c1b-4e7a-9f0d-6b2c8e4d1a57',
    total_cost_usd: Number(cost.toFixed(8)),
    usage: {
      input_tokens: inputTokens,
      cache_creation_input_tokens: CACHE_CREATION_TOKENS,
      cache_read_input_tokens: CACHE_READ_TOKENS,
      output_tokens: outputTokens,
      server_tool_use: { web_search_requests: 0 },
      service_tier: 'standard',
    },
    modelUsage: {
      [modelId]: {
        inputTokens,
        outputTokens,
        cacheReadInputTokens: CACHE_READ_TOKENS,
        cacheCreationInputTokens: CACHE_CREATION_TOKENS,
        webSearchRequests: 0,
        costUSD: Number(cost.toFixed(8)),
        contextWindow: 200000,
      },
    },
    permission_denials: [],
    uuid: '5f1e3b9c-8d2a-4c6e-b7f0-1a9d3e5c7b20',
  };
  // The CLI's error subtypes carry no `result` text.
  if (subtype !== 'success') delete object.result;
  return object;
}

function printResult(fields, exitCode) {
  process.stdout.write(`${JSON.stringify(resultObject(fields))}\n`);
  process.exitCode = exitCode;
}

function exitWithStderr(message) {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

function failedBefore(prompt) {
  const directory = process.env.FAKE_CLAUDE_STATE_DIR || join(tmpdir(), 'fake-claude-state');
  mkdirSync(directory, { recursive: true });
  const file = join(directory, createHash('sha256').update(prompt).digest('hex'));
  if (existsSync(file)) return true;
  writeFileSync(file, 'failed once\n');
  return false;
}

function act(mode, { model, prompt, answer }) {
  const base = { model, prompt };
  const apiError = (text) =>
    printResult({ ...base, subtype: 'success', isError: true, text, outputTokens: 0 }, 1);
  switch (mode) {
    case 'success':
      return printResult(
        {
          ...base,
          subtype: 'success',
          isError: false,
          text: answer,
          outputTokens: Math.ceil(answer.length / 4) + 10,
        },
        0,
      );
    case 'is_error':
      return apiError(
        process.env.FAKE_CLAUDE_ERROR_TEXT ||
          'API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
      );
    case 'rate_limit':
      return apiError(
        'API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}',
      );
    case 'overloaded':
      return apiError(
        'API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      );
    case 'auth':
      return apiError('Invalid API key · Please run /login');
    case 'error_subtype':
      return printResult(
        { ...base, subtype: 'error_during_execution', isError: true, text: '', outputTokens: 12 },
        1,
      );
    case 'max_turns':
      return printResult(
        { ...base, subtype: 'error_max_turns', isError: true, text: '', outputTokens: 40 },
        1,
      );
    case 'exit1':
      return exitWithStderr('API Error: connection reset');
    case 'usage_error':
      return usageError("unknown option '--bogus'");
    case 'garbage':
      process.stdout.write('Welcome to Claude Code!\n<html><body>502 Bad Gateway</body></html>\n');
      return;
    case 'hang_ignore_term':
      process.on('SIGTERM', () => {});
      setTimeout(() => process.exit(3), HANG_LIMIT_MS);
      return;
    case 'hang':
      setTimeout(() => process.exit(3), HANG_LIMIT_MS);
      return;
    case 'fail_once':
      return failedBefore(prompt)
        ? act('success', { model, prompt, answer })
        : exitWithStderr('API Error: connection reset');
    default:
      return usageError(`fake claude: unknown FAKE_CLAUDE_MODE '${mode}'`);
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const { model } = parseArguments(argv);
  const prompt = await readStdin();
  if (process.env.FAKE_CLAUDE_LOG) {
    appendFileSync(
      process.env.FAKE_CLAUDE_LOG,
      `${JSON.stringify({ argv, stdin: prompt, pid: process.pid, time: new Date().toISOString() })}\n`,
    );
  }
  const isPlanner = prompt.includes(PLANNER_REQUEST_OPEN);
  const marker = prompt.lastIndexOf(SUBTASK_MARKER);
  const scope = marker < 0 ? prompt : prompt.slice(marker + SUBTASK_MARKER.length);
  const found = isPlanner ? directives(prompt, ['plan_mode']) : directives(scope, ['mode', 'delay']);
  const mode = (isPlanner ? found.plan_mode : found.mode) ?? process.env.FAKE_CLAUDE_MODE ?? 'success';
  const firstLine = scope.split('\n').find((line) => line.trim() !== '') ?? '';
  const answer = isPlanner
    ? process.env.FAKE_CLAUDE_PLAN || DEFAULT_PLAN
    : `fake answer: ${firstLine.trim()}`;
  const delay = Number(found.delay ?? 0);
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  act(mode, { model, prompt, answer });
}

await main();
