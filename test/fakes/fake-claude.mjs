#!/usr/bin/env node
// A fake `claude` CLI for tests, true to the real one (Claude Code 2.1.332): it parses argv as
// the real CLI does (an unknown option is "error: unknown option '--x'", exit 1), reads the
// prompt on stdin and prints the real CLI's JSON result objects, which it takes from the
// fixtures in test/fixtures/claude-cli/ (exact standard output of the real CLI; see their
// README). Plain Node, no dependencies, so it can also be installed as `claude` on PATH.
//
// Its settings are CLAUDE_* variables, which the claude-cli provider passes to the child:
//   CLAUDE_FAKE_CASE       default case (below); default `answer`
//   CLAUDE_FAKE_LOG        file to append one JSON line per run: {argv, stdin, pid, ppid, cwd, env, time}
//   CLAUDE_FAKE_STATE_DIR  where the stateful cases remember prompts (default: the temp dir)
//   CLAUDE_FAKE_PLAN       the answer to a planner prompt (default: a 3-step plan)
//   CLAUDE_FAKE_DELAY_MS   wait this long before answering (SIGTERM and SIGKILL end the wait)
//   CLAUDE_FAKE_LACKS      comma-separated options to refuse, as an older CLI does
//   CLAUDE_FAKE_VERSION    what `--version` prints (default 2.1.332)
//   CLAUDE_FAKE_STREAM_GAP_MS  with --output-format stream-json: ms between the streamed lines
//   CLAUDE_FAKE_AUTH       `claude auth status`: `api_key`, `claude.ai` or `none` (not logged
//                          in; exit 1). Default: `api_key` when ANTHROPIC_API_KEY is set, else `claude.ai`
// (The older FAKE_CLAUDE_* names are read too, for running the fake by hand.)
// With `--output-format stream-json` (which, as in the real CLI, needs --verbose) it prints
// JSON lines: a `system` init line, then for an answer the `stream_event` lines of the
// Messages API stream when --include-partial-messages is given, the `assistant` message, and
// last the result object, which is the same object as in json mode (for a fixture: the
// fixture itself, on one line).
// A `[[fake case=NAME delay=MS]]` directive in the prompt (after the last "## Your subtask" when
// there is one; `mode=` is the same as `case=`) overrides the case; in a planner prompt only
// `[[fake plan_case=NAME]]` (or `plan_mode=`) counts.
//
// Cases:
//   answer      the real success shape (success.json for haiku, alias-sonnet/-opus/-fable.json
//               for the others; json-schema-structured.json, with `structured_output`, for a
//               call with --json-schema) carrying this call's answer, tokens and cost
//   <fixture>   any fixture by name (e401, e400, e404model, e429, e500, e529, badjson,
//               not-logged-in, max-turns, max-budget, drop-noretry, tool-bash, ...): its exact
//               JSON and exit code
//   e529-twice-then-ok  with CLAUDE_CODE_MAX_RETRIES=0, e529 for the first two runs of a prompt,
//               then the fixture; otherwise the fixture at once (the CLI's own retries won)
//   fail_once   e529 the first time a prompt is seen, then `answer`
//   hang, hang_ignore_term  never answer (the second ignores SIGTERM); exit 3 after 60 s
//   crash       "API Error: connection reset" on stderr, exit 1 (no JSON)
//   garbage     a page that is not JSON on stdout, exit 0 (a broken binary)

import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURES = new URL('../fixtures/claude-cli/', import.meta.url);
const SUBTASK_MARKER = '## Your subtask';
const PLANNER_REQUEST_OPEN = '<user_request>';
const HANG_LIMIT_MS = 60_000;

