// Behaviour of the task manager over the memory store and ledger with a scripted provider, on a
// manual clock (no real timer: the test drives time).

import { describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/ports/ledger.js';
import { flush, runOnClock } from '../fakes/manual-clock.js';
import { ScriptedProvider } from '../fakes/scripted-provider.js';
import { chainPlan, makeManualManager } from './harness.js';

describe('task manager', () => {
  it('passes the goal and each dependency result into a dependent prompt, description last', async () => {
    const provider = new ScriptedProvider((description) => ({ text: `RESULT<${description}>` }));
    const { manager, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({
      prompt: 'overall goal here',
      plan: chainPlan(['alpha', 'beta', 'gamma'], [[], [], [0, 1]]),
    });
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    const gamma = provider.calls.find((call) => call.description === 'gamma')!;
    expect(gamma.prompt).toContain('overall goal here');
    expect(gamma.prompt).toContain('RESULT<alpha>');
    expect(gamma.prompt).toContain('RESULT<beta>');
    expect(gamma.prompt.trimEnd().endsWith('gamma')).toBe(true);
    const alpha = provider.calls.find((call) => call.description === 'alpha')!;
    expect(alpha.prompt).not.toContain('RESULT<');
  });

  it('cuts dependency context to the configured size', async () => {
    const provider = new ScriptedProvider((description) => ({
      text: description === 'a' ? 'x'.repeat(5000) : 'ok',
    }));
    const { manager, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b'], [[], [0]]),
      settings: { context_chars: 100 },
    });
    await finish(receipt.id);
    const b = provider.calls.find((call) => call.description === 'b')!;
    expect(b.prompt).toContain(`${'x'.repeat(100)}\n[cut: 4900 of 5000 characters omitted]`);
    expect(b.prompt).not.toContain('x'.repeat(101));
  });

  it('retries transient failures and ledgers every attempt', async () => {
    const provider = new ScriptedProvider(() => ({ failFirst: 2 }));
    const { manager, ledger, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({ prompt: 'goal', plan: chainPlan(['flaky']) });
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    expect(task.subtasks[0]!.attempts).toBe(3);
    const entries = ledger.entries().filter((entry) => entry.kind === 'subtask');
    expect(entries.map((entry) => [entry.attempt, entry.success])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  it('stops a call at the timeout and fails the subtask after its attempts', async () => {
    const provider = new ScriptedProvider(() => ({ fail: 'hang' }));
    const { manager, ledger, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['slow', 'after'], [[], [0]]),
      settings: { timeout_ms: 30, max_attempts: 2, escalate: false },
    });
    const task = await finish(receipt.id);
    expect(task.status).toBe('failed');
    expect(task.subtasks[0]!.status).toBe('failed');
    expect(task.subtasks[0]!.error).toMatch(/timed out after 30 ms/);
    expect(task.subtasks[1]).toMatchObject({ status: 'skipped', error: 'dependency 0 failed' });
    expect(provider.calls.every((call) => call.outcome === 'aborted')).toBe(true);
    expect(ledger.entries().filter((entry) => !entry.success)).toHaveLength(2);
  });

  it('escalates a subtask that fails every attempt at tier 1 to tier 2', async () => {
    const provider = new ScriptedProvider(() => ({ failOnModel: 'haiku' }));
    const { manager, ledger, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({ prompt: 'goal', plan: chainPlan(['hard one']) });
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    expect(task.subtasks[0]).toMatchObject({ tier_assigned: 2, model: 'sonnet', status: 'completed' });
    expect(ledger.entries().map((entry) => [entry.model, entry.success])).toEqual([
      ['haiku', false],
      ['sonnet', true],
    ]);
  });

  it('does not escalate when escalation is off', async () => {
    const provider = new ScriptedProvider(() => ({ failOnModel: 'haiku' }));
    const { manager, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['hard one']),
      settings: { escalate: false },
    });
    const task = await finish(receipt.id);
    expect(task.status).toBe('failed');
    expect(provider.calls.map((call) => call.model)).toEqual(['haiku']);
  });

  it('cancels running calls and marks unstarted subtasks cancelled', async () => {
    const provider = new ScriptedProvider(() => ({ fail: 'hang' }));
    const { manager } = makeManualManager(provider);
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['first', 'second'], [[], [0]]),
    });
    await flush();
    expect(provider.calls).toHaveLength(1);
    const cancelled = await manager.cancelTask(receipt.id);
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.subtasks.map((subtask) => subtask.status)).toEqual(['cancelled', 'cancelled']);
    expect(provider.calls[0]!.outcome).toBe('aborted');
  });

  it('stops dispatching when the budget would be exceeded and stays within it', async () => {
    // Each call reports $0.01; estimates are pessimistic, so a $0.05 budget admits a few calls.
    const provider = new ScriptedProvider(() => ({ costUsd: 0.01, delayMs: 1 }));
    const { manager, ledger, finish } = makeManualManager(provider, { maxOutputTokens: 200 });
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(Array.from({ length: 10 }, (_, index) => `step ${index}`)),
      settings: { budget_usd: 0.05, concurrency: 1 },
    });
    const task = await finish(receipt.id);
    expect(task.status).toBe('partial');
    // The call that did not fit names the figures; the rest are skipped with it.
    expect(task.error).toMatch(
      /^budget exhausted: next call needs up to \$[\d.]+; \$[\d.]+ of \$0\.0500 left$/,
    );
    const skipped = task.subtasks.filter((subtask) => subtask.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]!.error).toBe(task.error);
    for (const subtask of skipped.slice(1)) expect(subtask.error).toBe('budget exhausted');
    const spent = ledger.entries().reduce((sum, entry) => sum + entry.cost_usd, 0);
    expect(spent).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(task.total_cost).toBeCloseTo(spent, 9);
  });

  it('plans through the provider, ledgers the planning call and counts its cost', async () => {
    const plan = JSON.stringify({
      reasoning: 'two steps',
      subtasks: [
        { description: 'one', tier_hint: 1, depends_on: [] },
        { description: 'two', tier_hint: 2, depends_on: [0, 0, 7] },
      ],
    });
    const provider = new ScriptedProvider(
      () => ({}),
      () => `Here is the plan:\n\`\`\`json\n${plan}\n\`\`\``,
    );
    const { manager, ledger, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({ prompt: 'do two things' });
    expect(receipt).toMatchObject({ status: 'planned', subtask_count: 2 });
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    expect(task.warnings).toEqual([
      'subtask 1: dropped duplicate dependency on 0',
      'subtask 1: dropped dependency on 7 (no such subtask)',
    ]);
    const planEntry = ledger.entries().find((entry) => entry.kind === 'plan')!;
    expect(planEntry).toMatchObject({
      subtask_id: null,
      task_id: task.id,
      success: true,
      cost_source: 'tokens',
    });
    const total = ledger.entries().reduce((sum, entry) => sum + entry.cost_usd, 0);
    expect(task.total_cost).toBeCloseTo(total, 12);
    expect(planEntry.cost_usd).toBeGreaterThan(0);
  });

  it('fails the task with the planner error when the re-asked plan is still cyclic', async () => {
    const cyclic = JSON.stringify({
      reasoning: 'loop',
      subtasks: [
        { description: 'a', tier_hint: 1, depends_on: [1] },
        { description: 'b', tier_hint: 1, depends_on: [0] },
      ],
    });
    const provider = new ScriptedProvider(
      () => ({}),
      () => cyclic,
    );
    const { manager, ledger, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({ prompt: 'loop forever' });
    expect(receipt.status).toBe('failed');
    const task = await finish(receipt.id);
    expect(task.error).toMatch(/dependency cycle: 0 -> 1 -> 0/);
    expect(ledger.entries().filter((entry) => entry.kind === 'plan')).toHaveLength(2);
  });

  it('cuts a long result and says so at its end', async () => {
    const provider = new ScriptedProvider(() => ({ text: 'y'.repeat(1000) }));
    const { manager, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['long']),
      settings: { result_cap: 200 },
    });
    const task = await finish(receipt.id);
    expect(task.subtasks[0]!.result).toBe(`${'y'.repeat(200)}\n[result cut: 800 of 1000 characters omitted]`);
  });

  it('ends the task failed with the error when the ledger cannot be written', async () => {
    const provider = new ScriptedProvider();
    const failing: Ledger = {
      append: async () => {
        throw new SymbiontError('LEDGER_WRITE', 'could not write ledger /x: ENOSPC');
      },
      close: async () => undefined,
    };
    const { manager, store, finish } = makeManualManager(provider, { ledger: failing });
    const receipt = await manager.submitTask({ prompt: 'goal', plan: chainPlan(['a', 'b']) });
    await expect(finish(receipt.id)).rejects.toThrow(/ENOSPC/);
    const stored = await store.getTask(receipt.id);
    expect(stored?.status).toBe('failed');
    expect(stored?.error).toMatch(/ENOSPC/);
    expect(stored?.subtasks.some((subtask) => subtask.status === 'completed')).toBe(false);
    expect(stored?.subtasks.map((subtask) => subtask.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('streams every stored event once, in order, from any point', async () => {
    const provider = new ScriptedProvider(() => ({ delayMs: 2 }));
    const { manager, clock } = makeManualManager(provider);
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b', 'c'], [[], [0], [1]]),
    });
    const all = await runOnClock(
      clock,
      (async () => {
        const events = [];
        for await (const event of manager.events(receipt.id)) events.push(event);
        return events;
      })(),
    );
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1));
    expect(all.at(-1)?.type).toBe('task.finished');
    const tail = [];
    for await (const event of manager.events(receipt.id, { afterSeq: 5 })) tail.push(event);
    expect(tail.map((event) => event.seq)).toEqual(all.slice(5).map((event) => event.seq));
  });

  it('rejects a submission without prompt or plan, and an unknown provider', async () => {
    const { manager } = makeManualManager(new ScriptedProvider());
    await expect(manager.submitTask({})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(manager.submitTask({ prompt: 'x', settings: { provider: 'nope' } })).rejects.toMatchObject({
      code: 'CONFIG',
    });
    await expect(manager.submitTask({ prompt: 'x', settings: { concurrency: 0 } })).rejects.toThrow(
      'Expected `concurrency` to be an integer from 1 to 1024, got `0` (number)',
    );
  });
});
