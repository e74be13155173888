// `--model TIER=NAME` on `run` and `plan`: parsed into the task's tier-to-model settings (by
// tier number or family name), used for every call of that tier, and refused with exit 2 naming
// the problem when malformed.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelsFromFlags } from '../../src/cli/model-flag.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { Task } from '../../src/core/records.js';
import { runCli, tempHome } from './cli-helpers.js';

let home: string;
let cleanup: () => void;

beforeEach(() => {
  ({ home, cleanup } = tempHome());
});
afterEach(() => cleanup());

function ledgerModels(): Array<{ kind: string; model: string }> {
  return readFileSync(join(home, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { kind: string; model: string })
    .map(({ kind, model }) => ({ kind, model }));
}

describe('--model TIER=NAME', () => {
  it('maps tier numbers and family names to models, repeatable', () => {
    expect(modelsFromFlags(['1=small-one', 'opus=big-one', 'Sonnet = mid-one'])).toEqual({
      '1': 'small-one',
      '2': 'mid-one',
      '3': 'big-one',
    });
    expect(modelsFromFlags(undefined)).toEqual({});
    expect(modelsFromFlags(['haiku=a', '1=a'])).toEqual({ '1': 'a' });
  });

  it('refuses malformed values with an INVALID_ARGUMENT naming the problem', () => {
    const cases: Array<[string[], string]> = [
      [['sonnet'], "--model expects TIER=NAME with TIER one of 1, 2, 3, haiku, sonnet or opus, got 'sonnet'"],
      [['4=big'], "--model: unknown tier '4' in '4=big': expected 1, 2, 3, haiku, sonnet or opus"],
      [['gpt=x'], "--model: unknown tier 'gpt' in 'gpt=x'"],
      [['constructor=x'], "--model: unknown tier 'constructor'"],
      [['1='], "--model: '1=' needs a model name after '=', without spaces"],
      [['2=two words'], "--model: '2=two words' needs a model name"],
      [['1=a', 'haiku=b'], "--model names tier 1 twice ('a' and 'b')"],
    ];
    for (const [values, message] of cases) {
      try {
        modelsFromFlags(values);
        expect.unreachable(`${values.join(' ')} must be refused`);
      } catch (error) {
        expect(SymbiontError.is(error, 'INVALID_ARGUMENT')).toBe(true);
        expect((error as Error).message).toContain(message);
      }
    }
  });

  it('runs every call of a tier on the named model, and keeps it in the task settings', async () => {
    const plan = join(home, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        subtasks: [
          { description: 'small step', tier_hint: 1, depends_on: [] },
          { description: 'big step', tier_hint: 3, depends_on: [0] },
        ],
      }),
    );
    const result = await runCli(
      ['run', '--plan', plan, '--json', '--model', '1=my-small-model', '--model', 'opus=my-big-model'],
      { SYMBIONT_HOME: home, SYMBIONT_SIM_LATENCY_SCALE: '0' },
    );
    expect(result.code).toBe(0);
    const task = JSON.parse(result.stdout) as Task;
    expect(task.settings.models).toEqual({ '1': 'my-small-model', '3': 'my-big-model' });
    expect(task.subtasks.map((subtask) => subtask.model)).toEqual(['my-small-model', 'my-big-model']);
    expect(ledgerModels()).toEqual([
      { kind: 'subtask', model: 'my-small-model' },
      { kind: 'subtask', model: 'my-big-model' },
    ]);
  });

  it('plans with the named model of the planning tier', async () => {
    const result = await runCli(
      ['plan', 'Write a haiku about tests.', '--json', '--model', 'haiku=tiny-planner'],
      {
        SYMBIONT_HOME: home,
        SYMBIONT_SIM_LATENCY_SCALE: '0',
      },
    );
    expect(result.code).toBe(0);
    expect(ledgerModels()).toEqual([{ kind: 'plan', model: 'tiny-planner' }]);
  });

  it('exits 2 naming the problem, on run and on plan, before anything runs', async () => {
    for (const args of [
      ['run', 'do a thing', '--model', '4=big'],
      ['plan', 'do a thing', '--model', '4=big'],
    ]) {
      const result = await runCli(args, { SYMBIONT_HOME: home });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("unknown tier '4' in '4=big'");
    }
    const malformed = await runCli(['run', 'do a thing', '--model', 'opus'], { SYMBIONT_HOME: home });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(
      "--model expects TIER=NAME with TIER one of 1, 2, 3, haiku, sonnet or opus, got 'opus'",
    );
  });
});