/** What each alias resolves to (the alias fixtures). */
const MODEL_IDS = {
  haiku: 'claude-haiku-5-5',
  sonnet: 'claude-sonnet-5-5',
  opus: 'claude-opus-5-5',
  fable: 'claude-fable-5-2',
};
/** The fixture each family's answer is shaped after. */
const ANSWER_FIXTURE = { haiku: 'success', sonnet: 'alias-sonnet', opus: 'alias-opus', fable: 'alias-fable' };
/** USD per million, input and output, as the CLI's costUSD in the fixtures has them. */
const PRICES = { haiku: [0.1, 0.5], sonnet: [2, 10], opus: [4, 20], fable: [8, 40] };
/** Tokens the CLI adds beside a --system-prompt with --tools "" (flags-sysprompt.json: ~90). */
const BARE_OVERHEAD_TOKENS = 80;

const DEFAULT_PLAN = JSON.stringify({
  reasoning: 'fake planner: two independent steps, then one that combines them',
  subtasks: [
    { description: 'fake step A', tier_hint: 1, depends_on: [] },
    { description: 'fake step B', tier_hint: 2, depends_on: [] },
    { description: 'combine A and B', tier_hint: 2, depends_on: [0, 1] },
  ],
});

const setting = (name) => process.env[`CLAUDE_FAKE_${name}`] ?? process.env[`FAKE_CLAUDE_${name}`];

function refuse(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

const VALUED = new Set([
  '--model',
  '--output-format',
  '--tools',
  '--max-turns',
  '--system-prompt',
  '--append-system-prompt',
  '--json-schema',
  '--max-budget-usd',
]);
const FLAGS = new Set([
  '-p',
  '--print',
  '--no-session-persistence',
  '--strict-mcp-config',
  '--verbose',
  '--include-partial-messages',
]);

function parseArguments(argv) {
  const lacks = new Set(
    (setting('LACKS') ?? '')
      .split(',')
      .map((flag) => flag.trim())
      .filter(Boolean),
  );
  const options = {};
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (lacks.has(argument) || !(VALUED.has(argument) || FLAGS.has(argument))) {
      refuse(`unknown option '${argument}'`);
    }
    if (VALUED.has(argument)) {
      if (index + 1 >= argv.length) refuse(`option '${argument} <value>' argument missing`);
      options[argument] = argv[++index];
    } else options[argument] = true;
  }
  if (!options['-p'] && !options['--print']) refuse("this fake only runs with '-p'");
  if (!options['--model']) refuse("option '--model <model>' argument missing");
  const format = options['--output-format'];
  if (format !== 'json' && format !== 'stream-json') {
    refuse(`option '--output-format' must be json or stream-json here, got '${format}'`);
  }
  if (format === 'stream-json' && !options['--verbose']) {
    process.stderr.write('Error: When using --print, --output-format=stream-json requires --verbose\n');
    process.exit(1);
  }
  if (options['--include-partial-messages'] && format !== 'stream-json') {
    process.stderr.write(
      'Error: --include-partial-messages requires --print and --output-format=stream-json\n',
    );
    process.exit(1);
  }
  return options;
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

function fixtureText(name) {
  const file = new URL(`${name}.json`, FIXTURES);
  if (!/^[\w-]+$/.test(name) || !existsSync(file)) return undefined;
  return readFileSync(file, 'utf8');
}

function fixtureExitCode(name) {
  return Number(readFileSync(new URL(`${name}.exit-code`, FIXTURES), 'utf8').trim());
}

/** The real success shape carrying this call's answer, with tokens and cost to match. */
function answerObject(options, prompt, answer) {
  const name = family(options['--model']);
  const structured = options['--json-schema'] !== undefined;
  const object = JSON.parse(fixtureText(structured ? 'json-schema-structured' : ANSWER_FIXTURE[name]));
  const modelId = MODEL_IDS[options['--model']] ?? options['--model'];
  const systemPrompt = options['--system-prompt'];
  const input = Math.ceil(prompt.length / 4);
  // Claude Code's own prompt and tools (~10.5 K tokens) unless --system-prompt replaces them.
  const cacheWrite =
    systemPrompt === undefined
      ? object.usage.cache_creation_input_tokens
      : Math.ceil(systemPrompt.length / 4) + BARE_OVERHEAD_TOKENS;
  const output = Math.ceil(answer.length / 4) + 5;
  const [inputPrice, outputPrice] = PRICES[name];
  const cost = (input * inputPrice + cacheWrite * inputPrice * 1.25 + output * outputPrice) / 1e6;
  object.result = answer;
  if (structured) {
    try {
      object.structured_output = JSON.parse(answer);
    } catch {
      delete object.structured_output;
    }
  }
  object.total_cost_usd = cost;
  Object.assign(object.usage, {
    input_tokens: input,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: 0,
    output_tokens: output,
    cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: cacheWrite },
  });
  const [template] = Object.values(object.modelUsage);
  object.modelUsage = {
    [modelId]: {
      ...template,
      inputTokens: input,
      outputTokens: output,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: cacheWrite,
      cacheCreationEphemeral5mInputTokens: cacheWrite,
      cacheCreationEphemeral1hInputTokens: 0,
      costUSD: cost,
      canonicalModel: modelId,
    },
  };
  return object;
}

