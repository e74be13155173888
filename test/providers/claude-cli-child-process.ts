// A process that uses the claude-cli provider once, for the spawn helper tests
// (claude-cli-spawner.test.ts): run with `node --import tsx`, the fake claude's path, the work
// directory and the prompt as arguments, the fake's CLAUDE_FAKE_* settings in its environment.
// It prints the answer's text on one JSON line and ends by itself, without process.exit: if the
// helper kept it alive, it would not end.

import { createClaudeCliProvider } from '../../src/adapters/providers/claude-cli.js';

const [binary, workDir, prompt] = process.argv.slice(2);
if (binary === undefined || workDir === undefined || prompt === undefined) {
  throw new Error('usage: claude-cli-child-process.ts <claude binary> <work dir> <prompt>');
}
const provider = createClaudeCliProvider({ binary, workDir, killGraceMs: 500 });
const result = await provider.complete(
  { prompt, model: 'haiku', tier: 1, purpose: 'subtask' },
  new AbortController().signal,
);
process.stdout.write(`${JSON.stringify({ text: result.text })}\n`);
