// The model-provider port's conformance suite: what every adapter must do, whatever its wire
// format. Each adapter's test calls describeProviderConformance with a setup that builds the
// provider against its fake (a fake `claude` executable, a fake HTTP server...).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import { PLAN_JSON_SCHEMA } from '../../src/core/plan-schema.js';
import { buildPlannerPrompt } from '../../src/core/planner-prompt.js';
import type { Tier } from '../../src/core/records.js';
import { buildSubtaskPrompt } from '../../src/core/subtask-prompt.js';
import type { CompletionRequest, ModelProvider } from '../../src/ports/model-provider.js';

export interface ProviderConformanceSetup {
  provider: ModelProvider;
  cleanup(): Promise<void>;
  /**
   * A request the provider will not answer until it is aborted (e.g. one that puts the fake in
   * a "hang" mode). Without it the abort case aborts an ordinary request right after starting it.
   */
  hangingRequest?(): CompletionRequest;
}

/** Generous bound for "promptly": a guard against hangs, not a speed assertion. */
const PROMPT_MS = 10_000;
const TIERS: readonly Tier[] = [1, 2, 3];

export function subtaskRequest(
  provider: ModelProvider,
  description: string,
  tier: Tier = 1,
): CompletionRequest {
  const prompt = buildSubtaskPrompt({
    goal: 'Write a short note about the colours of the rainbow.',
    description,
    dependencies: [{ index: 0, description: 'List the colours', result: 'red, orange, yellow' }],
    contextChars: 1000,
  });
  return { prompt, model: provider.modelFor(tier), tier, purpose: 'subtask' };
}

export function plannerRequest(provider: ModelProvider, request: string): CompletionRequest {
  return {
    prompt: buildPlannerPrompt(request),
    model: provider.modelFor(1),
    tier: 1,
    purpose: 'plan',
    jsonSchema: PLAN_JSON_SCHEMA,
  };
}

function isCountOrNull(value: number | null | undefined): boolean {
  return value === null || value === undefined || (Number.isInteger(value) && value >= 0);
}

/** Settles with the promise's rejection, failing if it resolves or takes longer than PROMPT_MS. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  let guard: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    guard = setTimeout(() => reject(new Error(`did not settle within ${PROMPT_MS} ms`)), PROMPT_MS);
  });
  try {
    await Promise.race([promise, deadline]);
  } catch (error) {
    return error;
  } finally {
    clearTimeout(guard);
  }
  throw new Error('expected the call to reject, but it resolved');
}

export function describeProviderConformance(
  label: string,
  setup: () => Promise<ProviderConformanceSetup>,
): void {
  describe(`model provider conformance: ${label}`, () => {
    let current: ProviderConformanceSetup;

    beforeEach(async () => {
      current = await setup();
    });
    afterEach(async () => {
      await current.cleanup();
    });

    it('has a stable, non-empty name', () => {
      expect(typeof current.provider.name).toBe('string');
      expect(current.provider.name.trim()).not.toBe('');
    });

    it('maps every tier to a model name', () => {
      for (const tier of TIERS) {
        const model = current.provider.modelFor(tier);
        expect(typeof model).toBe('string');
        expect(model.trim()).not.toBe('');
      }
    });

    it('answers a subtask with text and non-negative token counts or nulls', async () => {
      const { provider } = current;
      const result = await provider.complete(
        subtaskRequest(provider, 'Name one colour'),
        new AbortController().signal,
      );
      expect(typeof result.text).toBe('string');
      expect(result.text.length).toBeGreaterThan(0);
      expect(isCountOrNull(result.inputTokens)).toBe(true);
      expect(isCountOrNull(result.outputTokens)).toBe(true);
      expect(isCountOrNull(result.cacheReadTokens)).toBe(true);
      expect(isCountOrNull(result.cacheWriteTokens)).toBe(true);
      expect(result.costUsd === null || (Number.isFinite(result.costUsd) && result.costUsd >= 0)).toBe(true);
    });

    it('answers a planning request with text', async () => {
      const { provider } = current;
      const request = plannerRequest(provider, 'List three colours. Then sort them by wavelength.');
      const result = await provider.complete(request, new AbortController().signal);
      expect(typeof result.text).toBe('string');
      expect(result.text.trim().length).toBeGreaterThan(0);
    });

    it('rejects at once with the reason of an already aborted signal', async () => {
      const { provider } = current;
      const controller = new AbortController();
      const reason = new SymbiontError('CANCELLED', 'cancelled before the call');
      controller.abort(reason);
      const error = await rejectionOf(
        provider.complete(subtaskRequest(provider, 'Name one colour'), controller.signal),
      );
      expect(error).toBe(reason);
    });

    it('stops a call in flight when the signal aborts and rejects with its reason', async () => {
      const { provider } = current;
      const controller = new AbortController();
      const reason = new SymbiontError('PROVIDER_TIMEOUT', 'timed out (conformance test)', {
        retryable: true,
      });
      const request = current.hangingRequest?.() ?? subtaskRequest(provider, 'Name one colour');
      const call = provider.complete(request, controller.signal);
      if (current.hangingRequest === undefined) controller.abort(reason);
      else setTimeout(() => controller.abort(reason), 100);
      expect(await rejectionOf(call)).toBe(reason);
    });
  });
}