/** How many times this prompt was seen before (per case), remembered in the state dir. */
function seenBefore(kind, prompt) {
  const directory = setting('STATE_DIR') || join(tmpdir(), 'fake-claude-state');
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `${kind}-${createHash('sha256').update(prompt).digest('hex')}`);
  const count = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
  writeFileSync(file, String(count + 1));
  return count;
}

const SESSION = '5b1e5f6a-7f0c-4c8e-9a57-fa4e0c0ffee0';
let streamOptions;

const pause = (ms) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined);

async function printLines(lines) {
  const gap = Number(setting('STREAM_GAP_MS') ?? 0);
  for (const line of lines) {
    process.stdout.write(`${JSON.stringify(line)}\n`);
    await pause(gap);
  }
}

function systemLine(options) {
  return {
    type: 'system',
    subtype: 'init',
    cwd: process.cwd(),
    session_id: SESSION,
    tools: [],
    mcp_servers: [],
    model: MODEL_IDS[options['--model']] ?? options['--model'],
    permissionMode: 'default',
    slash_commands: [],
    apiKeySource: process.env.ANTHROPIC_API_KEY ? 'ANTHROPIC_API_KEY' : 'none',
    claude_code_version: setting('VERSION') ?? '2.1.332',
    output_style: 'default',
    agents: [],
    skills: [],
    plugins: [],
    uuid: 'a0c7e1d2-0000-4000-8000-000000000001',
  };
}

