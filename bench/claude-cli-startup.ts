// Figures for the claude-cli provider with the fake CLI (test/fakes/fake-claude.mjs):
// 1. per-call start-up: the wall time of N sequential calls through the provider, per call (a
//    Node process start, argv, the reduced environment, its working directory, the JSON parse);
// 2. a bad API key (the real CLI's e401 output): the calls and the time a `symbiont run` spends
//    before the user sees the error (CLAUDE_CODE_MAX_RETRIES=0; symbiont does not retry auth).
// Run: npx tsx bench/claude-cli-startup.ts [calls]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClaudeCliProvider } from '../src/adapters/providers/claude-cli.js';
import { buildSubtaskPrompt } from '../src/core/subtask-prompt.js';

const ROOT = resolve(import.meta.dirname, '..');
const FAKE = join(ROOT, 'test/fakes/fake-claude.mjs');
const calls = Number(process.argv[2] ?? 20);
const home = mkdtempSync(join(tmpdir(), 'symbiont-claude-figures-'));

try {
  const provider = createClaudeCliProvider({ binary: FAKE, workDir: join(home, 'claude-cwd') });
  const prompt = buildSubtaskPrompt({
    goal: 'A note',
    description: 'Name one colour',
    dependencies: [],
    contextChars: 100,
  });
  const signal = new AbortController().signal;
  await provider.complete({ prompt, model: 'haiku', tier: 1, purpose: 'subtask' }, signal); // warm-up
  const started = performance.now();
  for (let index = 0; index < calls; index++) {
    await provider.complete({ prompt, model: 'haiku', tier: 1, purpose: 'subtask' }, signal);
  }
  const perCall = (performance.now() - started) / calls;
  console.log(
    `per-call start-up with the fake CLI: ${perCall.toFixed(1)} ms per call (${calls} sequential calls)`,
  );

  const log = join(home, 'calls.jsonl');
  const runStarted = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/run-cli.ts'),
      'run',
      'Write a haiku about rain',
      '--provider',
      'claude-cli',
      '--claude-bin',
      FAKE,
      '--json',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, SYMBIONT_HOME: home, CLAUDE_FAKE_LOG: log, CLAUDE_FAKE_CASE: 'e401' },
      encoding: 'utf8',
    },
  );
  const runMs = performance.now() - runStarted;
  const cliCalls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').length : 0;
  const ledger = readFileSync(join(home, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const error = (run.stderr.trim() || JSON.parse(run.stdout).error || '').split('\n')[0];
  console.log(
    `bad API key (e401): exit ${run.status} after ${cliCalls} CLI call(s), ${ledger.length} ledger entr${ledger.length === 1 ? 'y' : 'ies'}, ${(runMs / 1000).toFixed(2)} s in all (symbiont's own start-up included)`,
  );
  console.log(`  the user sees: ${error}`);
  console.log(`  ledger: ${ledger.map((entry) => `${entry.kind} ${entry.error}`).join(' | ')}`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