/** The Messages API stream events of a text answer, as --include-partial-messages relays them. */
function partialLines(message, text) {
  const wrap = (event) => ({
    type: 'stream_event',
    event,
    session_id: SESSION,
    parent_tool_use_id: null,
    uuid: 'a0c7e1d2-0000-4000-8000-000000000002',
  });
  const pieces = [];
  for (let at = 0; at < text.length; at += 8) pieces.push(text.slice(at, at + 8));
  return [
    wrap({ type: 'message_start', message: { ...message, content: [], stop_reason: null } }),
    wrap({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...pieces.map((piece) =>
      wrap({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }),
    ),
    wrap({ type: 'content_block_stop', index: 0 }),
    wrap({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: message.usage,
    }),
    wrap({ type: 'message_stop' }),
  ];
}

/** Prints a result object: as is in json mode; in stream-json mode after the lines before it. */
async function printResult(object, text) {
  if (!streamOptions) {
    process.stdout.write(typeof text === 'string' ? text : JSON.stringify(object));
    return;
  }
  const lines = [systemLine(streamOptions)];
  if (object?.type === 'result' && typeof object.result === 'string' && !object.is_error) {
    const message = {
      id: 'msg_fake_stream',
      type: 'message',
      role: 'assistant',
      model: MODEL_IDS[streamOptions['--model']] ?? streamOptions['--model'],
      content: [{ type: 'text', text: object.result }],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: object.usage?.input_tokens ?? 0,
        output_tokens: object.usage?.output_tokens ?? 0,
      },
    };
    if (streamOptions['--include-partial-messages']) lines.push(...partialLines(message, object.result));
    lines.push({
      type: 'assistant',
      message,
      parent_tool_use_id: null,
      session_id: SESSION,
      uuid: 'a0c7e1d2-0000-4000-8000-000000000003',
    });
  }
  await printLines(lines);
  process.stdout.write(`${JSON.stringify(object)}\n`);
}

async function printFixture(name) {
  const text = fixtureText(name);
  let object;
  try {
    object = JSON.parse(text);
  } catch {
    object = undefined;
  }
  process.exitCode = fixtureExitCode(name);
  // Text that is not one JSON object is printed as it is, in either mode.
  if (object === undefined || !streamOptions) process.stdout.write(text);
  else await printResult(object);
}

async function act(kind, { options, prompt, answer }) {
  const noRetries = process.env.CLAUDE_CODE_MAX_RETRIES === '0';
  switch (kind) {
    case 'answer':
      return printResult(answerObject(options, prompt, answer));
    case 'e529-twice-then-ok':
      return printFixture(noRetries && seenBefore(kind, prompt) < 2 ? 'e529' : kind);
    case 'fail_once':
      return seenBefore(kind, prompt) === 0
        ? printFixture('e529')
        : act('answer', { options, prompt, answer });
    case 'hang_ignore_term':
      process.on('SIGTERM', () => {});
      setTimeout(() => process.exit(3), HANG_LIMIT_MS);
      return;
    case 'hang':
      setTimeout(() => process.exit(3), HANG_LIMIT_MS);
      return;
    case 'crash':
      process.stderr.write('API Error: connection reset\n');
      process.exitCode = 1;
      return;
    case 'garbage':
      process.stdout.write('Welcome to Claude Code!\n<html><body>502 Bad Gateway</body></html>\n');
      return;
    default:
      if (fixtureText(kind) === undefined) refuse(`fake claude: no case or fixture named '${kind}'`);
      return printFixture(kind);
  }
}

function authStatus() {
  const method = setting('AUTH') ?? (process.env.ANTHROPIC_API_KEY ? 'api_key' : 'claude.ai');
  const loggedIn = method !== 'none';
  process.stdout.write(
    `${JSON.stringify(loggedIn ? { loggedIn, authMethod: method, apiProvider: 'firstParty' } : { loggedIn })}\n`,
  );
  process.exitCode = loggedIn ? 0 : 1;
}

function log(argv, stdin) {
  const file = setting('LOG');
  if (!file) return;
  const entry = {
    argv,
    stdin,
    pid: process.pid,
    ppid: process.ppid,
    cwd: process.cwd(),
    env: process.env,
    time: new Date().toISOString(),
  };
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`${setting('VERSION') ?? '2.1.332'} (Claude Code)\n`);
    return;
  }
  if (argv[0] === 'auth' && argv[1] === 'status') {
    log(argv, '');
    return authStatus();
  }
  const options = parseArguments(argv);
  const prompt = await readStdin();
  log(argv, prompt);
  const isPlanner = prompt.includes(PLANNER_REQUEST_OPEN);
  const marker = prompt.lastIndexOf(SUBTASK_MARKER);
  const scope = marker < 0 ? prompt : prompt.slice(marker + SUBTASK_MARKER.length);
  const found = isPlanner
    ? directives(prompt, ['plan_case', 'plan_mode'])
    : directives(scope, ['case', 'mode', 'delay']);
  const kind =
    (isPlanner ? (found.plan_case ?? found.plan_mode) : (found.case ?? found.mode)) ??
    setting('CASE') ??
    setting('MODE') ??
    'answer';
  const firstLine = scope.split('\n').find((line) => line.trim() !== '') ?? '';
  const answer = isPlanner ? setting('PLAN') || DEFAULT_PLAN : `fake answer: ${firstLine.trim()}`;
  const delay = Number(found.delay ?? setting('DELAY_MS') ?? 0);
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  if (options['--output-format'] === 'stream-json') streamOptions = options;
  await act(kind, { options, prompt, answer });
}

await main();
